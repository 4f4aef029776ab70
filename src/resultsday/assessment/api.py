from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StrictBool, StrictInt, StrictStr

from resultsday.accounts.access import (
    get_awarding_organisation_for_user,
    get_centre_for_user,
    registrations_for_user,
)
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.assessment.choices import BoundaryStatus
from resultsday.assessment.models import GradeBoundary, UnitResult
from resultsday.assessment.selectors import (
    boundary_versions,
    centre_internal_grades,
    external_unit_of_ao,
    series_boundaries,
)
from resultsday.assessment.services import (
    GradeBoundaryError,
    GradeProblem,
    GradeRow,
    MarkRow,
    grade_boundary_approve,
    grade_boundary_save,
    marks_record_rows,
    unit_grades_record_rows,
)
from resultsday.catalogue.models import AwardingOrganisation, Series, Unit

router = Router(tags=["assessment"])

READ = Permission.CENTRE_LEARNERS_READ
WRITE = Permission.CENTRE_UNIT_GRADES_WRITE


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class UnitGradeOut(Schema):
    registration_id: int
    candidate_number: str
    uln: str
    qualification_qn: str
    unit_number: str
    unit_title: str
    attempt: int
    grade: str
    retake: bool
    reported_at: dt.datetime

    @staticmethod
    def of(result: UnitResult) -> UnitGradeOut:
        learner = result.registration.learner
        return UnitGradeOut(
            registration_id=result.registration_id,
            candidate_number=learner.candidate_number,
            uln=learner.uln,
            qualification_qn=result.registration.qualification.qn,
            unit_number=result.unit.number,
            unit_title=result.unit.title,
            attempt=result.attempt,
            grade=result.grade,
            retake=result.is_retake,
            reported_at=result.reported_at,
        )


class UnitGradeIn(StrictSchema):
    candidate_number: StrictStr
    qualification_qn: StrictStr
    unit_number: StrictStr
    grade: StrictStr
    retake: StrictBool = False
    uln: StrictStr = ""


class UnitGradesIn(StrictSchema):
    grades: list[UnitGradeIn] = Field(min_length=1, max_length=10_000)
    reason: StrictStr = ""


class UnitGradesOut(Schema):
    recorded: int
    changed: int
    unchanged: int
    changed_after_claim: int


@router.get(
    "/centres/{number}/unit-grades",
    response=list[UnitGradeOut],
    summary="Every attempt at an internal unit reported at the centre",
)
def centre_unit_grades(
    request: HttpRequest, number: str, qualification_qn: str | None = None,
    unit_number: str | None = None,
) -> list[UnitGradeOut]:
    api_require(request, READ)
    centre = get_centre_for_user(request, number, READ)
    results = centre_internal_grades(
        registrations=registrations_for_user(request.user, READ).filter(centre=centre),
        qualification_qn=qualification_qn, unit_number=unit_number,
    )
    return [UnitGradeOut.of(r) for r in results]


@router.post(
    "/centres/{number}/unit-grades",
    response=UnitGradesOut,
    summary="Report internal unit grades: all are checked first, then all or none are saved. "
    "A grade the unit already has is unchanged; a retake (at most P) adds an attempt.",
)
def centre_unit_grades_record(
    request: HttpRequest, number: str, payload: UnitGradesIn
) -> UnitGradesOut:
    api_require(request, WRITE)
    centre = get_centre_for_user(request, number, WRITE)
    rows = [
        GradeRow(
            candidate_number=g.candidate_number, qualification_qn=g.qualification_qn,
            unit_number=g.unit_number, grade=g.grade, retake=g.retake, uln=g.uln,
        )
        for g in payload.grades
    ]
    labels = [f"grades[{i}]" for i in range(len(rows))]
    outcome, problems = unit_grades_record_rows(
        actor=request.user,  # type: ignore[arg-type]
        centre=centre, rows=rows, labels=labels, reason=payload.reason,
    )
    if problems:
        raise HttpError(422, "; ".join(
            f"{labels[i]}.{p.field}: {p.message}" if i is not None and p.field
            else f"{labels[i]}: {p.message}" if i is not None else p.message
            for i, p in problems
        ))
    return UnitGradesOut(
        recorded=outcome.recorded, changed=outcome.changed, unchanged=outcome.unchanged,
        changed_after_claim=outcome.changed_after_claim,
    )


# ---- grade boundaries and marks of external assessments (AO officers) ------------------------

BOUNDARIES = Permission.AO_BOUNDARIES_WRITE


class BoundaryOut(Schema):
    version: int
    status: str
    max: int
    N: int
    P: int
    M: int
    D: int
    approved_at: dt.datetime | None
    approved_by: str | None

    @staticmethod
    def of(boundary: GradeBoundary | None) -> BoundaryOut | None:
        if boundary is None:
            return None
        return BoundaryOut(
            version=boundary.version, status=boundary.status, **boundary.as_dict(),
            approved_at=boundary.approved_at,
            approved_by=boundary.approved_by.get_username() if boundary.approved_by else None,
        )


class AssessmentBoundariesOut(Schema):
    unit_id: int
    unit_number: str
    unit_title: str
    series: str
    approved: BoundaryOut | None
    draft: BoundaryOut | None


class SeriesAssessmentOut(AssessmentBoundariesOut):
    entries: int
    marks: int


class BoundariesIn(StrictSchema):
    max: StrictInt = Field(ge=1)
    N: StrictInt = Field(ge=0)
    P: StrictInt = Field(ge=0)
    M: StrictInt = Field(ge=0)
    D: StrictInt = Field(ge=0)
    reason: StrictStr = ""


class ApproveIn(StrictSchema):
    version: StrictInt = Field(description="The draft version you checked: approval is refused "
                               "if the draft has changed since")
    reason: StrictStr = ""


class ApproveOut(Schema):
    boundaries: BoundaryOut
    replaced_version: int | None
    marks: int
    changed: int


class MarkIn(StrictSchema):
    centre_number: StrictStr
    candidate_number: StrictStr
    qualification_qn: StrictStr
    raw_mark: StrictInt
    uln: StrictStr = ""


class MarksIn(StrictSchema):
    marks: list[MarkIn] = Field(min_length=1, max_length=100_000)
    reason: StrictStr = ""


class MarksOut(Schema):
    recorded: int
    changed: int
    unchanged: int


def _assessment(
    request: HttpRequest, code: str, series: str, unit_id: int
) -> tuple[AwardingOrganisation, Series, Unit]:
    api_require(request, BOUNDARIES)
    ao = get_awarding_organisation_for_user(request, code, BOUNDARIES)
    series_obj = get_object_or_404(Series, awarding_organisation=ao, code=series)
    unit = external_unit_of_ao(awarding_organisation=ao, unit_id=unit_id)
    if unit is None:
        raise HttpError(404, "Not found.")
    return ao, series_obj, unit


def _problems_text(problems: list[GradeProblem], prefix: str = "") -> str:
    return "; ".join(
        f"{prefix}{p.field}: {p.message}" if p.field else p.message for p in problems
    )


def _boundaries_out(unit: Unit, series: Series) -> AssessmentBoundariesOut:
    versions = boundary_versions(unit=unit, series=series)
    return AssessmentBoundariesOut(
        unit_id=unit.pk, unit_number=unit.number, unit_title=unit.title, series=series.code,
        approved=BoundaryOut.of(
            next((b for b in versions if b.status == BoundaryStatus.APPROVED), None)
        ),
        draft=BoundaryOut.of(next((b for b in versions if b.is_draft), None)),
    )


_API_FIELD = {"max_mark": "max", "n_boundary": "N", "p_boundary": "P", "m_boundary": "M",
              "d_boundary": "D"}


@router.get(
    "/ao/{code}/series/{series}/boundaries",
    response=list[SeriesAssessmentOut],
    summary="Every external assessment of the series with entries, and its boundaries",
)
def series_boundaries_list(request: HttpRequest, code: str, series: str) -> list[SeriesAssessmentOut]:
    api_require(request, BOUNDARIES)
    ao = get_awarding_organisation_for_user(request, code, BOUNDARIES)
    series_obj = get_object_or_404(Series, awarding_organisation=ao, code=series)
    return [
        SeriesAssessmentOut(
            unit_id=row.unit.pk, unit_number=row.unit.number, unit_title=row.unit.title,
            series=series_obj.code, approved=BoundaryOut.of(row.approved),
            draft=BoundaryOut.of(row.draft), entries=row.entries, marks=row.marks,
        )
        for row in series_boundaries(awarding_organisation=ao, series=series_obj)
    ]


@router.get(
    "/ao/{code}/series/{series}/units/{unit_id}/boundaries",
    response=AssessmentBoundariesOut,
    summary="The approved and draft grade boundaries of an external unit in a series",
)
def boundaries_get(
    request: HttpRequest, code: str, series: str, unit_id: int
) -> AssessmentBoundariesOut:
    _, series_obj, unit = _assessment(request, code, series, unit_id)
    return _boundaries_out(unit, series_obj)


@router.put(
    "/ao/{code}/series/{series}/units/{unit_id}/boundaries",
    response=AssessmentBoundariesOut,
    summary="Enter or change the draft boundaries (maximum mark and lowest mark of N, P, M "
    "and D). Approved boundaries are never changed: the draft replaces them when approved.",
)
def boundaries_put(
    request: HttpRequest, code: str, series: str, unit_id: int, payload: BoundariesIn
) -> AssessmentBoundariesOut:
    _, series_obj, unit = _assessment(request, code, series, unit_id)
    try:
        grade_boundary_save(
            actor=request.user,  # type: ignore[arg-type]
            unit=unit, series=series_obj, max_mark=payload.max, n_boundary=payload.N,
            p_boundary=payload.P, m_boundary=payload.M, d_boundary=payload.D,
            reason=payload.reason,
        )
    except GradeBoundaryError as exc:
        raise HttpError(422, "; ".join(
            f"{_API_FIELD.get(p.field, p.field)}: {p.message}" if p.field else p.message
            for p in exc.problems
        )) from exc
    return _boundaries_out(unit, series_obj)


@router.post(
    "/ao/{code}/series/{series}/units/{unit_id}/boundaries/approve",
    response=ApproveOut,
    summary="Approve the draft boundaries: they replace the approved version and every mark "
    "already imported for the unit and series is converted again.",
)
def boundaries_approve(
    request: HttpRequest, code: str, series: str, unit_id: int, payload: ApproveIn
) -> ApproveOut:
    _, series_obj, unit = _assessment(request, code, series, unit_id)
    draft = GradeBoundary.objects.filter(
        unit=unit, series=series_obj, status=BoundaryStatus.DRAFT
    ).first()
    if draft is None or draft.version != payload.version:
        raise HttpError(409, f"There is no draft version {payload.version} to approve: get the "
                        "boundaries again")
    try:
        outcome = grade_boundary_approve(
            actor=request.user,  # type: ignore[arg-type]
            boundary=draft, reason=payload.reason,
        )
    except GradeBoundaryError as exc:
        raise HttpError(422, _problems_text(exc.problems)) from exc
    return ApproveOut(
        boundaries=BoundaryOut.of(outcome.boundary),  # type: ignore[arg-type]
        replaced_version=outcome.replaced.version if outcome.replaced else None,
        marks=outcome.marks, changed=outcome.changed,
    )


@router.post(
    "/ao/{code}/series/{series}/units/{unit_id}/marks",
    response=MarksOut,
    summary="Import raw marks of an external unit in a series, converted with its approved "
    "boundaries: all are checked first, then all or none are saved. The same marks again "
    "change nothing; a different mark corrects the learner's result for the series.",
)
def marks_post(
    request: HttpRequest, code: str, series: str, unit_id: int, payload: MarksIn
) -> MarksOut:
    _, series_obj, unit = _assessment(request, code, series, unit_id)
    rows = [
        MarkRow(
            centre_number=m.centre_number, candidate_number=m.candidate_number,
            qualification_qn=m.qualification_qn, raw_mark=str(m.raw_mark), uln=m.uln,
        )
        for m in payload.marks
    ]
    labels = [f"marks[{i}]" for i in range(len(rows))]
    outcome = marks_record_rows(
        actor=request.user,  # type: ignore[arg-type]
        unit=unit, series=series_obj, rows=rows, labels=labels, reason=payload.reason,
    )
    if outcome.problems:
        raise HttpError(422, "; ".join(
            f"{labels[i]}.{p.field}: {p.message}" if i is not None and p.field
            else f"{labels[i]}: {p.message}" if i is not None else p.message
            for i, p in outcome.problems
        ))
    return MarksOut(recorded=outcome.recorded, changed=outcome.changed, unchanged=outcome.unchanged)
