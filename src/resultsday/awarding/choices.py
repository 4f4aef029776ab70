from django.db import models


class ResultStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    PENDING = "pending", "Pending (awaiting an external result)"
    WITHHELD = "withheld", "Withheld"
    UNCLASSIFIED = "unclassified", "Unclassified"
    FALLBACK = "fallback", "Smaller qualification awarded (fallback)"
    DECLINED = "declined", "Declined by the centre to resit"
