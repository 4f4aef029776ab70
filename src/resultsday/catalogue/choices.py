from django.db import models


class ResultsDayType(models.TextChoices):
    """Which national results day a qualification's learners get their results on."""

    LEVEL3 = "level3", "Level 3 (A level results day)"
    LEVEL1_2 = "level1_2", "Level 1/2 (GCSE results day)"


class Assessment(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class KeyDateKind(models.TextChoices):
    """The dates that drive the results cycle. Deadlines are data, never literals in code."""

    REGISTRATION_DEADLINE = "registration_deadline", "Registration deadline"
    ENTRY_DEADLINE = "entry_deadline", "External assessment entry deadline"
    CHECKPOINT_1 = "checkpoint_1", "Checkpoint 1: learners expecting a result agreed"
    CHECKPOINT_2 = "checkpoint_2", "Checkpoint 2: outstanding information agreed"
    CLAIM_DEADLINE = "claim_deadline", "Full award claim deadline"
    RESULTS_TO_CENTRES = "results_to_centres", "Results released to centres (embargoed)"
    RESULTS_TO_LEARNERS = "results_to_learners", "Results released to learners"
    POST_RESULTS_DEADLINE = "post_results_deadline", "Post-results services deadline"
    DECLINE_GRADE_DEADLINE = "decline_grade_deadline", "Deadline to decline a grade to resit"


class KeyDateScope(models.TextChoices):
    ALL = "all", "All qualifications"
    LEVEL3 = "level3", "Level 3"
    LEVEL1_2 = "level1_2", "Level 1/2"
