from __future__ import annotations

from django.conf import settings
from django.db import models

from resultsday.tracking.choices import CheckpointKind, ReportTrigger


class Checkpoint(models.Model):
    """One centre's answer at one checkpoint of a series, and the head of centre's declaration."""

    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.CASCADE, related_name="checkpoints"
    )
    series = models.ForeignKey(
        "catalogue.Series", on_delete=models.PROTECT, related_name="checkpoints"
    )
    kind = models.CharField(max_length=16, choices=CheckpointKind.choices)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    declared_name = models.CharField(
        max_length=200, blank=True, help_text="The name the head of centre signed with."
    )
    declared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series", "centre", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "series", "kind"], name="checkpoint_one_per_centre_series_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.centre.number} {self.series}: {self.get_kind_display()}"

    @property
    def is_declared(self) -> bool:
        return self.declared_at is not None


class CheckpointLearner(models.Model):
    """One registration at a checkpoint: expecting a result? needed to progress? what is missing?"""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="learners")
    registration = models.ForeignKey(
        "learners.Registration", on_delete=models.CASCADE, related_name="checkpoint_rows"
    )
    expects_result = models.BooleanField(default=True)
    needs_to_progress = models.BooleanField(default=False)
    predicted_grade = models.CharField(max_length=8, blank=True)
    added_late = models.BooleanField(
        default=False, help_text="Confirmed after the checkpoint date (Ofqual 'YL')."
    )
    outstanding = models.JSONField(
        default=list, blank=True,
        help_text="Checkpoint 2: the information still outstanding, as agreed.",
    )
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["checkpoint", "registration"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "registration"], name="checkpoint_learner_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint}: registration {self.registration_id}"


class TrackingReport(models.Model):
    """A generated tracking report, kept so past weeks can be downloaded again.

    The files live in the database, not under var/: workers run on any host (docs/architecture.md,
    "never assume a single process"), so a file written by one worker's disk would be missing on
    the web host. A report for 2,000 learners is about 150 KB of XLSX, and old reports are pruned
    (`services.REPORTS_KEPT`), so the table stays small.
    """

    centre = models.ForeignKey(
        "centres.Centre", on_delete=models.CASCADE, related_name="tracking_reports"
    )
    trigger = models.CharField(max_length=16, choices=ReportTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField()
    week = models.DateField(
        null=True, blank=True,
        help_text="Weekly reports: the Monday of their week (one per centre and week).",
    )
    row_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, help_text="Registrations by status code.")
    xlsx = models.BinaryField()
    csv = models.BinaryField()

    class Meta:
        ordering = ["centre", "-created_at"]
        indexes = [models.Index(fields=["centre", "-created_at"])]
        constraints = [
            # A weekly run resumed after a crash, or two workers given overlapping parts, cannot
            # keep a centre's week twice (on-demand reports have no week: NULLs never clash).
            models.UniqueConstraint(fields=["centre", "week"],
                                    name="tracking_report_one_per_centre_week"),
        ]

    def __str__(self) -> str:
        return f"Tracking report for {self.centre.number} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def filename_stem(self) -> str:
        return f"tracking-{self.centre.number}-{self.created_at:%Y%m%d-%H%M}"
