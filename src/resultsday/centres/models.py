from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

centre_number_validator = RegexValidator(r"^\d{5}$", "Enter a centre number of 5 digits.")


class Centre(models.Model):
    """A school or college approved to offer qualifications; staff see only their own centre."""

    number = models.CharField(max_length=5, unique=True, validators=[centre_number_validator])
    name = models.CharField(max_length=200)
    awarding_organisations = models.ManyToManyField(
        "catalogue.AwardingOrganisation", related_name="centres", blank=True,
        help_text="The awarding organisations that approve this centre.",
    )
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"
