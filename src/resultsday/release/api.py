from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from resultsday.accounts.access import principal_for
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.release.cache import learner_results_json_cached
from resultsday.release.selectors import LearnerResults, ShownResult

router = Router(tags=["release"])

# Plain pydantic models, not ninja Schemas: built here from plain data, they need none of the
# ORM-attribute resolution a Schema does on every field, which costs more than the whole read.


class UnitResultOut(BaseModel):
    unit: str
    assessment: str
    attempt: int
    retake: bool
    grade: str


class QualificationResultOut(BaseModel):
    status: str
    grade: str
    points: int | None


class MyQualificationOut(BaseModel):
    registration_id: int
    qualification_qn: str
    qualification_title: str
    series_code: str
    series_name: str
    registration_status: str
    result: QualificationResultOut | None
    available_from: dt.datetime | None
    units: list[UnitResultOut]

    @staticmethod
    def of(shown: ShownResult) -> MyQualificationOut:
        stored = shown.registration
        result = None
        if shown.result_visible:
            result = QualificationResultOut(
                status=stored.result_status or "", grade=stored.grade, points=stored.points
            )
        return MyQualificationOut(
            registration_id=stored.registration_id,
            qualification_qn=stored.qualification_qn,
            qualification_title=stored.qualification_title,
            series_code=stored.series_code,
            series_name=stored.series_name,
            registration_status=stored.status,
            result=result,
            available_from=None if shown.visibility.visible else stored.times.to_learners,
            units=[
                UnitResultOut(
                    unit=u.unit, assessment=u.assessment, attempt=u.attempt, retake=u.is_retake,
                    grade=u.grade,
                )
                for u in shown.units
            ],
        )


class MyResultsOut(BaseModel):
    name: str
    centre: str
    qualifications: list[MyQualificationOut]


def my_results_json(*, results: LearnerResults, shown: list[ShownResult]) -> str:
    """The answer to `GET /api/v1/my/results`, as ninja would serialise `MyResultsOut`.

    Made from the results and the policy's decisions only, so the shared cache keeps it with
    the results by those decisions (`release.cache.learner_results_json_cached`) and a look
    serialises nothing.
    """
    out = MyResultsOut(
        name=results.full_name,
        centre=results.centre_name,
        qualifications=[MyQualificationOut.of(item) for item in shown],
    )
    return json.dumps(out.model_dump(), cls=NinjaJSONEncoder)


@router.get(
    "/my/results",
    response=MyResultsOut,
    summary="The signed-in learner's own results",
    description=(
        "For a learner (session or API key of a learner account). Each qualification's "
        "`result` is null until the learner may see it (their results day, or the centre's "
        "discretionary release of a result no external assessment holds up); `available_from` "
        "then gives the learner release time when one is set. External unit results appear "
        "with the overall result; internal unit grades as the centre reports them."
    ),
)
def my_results(request: HttpRequest) -> HttpResponse:
    api_require(request, Permission.LEARNER_OWN_RESULTS_READ)
    learner_id = principal_for(request.user).learner_id
    assert learner_id is not None  # the permission comes only from a learner record
    # Already serialised (`my_results_json`, the policy applied now): ninja passes an
    # HttpResponse through as it is.
    return HttpResponse(
        learner_results_json_cached(learner_id=learner_id, now=timezone.now()),
        content_type="application/json; charset=utf-8",
    )
