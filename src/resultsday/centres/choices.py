from django.db import models


class VerificationStatus(models.TextChoices):
    """Standards verification statuses as Pearson names them (shared/DESIGN.md §2)."""

    NOT_YET_SAMPLED = "not_yet_sampled", "Not yet fully sampled"
    OUTSTANDING = "outstanding", "Outstanding"
    CENTRE_ACTION = "centre_action", "Certification pending – centre action required"
    RELEASED = "released", "Released"
