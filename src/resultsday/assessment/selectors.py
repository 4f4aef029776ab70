"""Reads of unit results and grade boundaries for pages and the API. Callers pass already-scoped
querysets or objects."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.assessment.choices import BoundaryStatus
from resultsday.assessment.models import GradeBoundary, UnitResult
from resultsday.catalogue.choices import Assessment
from resultsday.catalogue.models import AwardingOrganisation, Qualification, Series, Unit
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Registration

#: The registrations an external mark can be imported for (services.marks import): not a
#: withdrawn one, nor one topped up into another that now holds its entries.
MARKABLE_REGISTRATION_STATUSES = (RegistrationStatus.ACTIVE, RegistrationStatus.CERTIFICATED)


def unit_number_key(unit: Unit) -> tuple[int, str]:
    """Sort units as a specification lists them: 2 before 10."""
    digits = re.match(r"\d+", unit.number)
    return (int(digits.group()) if digits else 1_000_000, unit.number)


@dataclass(frozen=True)
class UnitGradeRow:
    unit: Unit
    mandatory: bool
    attempts: list[UnitResult]

    @property
    def current(self) -> UnitResult | None:
        return self.attempts[-1] if self.attempts else None


def registration_internal_grades(*, registration: Registration) -> list[UnitGradeRow]:
    """Every internal unit of the registration's qualification with its attempts, in two queries."""
    placements = list(
        registration.qualification.structure.filter(unit__assessment=Assessment.INTERNAL)
        .select_related("unit")
    )
    attempts: dict[int, list[UnitResult]] = {}
    for result in UnitResult.objects.filter(
        registration=registration, unit_id__in=[p.unit_id for p in placements]
    ).order_by("attempt"):
        attempts.setdefault(result.unit_id, []).append(result)
    rows = [UnitGradeRow(p.unit, p.mandatory, attempts.get(p.unit_id, [])) for p in placements]
    return sorted(rows, key=lambda r: (not r.mandatory, unit_number_key(r.unit)))


def internal_unit_of(*, registration: Registration, unit_id: int) -> Unit | None:
    """The internal unit with this id in the registration's qualification, if it is one."""
    placement = (
        registration.qualification.structure.filter(
            unit_id=unit_id, unit__assessment=Assessment.INTERNAL
        ).select_related("unit").first()
    )
    return placement.unit if placement is not None else None


def grid_qualifications(*, registrations: QuerySet[Registration]) -> QuerySet[Qualification]:
    """Qualifications the given registrations are actively on, for choosing a grid."""
    return Qualification.objects.filter(
        pk__in=registrations.filter(status=RegistrationStatus.ACTIVE).values("qualification_id")
    ).order_by("title", "qn")


def grid_units(*, qualification: Qualification) -> list[Unit]:
    units = [
        p.unit for p in qualification.structure.filter(
            unit__assessment=Assessment.INTERNAL
        ).select_related("unit")
    ]
    return sorted(units, key=unit_number_key)


@dataclass(frozen=True)
class GridRow:
    registration: Registration
    current: UnitResult | None


def unit_grid(*, registrations: QuerySet[Registration], unit: Unit) -> list[GridRow]:
    """Every active registration on a qualification containing the unit, with its current grade."""
    chosen = list(
        registrations.filter(status=RegistrationStatus.ACTIVE, qualification__structure__unit=unit)
        .select_related("learner", "qualification__awarding_organisation", "centre", "claim")
        .order_by("learner__last_name", "learner__first_name", "pk")
    )
    current: dict[int, UnitResult] = {}
    for result in UnitResult.objects.filter(
        unit=unit, registration_id__in=[r.pk for r in chosen]
    ).order_by("attempt"):
        current[result.registration_id] = result
    return [GridRow(r, current.get(r.pk)) for r in chosen]


def centre_internal_grades(
    *, registrations: QuerySet[Registration], qualification_qn: str | None = None,
    unit_number: str | None = None,
) -> QuerySet[UnitResult]:
    """Every attempt at an internal unit on the given registrations, for the API."""
    results = UnitResult.objects.filter(
        registration__in=registrations, unit__assessment=Assessment.INTERNAL
    )
    if qualification_qn:
        results = results.filter(registration__qualification__qn=qualification_qn)
    if unit_number:
        results = results.filter(unit__number=unit_number)
    return results.select_related(
        "registration__learner", "registration__qualification", "unit"
    ).order_by("registration__learner__candidate_number", "registration_id", "unit__code",
               "attempt")


# ---- grade boundaries ------------------------------------------------------------------------


def external_unit_of_ao(*, awarding_organisation: AwardingOrganisation, unit_id: int) -> Unit | None:
    """The external unit with this id if it is in one of the AO's qualifications."""
    return (
        Unit.objects.filter(
            pk=unit_id, assessment=Assessment.EXTERNAL,
            placements__qualification__awarding_organisation=awarding_organisation,
        ).select_related("suite").distinct().first()
    )


def boundary_versions(*, unit: Unit, series: Series) -> list[GradeBoundary]:
    """Every version of an assessment's boundaries, newest first."""
    return list(
        GradeBoundary.objects.filter(unit=unit, series=series)
        .select_related("created_by", "approved_by").order_by("-version")
    )


def approved_boundary(*, unit: Unit, series: Series) -> GradeBoundary | None:
    return GradeBoundary.objects.filter(
        unit=unit, series=series, status=BoundaryStatus.APPROVED
    ).first()


def marks_count(*, unit: Unit, series: Series) -> int:
    return UnitResult.objects.filter(unit=unit, series=series, raw_mark__isnull=False).count()


@dataclass(frozen=True)
class BoundaryRow:
    """One external assessment of a series: its entries, marks and boundary versions."""

    unit: Unit
    entries: int
    marks: int
    approved: GradeBoundary | None
    draft: GradeBoundary | None

    @property
    def status_label(self) -> str:
        if self.approved is None:
            return "Draft" if self.draft else "Not entered"
        return "Approved, new draft" if self.draft else "Approved"

    @property
    def tag_colour(self) -> str:
        if self.approved is None:
            return "yellow" if self.draft else "grey"
        return "blue" if self.draft else "green"


def series_boundaries(
    *, awarding_organisation: AwardingOrganisation, series: Series
) -> list[BoundaryRow]:
    """Every external unit of the AO's qualifications with entries in the series, with the
    status of its boundaries, in four queries."""
    entries = dict(
        Entry.objects.filter(
            series=series, status=EntryStatus.ENTERED, unit__assessment=Assessment.EXTERNAL,
            registration__qualification__awarding_organisation=awarding_organisation,
            # Those a mark can be imported for (a withdrawn or topped-up registration's entry
            # cannot have one): the count is what the marks file should cover.
            registration__status__in=MARKABLE_REGISTRATION_STATUSES,
        ).values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
    )
    marks = dict(
        UnitResult.objects.filter(series=series, unit_id__in=entries, raw_mark__isnull=False)
        .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
    )
    approved: dict[int, GradeBoundary] = {}
    drafts: dict[int, GradeBoundary] = {}
    for boundary in GradeBoundary.objects.filter(
        series=series, unit_id__in=entries,
        status__in=[BoundaryStatus.APPROVED, BoundaryStatus.DRAFT],
    ):
        (approved if boundary.status == BoundaryStatus.APPROVED else drafts)[
            boundary.unit_id
        ] = boundary
    units = sorted(
        Unit.objects.filter(pk__in=entries).select_related("suite"),
        key=lambda u: (u.suite.name, unit_number_key(u), u.code),
    )
    return [
        BoundaryRow(u, entries[u.pk], marks.get(u.pk, 0), approved.get(u.pk), drafts.get(u.pk))
        for u in units
    ]


@dataclass(frozen=True)
class BoundaryNote:
    """Why an officer drafted or approved a version, as they wrote it."""

    action: str
    by: str
    at: dt.datetime
    text: str


def boundary_versions_with_notes(
    versions: list[GradeBoundary],
) -> list[tuple[GradeBoundary, list[BoundaryNote]]]:
    """Each version with the notes given with it ("Why are you changing the boundaries?", "Note
    for the record"), oldest first. The services keep them as the reason of the audit
    event they write (assessment.services), so they are read from there: one query."""
    notes: dict[int, list[BoundaryNote]] = {b.pk: [] for b in versions}
    events = (
        AuditEvent.objects.filter(
            object_type=GradeBoundary._meta.label, object_id__in=[str(pk) for pk in notes],
            action__in=[AuditAction.GRADE_BOUNDARY_SAVED, AuditAction.GRADE_BOUNDARY_APPROVED],
        )
        .exclude(reason="")
        .order_by("at", "pk")
        .values_list("object_id", "action", "actor_label", "at", "reason")
    )
    for object_id, action, by, at, text in events:
        word = "Approved" if action == AuditAction.GRADE_BOUNDARY_APPROVED else "Drafted"
        notes[int(object_id)].append(BoundaryNote(action=word, by=by, at=at, text=text))
    return [(boundary, notes[boundary.pk]) for boundary in versions]
