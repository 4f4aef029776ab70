from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StrictBool, StrictStr

from resultsday.accounts.access import get_centre_for_user, registrations_for_user
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.assessment.models import UnitResult
from resultsday.assessment.selectors import centre_internal_grades
from resultsday.assessment.services import GradeRow, unit_grades_record_rows

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
