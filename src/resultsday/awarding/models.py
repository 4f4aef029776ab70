from __future__ import annotations

from django.db import models

from resultsday.awarding.choices import ResultStatus


class QualificationResult(models.Model):
    """The current overall result of one registration; its history is in versions."""

    registration = models.OneToOneField(
        "learners.Registration", on_delete=models.CASCADE, related_name="result"
    )
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    grade = models.CharField(max_length=8, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.registration}: {self.grade or self.get_status_display()}"


class QualificationResultVersion(models.Model):
    """One immutable version of a result: every change adds a row, nothing is overwritten."""

    result = models.ForeignKey(
        QualificationResult, on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    grade = models.CharField(max_length=8, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    previous_grade = models.CharField(max_length=8, blank=True)
    reason = models.CharField(max_length=300)
    explanation = models.JSONField(default=dict, help_text="The grading engine's outcome.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["result", "version"]
        constraints = [
            models.UniqueConstraint(fields=["result", "version"], name="result_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.result.registration} v{self.version}: {self.grade or self.status}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Invariant, not logic: result history is immutable.
        if not self._state.adding:
            raise ValueError("Result versions are immutable; add a new version instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Claim(models.Model):
    """A centre's full award claim for one registration; late claims are not guaranteed on time."""

    registration = models.OneToOneField(
        "learners.Registration", on_delete=models.CASCADE, related_name="claim"
    )
    claimed_at = models.DateTimeField()
    claimed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_late = models.BooleanField(
        default=False, help_text="Made after the series' claim deadline: not guaranteed on time."
    )

    def __str__(self) -> str:
        return f"Claim for {self.registration}"
