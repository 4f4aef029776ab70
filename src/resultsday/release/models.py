from __future__ import annotations

from django.db import models

from resultsday.release.choices import VIEWER_KIND_CHOICES


class DiscretionaryRelease(models.Model):
    """A centre's release to the learner of a result that no external result of the series holds up."""

    registration = models.OneToOneField(
        "learners.Registration", on_delete=models.CASCADE, related_name="discretionary_release"
    )
    released_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField()
    reason = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"{self.registration} released by the centre"


class EmbargoedView(models.Model):
    """One look at an embargoed result before the learners' release: who, which, when."""

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    viewer_kind = models.CharField(max_length=16, choices=VIEWER_KIND_CHOICES)
    registration = models.ForeignKey(
        "learners.Registration", on_delete=models.CASCADE, related_name="+"
    )
    # Denormalised so the AO's list and a centre's list are one indexed read.
    centre = models.ForeignKey("centres.Centre", on_delete=models.CASCADE, related_name="+")
    awarding_organisation = models.ForeignKey(
        "catalogue.AwardingOrganisation", on_delete=models.CASCADE, related_name="+"
    )
    viewed_at = models.DateTimeField()
    page = models.CharField(max_length=200, help_text="The page or download it was seen on.")

    class Meta:
        ordering = ["-viewed_at", "-pk"]
        indexes = [models.Index(fields=["awarding_organisation", "-viewed_at"])]

    def __str__(self) -> str:
        return f"{self.user} saw registration {self.registration_id} at {self.viewed_at}"
