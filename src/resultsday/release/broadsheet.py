"""Reads for a centre's results broadsheet: one row per registration in a series, with the
visibility policy applied to every row before anything is filtered, sorted or exported.

A result the viewer may not see yet shows as "Not released yet" with no grade, points, reason
or change flag, and the status and grade filters and the sorting look only at what is shown,
so no filter can tell a hidden grade apart. The same rows feed the page, the CSV and XLSX
exports, the results (R) file and the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.models import QualificationResultVersion
from resultsday.catalogue.choices import KeyDateKind
from resultsday.catalogue.models import KeyDate, Series
from resultsday.centres.models import Centre
from resultsday.formats.edi import EdiWriteError
from resultsday.formats.rfile import QualificationResultLine, ResultState, grade_field
from resultsday.formats.safe_output import CellValue, Sheet, write_csv, write_xlsx
from resultsday.learners.models import Learner, Registration
from resultsday.learners.selectors import learner_search
from resultsday.release.policy import Visibility, result_reaches_viewer_at
from resultsday.release.selectors import RESULT_REGISTRATION_STATUSES, result_visibilities

NO_RESULT = "no_result"
NOT_RELEASED = "not_released"

STATUS_LABELS: dict[str, str] = {
    ResultStatus.ISSUED: "Issued",
    ResultStatus.PENDING: "Pending",
    ResultStatus.WITHHELD: "Withheld",
    ResultStatus.UNCLASSIFIED: "Unclassified",
    ResultStatus.FALLBACK: "Fallback",
    ResultStatus.DECLINED: "Declined",
    NO_RESULT: "No result yet",
    NOT_RELEASED: "Not released yet",
}
STATUS_CHOICES = list(STATUS_LABELS.items())

_TAG_COLOURS = {
    ResultStatus.ISSUED: "green",
    ResultStatus.PENDING: "yellow",
    ResultStatus.WITHHELD: "red",
    ResultStatus.UNCLASSIFIED: "orange",
    ResultStatus.FALLBACK: "blue",
    ResultStatus.DECLINED: "purple",
    NO_RESULT: "grey",
    NOT_RELEASED: "grey",
}

SORTS = [
    ("name", "Learner name"),
    ("candidate", "Candidate number"),
    ("qualification", "Qualification"),
    ("grade", "Points, highest first"),
    ("status", "Status"),
]

@dataclass(frozen=True)
class BroadsheetRow:
    """One registration's result as this viewer may see it now."""

    registration: Registration
    visibility: Visibility
    status: str
    grade: str
    points: int | None
    reason: str
    changed: bool
    previous_grade: str
    available_from: dt.datetime | None

    @property
    def learner(self) -> Learner:
        return self.registration.learner

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def tag_colour(self) -> str:
        return _TAG_COLOURS[self.status]

    @property
    def ucas_applicant(self) -> bool:
        return self.registration.ucas_applicant

    @property
    def early(self) -> bool:
        """An embargoed result seen before the learners' release (recorded when shown)."""
        return self.visibility.early and self.status != NO_RESULT


def broadsheet_series(*, registrations: QuerySet[Registration]) -> list[Series]:
    """The series the (scoped) registrations are in, newest first."""
    return list(
        Series.objects.filter(pk__in=registrations.values("series_id"))
        .select_related("awarding_organisation").order_by("-code", "name")
    )


def broadsheet_default_series(series: Sequence[Series], now: dt.datetime) -> Series | None:
    """The newest series whose results have reached centres (any level), else the newest."""
    released = set(
        KeyDate.objects.filter(
            series__in=series, kind=KeyDateKind.RESULTS_TO_CENTRES, at__lte=now
        ).values_list("series_id", flat=True)
    )
    return next((s for s in series if s.pk in released), series[0] if series else None)


def broadsheet_queryset(
    *, registrations: QuerySet[Registration], centre: Centre, series: Series | None,
    qualification_qn: str = "", query: str = "",
) -> QuerySet[Registration]:
    """The centre's registrations in the series (None: every series) that can carry a result,
    with what the rows need.

    `registrations` is already scoped to the user; `query` searches names, candidate numbers,
    ULNs and UCIs as the learner list does.
    """
    chosen = registrations.filter(centre=centre, status__in=RESULT_REGISTRATION_STATUSES)
    if series is not None:
        chosen = chosen.filter(series=series)
    if qualification_qn:
        chosen = chosen.filter(qualification__qn=qualification_qn)
    if query.strip():
        chosen = chosen.filter(
            learner__in=learner_search(learners=Learner.objects.filter(centre=centre),
                                       query=query)
        )
    previous = QualificationResultVersion.objects.filter(
        result_id=OuterRef("result__pk"), version=OuterRef("result__version")
    ).values("previous_grade")[:1]
    return (
        chosen.select_related("learner", "qualification", "series", "centre", "result")
        .annotate(previous_grade=Subquery(previous))
        .order_by("learner__last_name", "learner__first_name", "pk")
    )


def _row(registration: Registration, decision: Visibility) -> BroadsheetRow:
    result = getattr(registration, "result", None)
    if not decision.visible:
        return BroadsheetRow(registration, decision, NOT_RELEASED, "", None, "", False, "",
                             result_reaches_viewer_at(decision))
    if result is None:
        return BroadsheetRow(registration, decision, NO_RESULT, "", None, "", False, "", None)
    return BroadsheetRow(
        registration, decision, result.status, result.grade, result.points, result.reason,
        result.version > 1, getattr(registration, "previous_grade", None) or "", None,
    )


def broadsheet_rows(
    *, user: Any, registrations: Sequence[Registration], now: dt.datetime | None = None
) -> list[BroadsheetRow]:
    """The policy's decision for each registration, applied. Records nothing: the caller records
    the early views of the rows it actually shows or exports."""
    decisions = result_visibilities(
        user=user, registrations=registrations, now=now or timezone.now()
    )
    return [_row(r, decisions[r.pk]) for r in registrations]


def broadsheet_grades(rows: Sequence[BroadsheetRow]) -> list[str]:
    """The grades shown in the rows, best first by points, for the grade filter."""
    best: dict[str, int] = {}
    for row in rows:
        if row.grade:
            best[row.grade] = max(best.get(row.grade, -1), row.points or 0)
    return sorted(best, key=lambda g: (-best[g], g))


def broadsheet_filter(
    rows: Sequence[BroadsheetRow], *, status: str = "", grade: str = ""
) -> list[BroadsheetRow]:
    return [
        r for r in rows
        if (not status or r.status == status) and (not grade or r.grade == grade)
    ]


def _name(row: BroadsheetRow) -> tuple[str, str, int]:
    learner = row.learner
    return (learner.last_name.casefold(), learner.first_name.casefold(), row.registration.pk)


_STATUS_ORDER = {status: index for index, status in enumerate(STATUS_LABELS)}


def broadsheet_sort(rows: Sequence[BroadsheetRow], sort: str) -> list[BroadsheetRow]:
    keys: dict[str, Any] = {
        "candidate": lambda r: (r.learner.candidate_number, _name(r)),
        "qualification": lambda r: (r.registration.qualification.title, _name(r)),
        "grade": lambda r: (r.points is None, -(r.points or 0), r.grade, _name(r)),
        "status": lambda r: (_STATUS_ORDER[r.status], _name(r)),
    }
    return sorted(rows, key=keys.get(sort, _name))


# ---- exports -----------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "Centre number", "Series", "Candidate number", "Surname", "Forenames", "ULN", "UCI", "QN",
    "Qualification", "Status", "Grade", "Points", "Reason", "UCAS applicant",
    "Changed since the last version", "Previous grade",
]
# Identifiers stay text in Excel, so leading zeros survive.
_TEXT_COLUMNS = frozenset({0, 2, 5, 6, 7})


def export_row(row: BroadsheetRow) -> list[CellValue]:
    r, learner = row.registration, row.learner
    return [
        r.centre.number, r.series.name, learner.candidate_number, learner.last_name,
        learner.first_name, learner.uln, learner.uci, r.qualification.qn, r.qualification.title,
        row.status_label, row.grade, row.points, row.reason,
        "Yes" if row.ucas_applicant else "No", "Yes" if row.changed else "No",
        row.previous_grade if row.changed else "",
    ]


def broadsheet_csv(rows: Sequence[BroadsheetRow]) -> bytes:
    """CSV through safe_output: text that a spreadsheet could run as a formula is neutralised."""
    return write_csv(EXPORT_COLUMNS, [export_row(r) for r in rows])


def broadsheet_xlsx(rows: Sequence[BroadsheetRow]) -> bytes:
    return write_xlsx([Sheet("Results", EXPORT_COLUMNS, [export_row(r) for r in rows],
                             text_columns=_TEXT_COLUMNS)])


def results_file_lines(rows: Sequence[BroadsheetRow]) -> list[QualificationResultLine]:
    """The rows as the R file writer takes them. A hidden result, or none yet, is "not yet sent".

    No Pearson code group applies: our suites are RQF BTEC Nationals (2016) and Tech Awards
    (2022), whose 2-character codes are UNKNOWN (exchange-formats.md §4.2), so their
    multi-letter grades are refused by the writer rather than given made-up codes.
    """
    lines = []
    for row in rows:
        r, learner = row.registration, row.learner
        shown = row.status not in (NOT_RELEASED, NO_RESULT)
        lines.append(QualificationResultLine(
            centre_number=r.centre.number, candidate_number=learner.candidate_number,
            qualification_number=r.qualification.qn,
            state=ResultState(row.status) if shown else ResultState.NOT_RELEASED,
            grade=row.grade, uci=learner.uci, uln=learner.uln, code_group=None,
        ))
    return lines


@dataclass(frozen=True)
class UncodedGrades:
    """A qualification some of whose results have a grade of several letters (D*D*, DDM...)
    for which no 2-character code of the JCQ results file is published: the R file cannot
    carry them, and none is made up."""

    qn: str
    title: str
    grades: tuple[str, ...]  # the grades without a code, highest first as the rows sort them
    learners: int


def results_file_uncoded(
    rows: Sequence[BroadsheetRow], lines: Sequence[QualificationResultLine]
) -> list[UncodedGrades]:
    """The qualifications among the rows (with their `results_file_lines`) whose shown grades
    the results (R) file cannot carry, by title: what the page warns about, and why the file
    is refused (the writer itself would refuse them too, with the format's reasons)."""
    found: dict[str, tuple[str, list[BroadsheetRow]]] = {}
    for row, line in zip(rows, lines, strict=True):
        if line.state != ResultState.ISSUED or not line.grade:
            continue
        try:
            grade_field(line)
        except EdiWriteError:
            qualification = row.registration.qualification
            found.setdefault(qualification.qn, (qualification.title, []))[1].append(row)
    return sorted(
        (UncodedGrades(qn=qn, title=title, grades=tuple(broadsheet_grades(uncoded)),
                       learners=len({row.registration.pk for row in uncoded}))
         for qn, (title, uncoded) in found.items()),
        key=lambda u: (u.title, u.qn),
    )
