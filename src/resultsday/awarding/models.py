from __future__ import annotations

from django.db import models

from resultsday.awarding.choices import Direction, ResultStatus, RunMode, RunPolicy, RunStatus

#: What a run's counts mean, for people: statuses by their label, and the run's own tallies.
COUNT_LABELS = {
    **{status.value: status.label for status in ResultStatus},
    "versions_written": "New result versions written",
    "by_reference": "Graded one by one by the reference engine",
    "would_go_up": "Would go up",
    "would_go_down": "Would go down",
    "would_go_changed": "Would change, with the same points",
    "kept_up_only": "Kept as issued by the up-only policy (the new evaluation was lower)",
}


class AwardingRun(models.Model):
    """One awarding pass over a series. Resumable: `last_registration_id` is its checkpoint."""

    series = models.ForeignKey("catalogue.Series", on_delete=models.PROTECT, related_name="runs")
    policy = models.CharField(max_length=16, choices=RunPolicy.choices, default=RunPolicy.STANDARD)
    mode = models.CharField(max_length=16, choices=RunMode.choices, default=RunMode.COMMIT)
    committed_as = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="preview_of",
        help_text="For a preview: the run that committed it.",
    )
    reason = models.CharField(max_length=300, help_text="Why this run was started.")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    started_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    last_registration_id = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Results by status, and versions written.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Awarding run {self.pk} for {self.series} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)

    @property
    def count_rows(self) -> list[tuple[str, int]]:
        """The counts in words, results by status first (for the run page and the command)."""
        return [(COUNT_LABELS.get(key) or key.replace("_", " ").capitalize(), self.counts[key])
                for key in sorted(self.counts, key=lambda k: (k not in ResultStatus.values, k))]


class PreviewChange(models.Model):
    """One result a preview run would change (unchanged results are counted, not stored)."""

    run = models.ForeignKey(AwardingRun, on_delete=models.CASCADE, related_name="changes")
    registration = models.ForeignKey(
        "learners.Registration", on_delete=models.CASCADE, related_name="+"
    )
    centre = models.ForeignKey("centres.Centre", on_delete=models.CASCADE, related_name="+")
    qualification = models.ForeignKey(
        "catalogue.Qualification", on_delete=models.CASCADE, related_name="+"
    )
    old_status = models.CharField(max_length=16, blank=True)
    old_grade = models.CharField(max_length=8, blank=True)
    old_points = models.PositiveIntegerField(null=True, blank=True)
    new_status = models.CharField(max_length=16)
    new_grade = models.CharField(max_length=8, blank=True)
    new_points = models.PositiveIntegerField(null=True, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["run", "centre", "registration"]
        constraints = [
            models.UniqueConstraint(fields=["run", "registration"], name="preview_change_unique")
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}: registration {self.registration_id} {self.direction}"


class QualificationResult(models.Model):
    """The current overall result of one registration; its history is in versions."""

    registration = models.OneToOneField(
        "learners.Registration", on_delete=models.CASCADE, related_name="result"
    )
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    grade = models.CharField(max_length=8, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="As in the latest version.")
    ucas_changed = models.BooleanField(
        default=False, help_text="Changed since the last UCAS send (the UCAS change feed)."
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    # No index on status: results are always reached through their registration, and nothing
    # filters on status alone; each index costs every awarding run a write per changed result.

    def __str__(self) -> str:
        return f"{self.registration}: {self.grade or self.get_status_display()}"


class QualificationResultVersion(models.Model):
    """One immutable version of a result: every change adds a row, nothing is overwritten."""

    # No index of its own: the unique (result, version) index below serves every lookup by result,
    # and a million-row awarding run writes one index fewer (bench/award.py).
    result = models.ForeignKey(
        QualificationResult, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    grade = models.CharField(max_length=8, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True)
    previous_grade = models.CharField(max_length=8, blank=True)
    reason = models.CharField(max_length=300)
    run = models.ForeignKey(
        AwardingRun, null=True, blank=True, on_delete=models.PROTECT, related_name="versions"
    )
    # Indexed only where set (below): a run writes a million versions with no person, and a
    # full index would hold a million empty entries (about 2 s of an awarding run's writes).
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
        help_text="Set for a person's change (e.g. a declined grade); empty for a run.",
    )
    explanation = models.JSONField(default=dict, help_text="The grading engine's outcome.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["result", "version"]
        constraints = [
            models.UniqueConstraint(fields=["result", "version"], name="result_version_unique")
        ]
        indexes = [
            models.Index(fields=["changed_by"], name="result_version_changed_by",
                         condition=models.Q(changed_by__isnull=False)),
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
