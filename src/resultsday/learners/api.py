from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from resultsday.accounts.access import get_centre_for_user, learners_for_user
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require

router = Router(tags=["learners"])


class LearnerOut(Schema):
    id: int
    candidate_number: str
    uln: str
    uci: str
    first_name: str
    last_name: str
    date_of_birth: dt.date


@router.get(
    "/centres/{number}/learners",
    response=list[LearnerOut],
    summary="The centre's learners (centre staff of that centre, or its AO)",
)
def centre_learners(request: HttpRequest, number: str) -> list[LearnerOut]:
    api_require(request, Permission.CENTRE_LEARNERS_READ)
    centre = get_centre_for_user(request, number, Permission.CENTRE_LEARNERS_READ)
    learners = learners_for_user(request.user, Permission.CENTRE_LEARNERS_READ).filter(
        centre=centre
    )
    return [LearnerOut.model_validate(x, from_attributes=True) for x in learners.order_by("pk")]
