from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from resultsday.catalogue.models import AwardingOrganisation, KeyDate, Suite
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import Centre, StandardsVerification
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Registration


def centre_overview(
    *, centre: Centre, awarding_organisation_ids: Collection[int] | None = None
) -> dict[str, Any]:
    """Counts for a centre's home page: learners, registrations by qualification and status.

    `awarding_organisation_ids`: for AO staff, only those AOs' qualifications (and the learners
    registered on them); None for the centre's own staff, who see everything.
    """
    registrations = Registration.objects.filter(centre=centre)
    learners = centre.learners.all()
    if awarding_organisation_ids is not None:
        registrations = registrations.filter(
            qualification__awarding_organisation_id__in=awarding_organisation_ids
        )
        learners = learners.filter(registrations__in=registrations).distinct()
    by_qualification = list(
        registrations.values("qualification__title", "qualification__qn")
        .annotate(
            active=Count("pk", filter=Q(status=RegistrationStatus.ACTIVE)),
            withdrawn=Count("pk", filter=Q(status=RegistrationStatus.WITHDRAWN)),
        )
        .order_by("qualification__title")
    )
    series_ids = registrations.filter(status=RegistrationStatus.ACTIVE).values("series_id")
    key_dates = list(
        KeyDate.objects.filter(series_id__in=series_ids)
        .select_related("series")
        .order_by("at")
    )
    return {
        "learner_count": learners.count(),
        "active_registrations": registrations.filter(status=RegistrationStatus.ACTIVE).count(),
        "by_qualification": by_qualification,
        "key_dates": key_dates,
    }


# ---- standards verification -----------------------------------------------------------------

_TAG_COLOURS = {
    VerificationStatus.NOT_YET_SAMPLED: "grey",
    VerificationStatus.OUTSTANDING: "yellow",
    VerificationStatus.CENTRE_ACTION: "red",
    VerificationStatus.RELEASED: "green",
}


@dataclass(frozen=True)
class ProgrammeVerification:
    """One centre programme (suite and sector) and its standards verification status.

    A programme with no status row yet has not been fully sampled.
    """

    centre: Centre
    suite: Suite
    sector: str
    status: VerificationStatus
    updated_at: dt.datetime | None = None

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def is_released(self) -> bool:
        return self.status == VerificationStatus.RELEASED

    @property
    def tag_colour(self) -> str:
        return _TAG_COLOURS[self.status]


def _programmes(
    *, registrations: QuerySet[Registration], verifications: QuerySet[StandardsVerification],
    centres: dict[int, Centre],
) -> list[ProgrammeVerification]:
    """Programmes with active registrations, and any with a status already set: four queries."""
    keys = set(
        registrations.filter(status=RegistrationStatus.ACTIVE)
        .values_list("centre_id", "qualification__suite_id", "qualification__sector")
        .distinct()
    )
    rows = {(v.centre_id, v.suite_id, v.sector): v for v in verifications}
    keys |= rows.keys()
    suites = Suite.objects.in_bulk({suite_id for _, suite_id, _ in keys})
    programmes = []
    for centre_id, suite_id, sector in keys:
        if centre_id not in centres:
            continue
        row = rows.get((centre_id, suite_id, sector))
        programmes.append(ProgrammeVerification(
            centre=centres[centre_id], suite=suites[suite_id], sector=sector,
            status=VerificationStatus(row.status) if row else VerificationStatus.NOT_YET_SAMPLED,
            updated_at=row.updated_at if row else None,
        ))
    return sorted(programmes, key=lambda p: (p.centre.number, p.suite.name, p.sector))


def centre_verifications(
    *, centre: Centre, awarding_organisation_ids: Collection[int] | None = None
) -> list[ProgrammeVerification]:
    """Each programme of the centre and its status (only those AOs' suites, when given)."""
    registrations = Registration.objects.filter(centre=centre)
    verifications = StandardsVerification.objects.filter(centre=centre)
    if awarding_organisation_ids is not None:
        registrations = registrations.filter(
            qualification__awarding_organisation_id__in=awarding_organisation_ids
        )
        verifications = verifications.filter(
            suite__awarding_organisation_id__in=awarding_organisation_ids
        )
    return _programmes(
        registrations=registrations, verifications=verifications, centres={centre.pk: centre}
    )


def awarding_organisation_verifications(
    *, awarding_organisation: AwardingOrganisation, centres: QuerySet[Centre],
    status: str = "", centre_number: str = "",
) -> list[ProgrammeVerification]:
    """The AO's programmes at each of the given centres, optionally one status or centre."""
    if centre_number:
        centres = centres.filter(number=centre_number)
    by_id = {c.pk: c for c in centres}
    programmes = _programmes(
        registrations=Registration.objects.filter(
            centre_id__in=by_id, qualification__awarding_organisation=awarding_organisation
        ),
        verifications=StandardsVerification.objects.filter(
            centre_id__in=by_id, suite__awarding_organisation=awarding_organisation
        ),
        centres=by_id,
    )
    return [p for p in programmes if not status or p.status == status]


def registration_verifications(
    *, registrations: Iterable[Registration]
) -> dict[int, ProgrammeVerification]:
    """The status of each registration's programme, by registration id.

    Three queries however many registrations (they need their qualification loaded).
    """
    registrations = list(registrations)
    centres = Centre.objects.in_bulk({r.centre_id for r in registrations})
    suites = Suite.objects.in_bulk({r.qualification.suite_id for r in registrations})
    rows = {
        (v.centre_id, v.suite_id, v.sector): v
        for v in StandardsVerification.objects.filter(
            centre_id__in=centres, suite_id__in=suites
        )
    }
    statuses = {}
    for r in registrations:
        qualification = r.qualification
        row = rows.get((r.centre_id, qualification.suite_id, qualification.sector))
        statuses[r.pk] = ProgrammeVerification(
            centre=centres[r.centre_id], suite=suites[qualification.suite_id],
            sector=qualification.sector,
            status=VerificationStatus(row.status) if row else VerificationStatus.NOT_YET_SAMPLED,
            updated_at=row.updated_at if row else None,
        )
    return statuses
