from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from resultsday.catalogue.choices import Assessment, KeyDateKind, KeyDateScope, ResultsDayType

qn_validator = RegexValidator(r"^\d{3}/\d{4}/[0-9A-Z]$", "Enter a QN like 601/7157/7.")


class AwardingOrganisation(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Suite(models.Model):
    """A family of qualifications sharing grading rules (e.g. BTEC Nationals 2016)."""

    awarding_organisation = models.ForeignKey(
        AwardingOrganisation, on_delete=models.PROTECT, related_name="suites"
    )
    code = models.SlugField(max_length=64, unique=True, help_text="The grading spec's suite id.")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    awarding_organisation = models.ForeignKey(
        AwardingOrganisation, on_delete=models.PROTECT, related_name="qualifications"
    )
    suite = models.ForeignKey(Suite, on_delete=models.PROTECT, related_name="qualifications")
    qn = models.CharField("Ofqual QN", max_length=10, unique=True, validators=[qn_validator])
    title = models.CharField(max_length=300)
    level = models.CharField(max_length=8, help_text='e.g. "3" or "1/2".')
    size_glh = models.PositiveIntegerField(
        "size (GLH)", null=True, blank=True, help_text="Empty for component-based (UMS) suites."
    )
    results_day_type = models.CharField(max_length=16, choices=ResultsDayType.choices)
    sector = models.SlugField(max_length=100, blank=True)
    spec_file = models.CharField(max_length=300, blank=True, help_text="The grading spec file.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["suite__name", "sector", "size_glh"]

    def __str__(self) -> str:
        return f"{self.title} ({self.qn})"


class Unit(models.Model):
    """A unit or component; shared by the sizes of a suite that include it."""

    suite = models.ForeignKey(Suite, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(max_length=32, help_text="Unique within the suite, e.g. BUS-3.")
    number = models.CharField(max_length=16, help_text="The number printed in the specification.")
    title = models.CharField(max_length=300)
    glh = models.PositiveIntegerField("GLH", null=True, blank=True)
    assessment = models.CharField(max_length=16, choices=Assessment.choices)

    class Meta:
        ordering = ["suite", "code"]
        constraints = [models.UniqueConstraint(fields=["suite", "code"], name="unit_code_unique")]

    def __str__(self) -> str:
        return f"Unit {self.number} {self.title}"

    @property
    def is_external(self) -> bool:
        return self.assessment == Assessment.EXTERNAL


class QualificationUnit(models.Model):
    """A unit's place in one qualification's structure."""

    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="structure"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="placements")
    mandatory = models.BooleanField()
    group = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["qualification", "-mandatory", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "unit"], name="qualification_unit_unique"
            )
        ]

    def __str__(self) -> str:
        kind = "mandatory" if self.mandatory else "optional"
        return f"{self.qualification.qn}: {self.unit} ({kind})"


class Series(models.Model):
    """An assessment window of one AO, e.g. Summer 2026; its key dates drive every deadline."""

    awarding_organisation = models.ForeignKey(
        AwardingOrganisation, on_delete=models.PROTECT, related_name="series"
    )
    code = models.CharField(max_length=16, help_text="e.g. 2026-06")
    name = models.CharField(max_length=100)
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["awarding_organisation", "code"]
        verbose_name_plural = "series"
        constraints = [
            models.UniqueConstraint(
                fields=["awarding_organisation", "code"], name="series_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class KeyDate(models.Model):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="key_dates")
    kind = models.CharField(max_length=32, choices=KeyDateKind.choices)
    applies_to = models.CharField(
        max_length=16, choices=KeyDateScope.choices, default=KeyDateScope.ALL
    )
    at = models.DateTimeField(help_text="Stored in UTC; shown in Europe/London.")
    source = models.CharField(max_length=300, blank=True, help_text="Where the date comes from.")

    class Meta:
        ordering = ["series", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "kind", "applies_to"], name="key_date_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series}: {self.get_kind_display()}"
