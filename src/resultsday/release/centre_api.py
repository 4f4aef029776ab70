"""Results API for a centre's MIS: the broadsheet's rows as JSON, the release policy applied."""

from __future__ import annotations

import datetime as dt
import math

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from resultsday.accounts.access import get_centre_for_user, registrations_for_user
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.release.broadsheet import (
    NO_RESULT,
    NOT_RELEASED,
    BroadsheetRow,
    broadsheet_queryset,
    broadsheet_rows,
)
from resultsday.release.services import embargoed_views_record

router = Router(tags=["results"])

READ = Permission.CENTRE_LEARNERS_READ
MAX_PAGE_SIZE = 500


class ResultsQuery(Schema):
    series: str | None = Field(
        None, description="A series code, e.g. 2026-06; all the centre's series when left out."
    )
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=MAX_PAGE_SIZE)


class CentreResultOut(Schema):
    registration_id: int
    learner_id: int
    candidate_number: str
    uln: str
    uci: str
    first_name: str
    last_name: str
    qualification_qn: str
    qualification_title: str
    series_code: str
    status: str = Field(
        description="issued, pending, withheld, unclassified, fallback or declined; "
        "no_result when no result has been worked out; not_released when the caller may not "
        "see the result yet."
    )
    grade: str | None
    points: int | None
    reason: str
    ucas_applicant: bool
    changed_since_last_version: bool
    previous_grade: str | None
    embargoed_view: bool = Field(
        description="True when the caller sees the result before the learners' release: the "
        "view is recorded."
    )
    available_from: dt.datetime | None = Field(
        description="For a result not released to the caller: when it will be, if set."
    )

    @staticmethod
    def of(row: BroadsheetRow) -> CentreResultOut:
        r, learner = row.registration, row.learner
        hidden = row.status in (NOT_RELEASED, NO_RESULT)
        return CentreResultOut(
            registration_id=r.pk, learner_id=learner.pk,
            candidate_number=learner.candidate_number, uln=learner.uln, uci=learner.uci,
            first_name=learner.first_name, last_name=learner.last_name,
            qualification_qn=r.qualification.qn, qualification_title=r.qualification.title,
            series_code=r.series.code, status=row.status,
            grade=None if hidden else row.grade, points=row.points, reason=row.reason,
            ucas_applicant=row.ucas_applicant, changed_since_last_version=row.changed,
            previous_grade=row.previous_grade if row.changed else None,
            embargoed_view=row.early, available_from=row.available_from,
        )


class CentreResultsPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[CentreResultOut]


@router.get(
    "/centres/{number}/results",
    response=CentreResultsPage,
    summary="The centre's qualification results, a page at a time",
    description=(
        "One entry per registration that can carry a result (active or certificated), ordered "
        "by series, learner name and registration. The release policy applies as on the "
        "centre's results page: a result the caller may not see yet has the status "
        "`not_released`, no grade and an `available_from` time. Exams officers, heads of centre "
        "and senior teachers see embargoed results from the results-to-centres time, teachers "
        "from the results-to-learners time; each embargoed result returned is recorded as an "
        "early view. Another centre's number answers 404."
    ),
)
def centre_results(
    request: HttpRequest, number: str, params: Query[ResultsQuery]
) -> CentreResultsPage:
    api_require(request, READ)
    centre = get_centre_for_user(request, number, READ)
    scoped = registrations_for_user(request.user, READ).filter(centre=centre)
    registrations = broadsheet_queryset(registrations=scoped, centre=centre, series=None)
    if params.series is not None:
        registrations = registrations.filter(series__code=params.series)
    registrations = registrations.order_by(
        "series__code", "learner__last_name", "learner__first_name", "pk"
    )
    count = registrations.count()
    start = (params.page - 1) * params.page_size
    chosen = list(registrations[start:start + params.page_size])
    now = timezone.now()
    rows = broadsheet_rows(user=request.user, registrations=chosen, now=now)
    embargoed_views_record(
        user=request.user,  # type: ignore[arg-type]
        registrations=chosen, decisions={row.registration.pk: row.visibility for row in rows},
        page=f"API results page {params.page}", now=now,
    )
    return CentreResultsPage(
        count=count, page=params.page, page_size=params.page_size,
        pages=math.ceil(count / params.page_size), results=[CentreResultOut.of(r) for r in rows],
    )
