from django.db import models


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"
    TOPPED_UP = "topped_up", "Topped up (replaced by a larger qualification)"
    CERTIFICATED = "certificated", "Certificated"


class EntryStatus(models.TextChoices):
    ENTERED = "entered", "Entered"
    WITHDRAWN = "withdrawn", "Withdrawn"


class InvitationRevoked(models.TextChoices):
    """Why an invitation stopped working before it was used."""

    REPLACED = "replaced", "Replaced by a newer invitation"
    CANCELLED = "cancelled", "Cancelled by the centre"
