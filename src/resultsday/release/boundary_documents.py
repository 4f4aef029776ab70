"""Reads for grade boundary documents: a series' approved boundaries, as a centre's staff may
see them now.

Each assessment's boundaries are released with the results of the qualifications that use it
(`policy.grade_boundary_visibility`): a series with Level 3 and Level 1/2 results days can show
some assessments before others. An assessment used by qualifications of both waits for the
later release.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from resultsday.accounts.access import principal_for
from resultsday.accounts.permissions import Permission
from resultsday.assessment.choices import BoundaryStatus
from resultsday.assessment.models import GradeBoundary
from resultsday.assessment.selectors import unit_number_key
from resultsday.catalogue.models import QualificationUnit, Series
from resultsday.centres.models import Centre
from resultsday.formats.safe_output import CellValue, write_csv
from resultsday.release.policy import (
    EMBARGO_READERS,
    HIDDEN,
    ViewerKind,
    Visibility,
    best_visibility,
    grade_boundary_visibility,
)
from resultsday.release.selectors import release_times_by_series, viewer_for


def boundary_series_for_user(*, user: Any, centre: Centre) -> QuerySet[Series]:
    """Series of the AOs that approve the centre; AO staff who are not the centre's own staff
    see only their AO's series."""
    series = Series.objects.filter(awarding_organisation__in=centre.awarding_organisations.all())
    principal = principal_for(user)
    if centre.pk not in principal.centre_ids(Permission.CENTRE_VIEW):
        series = series.filter(
            awarding_organisation_id__in=principal.ao_ids(Permission.AO_CENTRES_READ)
        )
    return series.select_related("awarding_organisation").order_by("-code", "name")


@dataclass(frozen=True)
class BoundaryLine:
    """One assessment's approved boundaries, with whether this viewer may see them now."""

    boundary: GradeBoundary
    visibility: Visibility
    available_from: dt.datetime | None

    @property
    def unit(self) -> Any:
        return self.boundary.unit


@dataclass(frozen=True)
class BoundaryDocument:
    series: Series
    lines: list[BoundaryLine]

    @property
    def shown(self) -> list[BoundaryLine]:
        return [line for line in self.lines if line.visibility.visible]

    @property
    def waiting(self) -> list[BoundaryLine]:
        return [line for line in self.lines if not line.visibility.visible]

    @property
    def next_release(self) -> dt.datetime | None:
        return min((w.available_from for w in self.waiting if w.available_from), default=None)


def _kinds(user: Any, centre: Centre, series: Series) -> set[ViewerKind]:
    viewer = viewer_for(user)
    kinds = set(viewer.at_centre.get(centre.pk, ()))
    if series.awarding_organisation_id in viewer.ao_ids:
        kinds.add(ViewerKind.AO_STAFF)
    return kinds


def _available_from(decision: Visibility) -> dt.datetime | None:
    if decision.visible:
        return None
    if decision.viewer in EMBARGO_READERS:
        return decision.times.to_centres or decision.times.to_learners
    if decision.viewer == ViewerKind.TEACHER:
        return decision.times.to_learners
    return None


def boundary_documents(
    *, user: Any, centre: Centre, series: Sequence[Series], now: dt.datetime
) -> list[BoundaryDocument]:
    """The approved boundaries of each series, each line decided by the policy for this viewer
    at this centre. Four queries whatever the number of series and assessments."""
    boundaries = list(
        GradeBoundary.objects.filter(
            series__in=series, status=BoundaryStatus.APPROVED
        ).select_related("unit__suite")
    )
    day_types: dict[int, set[str]] = defaultdict(set)
    for unit_id, day_type in QualificationUnit.objects.filter(
        unit_id__in={b.unit_id for b in boundaries}
    ).values_list("unit_id", "qualification__results_day_type"):
        day_types[unit_id].add(day_type)
    times = release_times_by_series(s.pk for s in series)
    documents = []
    for one in series:
        kinds = _kinds(user, centre, one)
        lines = []
        for boundary in boundaries:
            if boundary.series_id != one.pk:
                continue
            decisions = [
                best_visibility(
                    grade_boundary_visibility(viewer=kind, times=times[(one.pk, day)], now=now)
                    for kind in sorted(kinds)
                ) if kinds else HIDDEN
                for day in sorted(day_types.get(boundary.unit_id) or {""})
            ]
            # Every results day the assessment serves must have come for this viewer.
            hidden = [d for d in decisions if not d.visible]
            decision = hidden[0] if hidden else decisions[0]
            available = max(
                (a for a in (_available_from(d) for d in hidden) if a), default=None
            )
            lines.append(BoundaryLine(boundary, decision, available))
        lines.sort(key=lambda line: (line.unit.suite.name, unit_number_key(line.unit),
                                     line.unit.code))
        documents.append(BoundaryDocument(one, lines))
    return documents


BOUNDARY_COLUMNS = [
    "Series", "Suite", "Unit", "Assessment", "Maximum mark", "Near Pass (N)", "Pass (P)",
    "Merit (M)", "Distinction (D)", "Version", "Approved",
]


def boundary_row(series: Series, line: BoundaryLine) -> list[CellValue]:
    b = line.boundary
    return [
        series.name, b.unit.suite.name, b.unit.number, b.unit.title, b.max_mark, b.n_boundary,
        b.p_boundary, b.m_boundary, b.d_boundary, b.version,
        timezone.localtime(b.approved_at).date() if b.approved_at else None,
    ]


def boundary_csv(document: BoundaryDocument) -> bytes:
    """The boundaries this viewer may see, through safe_output (formula injection)."""
    return write_csv(BOUNDARY_COLUMNS, [boundary_row(document.series, line)
                                        for line in document.shown])
