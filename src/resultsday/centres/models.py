from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from resultsday.centres.choices import VerificationStatus

centre_number_validator = RegexValidator(r"^\d{5}$", "Enter a centre number of 5 digits.")


class Centre(models.Model):
    """A school or college approved to offer qualifications; staff see only their own centre."""

    number = models.CharField(max_length=5, unique=True, validators=[centre_number_validator])
    name = models.CharField(max_length=200)
    awarding_organisations = models.ManyToManyField(
        "catalogue.AwardingOrganisation", related_name="centres", blank=True,
        help_text="The awarding organisations that approve this centre.",
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class StandardsVerification(models.Model):
    """The AO's sampling status for one programme (suite and sector) at one centre.

    Certification waits until the status is Released.
    """

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="verifications")
    suite = models.ForeignKey("catalogue.Suite", on_delete=models.PROTECT, related_name="+")
    sector = models.SlugField(max_length=100, help_text="The programme, e.g. business.")
    status = models.CharField(
        max_length=24, choices=VerificationStatus.choices, default=VerificationStatus.NOT_YET_SAMPLED
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["centre", "suite", "sector"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "suite", "sector"], name="verification_one_per_programme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.centre.number} {self.suite.code}/{self.sector}: {self.get_status_display()}"

    @property
    def is_released(self) -> bool:
        return self.status == VerificationStatus.RELEASED
