"""Tracking API: every learner's live status, for MIS software and the centre's own tools."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from resultsday.accounts.access import (
    get_centre_for_user,
    get_registration_for_user,
    registrations_for_user,
)
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.release.services import results_open
from resultsday.tracking.selectors import (
    TrackingRow,
    centre_tracking,
    rows_as_seen,
)
from resultsday.tracking.services import registration_tracking_open

router = Router(tags=["tracking"])

READ = Permission.CENTRE_LEARNERS_READ


class IssueOut(Schema):
    code: str
    label: str
    meaning: str
    action: str
    deadline: dt.datetime | None
    ofqual_reason: str | None


class TrackingOut(Schema):
    registration_id: int
    learner_id: int
    candidate_number: str
    uln: str
    qualification_qn: str
    series_code: str
    ucas_applicant: bool
    expecting_result: str
    status: IssueOut
    overdue: bool
    details: list[str]

    @staticmethod
    def of(row: TrackingRow) -> TrackingOut:
        r, s = row.registration, row.status
        return TrackingOut(
            registration_id=r.pk, learner_id=r.learner_id,
            candidate_number=r.learner.candidate_number, uln=r.learner.uln,
            qualification_qn=r.qualification.qn, series_code=r.series.code,
            ucas_applicant=r.ucas_applicant, expecting_result=row.expecting_result,
            status=IssueOut(code=s.code.value, label=s.label, meaning=s.meaning, action=s.action,
                            deadline=s.deadline,
                            ofqual_reason=s.ofqual_reason.value if s.ofqual_reason else None),
            overdue=row.overdue, details=list(s.details),
        )


@router.get(
    "/centres/{number}/tracking",
    response=list[TrackingOut],
    summary="Every registration at the centre with its live tracking status",
    description=(
        "AO staff get only the registrations on their AO's qualifications. The release policy "
        "applies as on the centre's results: before the caller may see an embargoed result, "
        "its status gives no grade and says when it is released, and nothing worked out from "
        "an external unit's grade is given; each embargoed result the caller sees early is "
        "recorded as an early view."
    ),
)
def centre_tracking_list(request: HttpRequest, number: str) -> list[TrackingOut]:
    api_require(request, READ)
    centre = get_centre_for_user(request, number, READ)
    rows = centre_tracking(centre=centre, registrations=registrations_for_user(request.user, READ))
    decisions = results_open(user=request.user, registrations=[row.registration for row in rows],
                             page=request.path)
    return [TrackingOut.of(row) for row in rows_as_seen(rows, decisions)]


@router.get(
    "/registrations/{registration_id}/tracking",
    response=list[IssueOut],
    summary="Everything outstanding for one registration, most urgent first",
)
def registration_tracking(request: HttpRequest, registration_id: int) -> list[IssueOut]:
    api_require(request, READ)
    row = registration_tracking_open(
        user=request.user,  # type: ignore[arg-type]
        registration=get_registration_for_user(request, registration_id, READ), page=request.path,
    )
    issues = row.issues() or [row.status]
    return [IssueOut(code=s.code.value, label=s.label, meaning=s.meaning, action=s.action,
                     deadline=s.deadline,
                     ofqual_reason=s.ofqual_reason.value if s.ofqual_reason else None)
            for s in issues]
