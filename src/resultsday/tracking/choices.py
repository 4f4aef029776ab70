from django.db import models

from resultsday.catalogue.choices import KeyDateKind


class CheckpointKind(models.TextChoices):
    """The two term-time checkpoints (Ofqual 2023): the same values as their series key dates."""

    CHECKPOINT_1 = KeyDateKind.CHECKPOINT_1.value, "Checkpoint 1: learners expecting a result"
    CHECKPOINT_2 = KeyDateKind.CHECKPOINT_2.value, "Checkpoint 2: outstanding information"


# The URL form of each checkpoint kind.
CHECKPOINT_SLUGS: dict[str, CheckpointKind] = {
    "1": CheckpointKind.CHECKPOINT_1,
    "2": CheckpointKind.CHECKPOINT_2,
}


class ReportTrigger(models.TextChoices):
    SCHEDULED = "scheduled", "Weekly (scheduled)"
    ON_DEMAND = "on_demand", "On demand"
