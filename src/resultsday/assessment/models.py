from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from resultsday.assessment.choices import BoundaryStatus, ResultSource, UnitGrade
from resultsday.grading import Boundaries


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
    boundary = models.ForeignKey(
        "assessment.GradeBoundary", null=True, blank=True, on_delete=models.PROTECT,
        related_name="results", help_text="Marked results: the boundaries that converted the mark.",
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
        # Re-converting one assessment's marks when its boundaries change reads by unit and series.
        indexes = [models.Index(fields=["unit", "series"], name="unit_result_unit_series")]

    def __str__(self) -> str:
        return f"{self.registration}: {self.unit} attempt {self.attempt} = {self.grade}"


class GradeBoundary(models.Model):
    """One version of the grade boundaries of an external unit in a series: the maximum mark
    and the minimum raw mark for each grade (btec-grading.md §5). An approved version is never
    changed: a correction is a new draft, which replaces it when approved."""

    unit = models.ForeignKey(
        "catalogue.Unit", on_delete=models.PROTECT, related_name="grade_boundaries"
    )
    series = models.ForeignKey(
        "catalogue.Series", on_delete=models.PROTECT, related_name="grade_boundaries"
    )
    version = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=16, choices=BoundaryStatus.choices, default=BoundaryStatus.DRAFT
    )
    max_mark = models.PositiveIntegerField()
    n_boundary = models.PositiveIntegerField("Near Pass (N) boundary")
    p_boundary = models.PositiveIntegerField("Pass (P) boundary")
    m_boundary = models.PositiveIntegerField("Merit (M) boundary")
    d_boundary = models.PositiveIntegerField("Distinction (D) boundary")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["series", "unit", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "series", "version"], name="grade_boundary_version_unique"
            ),
            models.UniqueConstraint(
                fields=["unit", "series"], condition=models.Q(status="approved"),
                name="grade_boundary_one_approved",
            ),
            models.UniqueConstraint(
                fields=["unit", "series"], condition=models.Q(status="draft"),
                name="grade_boundary_one_draft",
            ),
            models.CheckConstraint(
                name="grade_boundary_approved_has_approver",
                condition=models.Q(status="draft") | models.Q(approved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} in {self.series}: boundaries version {self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == BoundaryStatus.DRAFT

    def boundaries(self) -> Boundaries:
        """The boundaries as the grading engine takes them (raises BoundaryError if invalid)."""
        return Boundaries(
            max=self.max_mark, N=self.n_boundary, P=self.p_boundary, M=self.m_boundary,
            D=self.d_boundary,
        )

    def as_dict(self) -> dict[str, int]:
        return {"max": self.max_mark, "N": self.n_boundary, "P": self.p_boundary,
                "M": self.m_boundary, "D": self.d_boundary}
