from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from resultsday.assessment.choices import ResultSource, UnitGrade


class UnitResult(models.Model):
    """One attempt at one unit for one registration. Several attempts: the grading engine picks."""

    registration = models.ForeignKey(
        "learners.Registration", on_delete=models.CASCADE, related_name="unit_results"
    )
    unit = models.ForeignKey("catalogue.Unit", on_delete=models.PROTECT, related_name="results")
    attempt = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    source = models.CharField(max_length=16, choices=ResultSource.choices)
    grade = models.CharField(max_length=1, choices=UnitGrade.choices)
    points = models.PositiveIntegerField(
        null=True, blank=True, help_text="External units: points from the mark conversion."
    )
    raw_mark = models.PositiveIntegerField(null=True, blank=True)
    series = models.ForeignKey(
        "catalogue.Series", null=True, blank=True, on_delete=models.PROTECT,
        related_name="unit_results",
    )
    is_retake = models.BooleanField(
        default=False, help_text="An internal retake can achieve at most a Pass."
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["registration", "unit", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "unit", "attempt"], name="unit_result_attempt_unique"
            ),
            models.CheckConstraint(
                name="unit_result_retake_capped_at_pass",
                condition=~models.Q(is_retake=True, grade__in=["M", "D"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.unit} attempt {self.attempt} = {self.grade}"
