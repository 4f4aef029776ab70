from django.db import models


class ResultStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    PENDING = "pending", "Pending (awaiting an external result)"
    WITHHELD = "withheld", "Withheld"
    UNCLASSIFIED = "unclassified", "Unclassified"
    FALLBACK = "fallback", "Smaller qualification awarded (fallback)"
    DECLINED = "declined", "Declined by the centre to resit"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


class RunPolicy(models.TextChoices):
    STANDARD = "standard", "Standard: the new result replaces the old"
    UP_ONLY = "up_only", "Up only (no detriment): keep the higher of the issued and new grade"


class RunMode(models.TextChoices):
    PREVIEW = "preview", "Preview: show what would change, change nothing"
    COMMIT = "commit", "Commit: write the new results"


class Direction(models.TextChoices):
    UP = "up", "Up"
    DOWN = "down", "Down"
    CHANGED = "changed", "Changed (same points)"
