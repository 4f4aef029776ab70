from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from resultsday.accounts.access import get_centre_for_user, registrations_for_user
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.awarding.services import (
    AwardingError,
    claim_submit,
    registration_evaluate,
    result_decline,
)
from resultsday.learners.models import Registration
from resultsday.release.services import results_open

router = Router(tags=["claims and results"])


class PreviewOut(Schema):
    status: str
    grade: str
    points: int | None
    reason: str
    outcome: dict[str, Any]


class ClaimOut(Schema):
    registration_id: int
    claimed_at: dt.datetime
    is_late: bool


class DeclineIn(Schema):
    consent_note: str


class ResultOut(Schema):
    registration_id: int
    status: str
    grade: str
    points: int | None
    version: int


def _registration(request: HttpRequest, number: str, pk: int, permission: Permission) -> Registration:
    api_require(request, permission)
    centre = get_centre_for_user(request, number, permission)
    return get_object_or_404(
        registrations_for_user(request.user, permission).select_related(
            "series", "qualification", "qualification__suite", "centre", "learner"),
        pk=pk, centre=centre,
    )


@router.get("/centres/{number}/registrations/{pk}/award-preview", response=PreviewOut,
            summary="What awarding would give this registration now, and why")
def award_preview(request: HttpRequest, number: str, pk: int) -> PreviewOut:
    registration = _registration(request, number, pk, Permission.CENTRE_LEARNERS_READ)
    visible = results_open(user=request.user, registrations=[registration], page="api preview")
    decision = registration_evaluate(
        registration=registration, withhold_embargoed=not visible[registration.pk].visible)
    return PreviewOut(status=decision.status, grade=decision.grade, points=decision.points,
                      reason=decision.reason, outcome=decision.explanation)


@router.post("/centres/{number}/registrations/{pk}/claim", response={201: ClaimOut},
             summary="Make the full award claim (a late claim is accepted and flagged)")
def claim(request: HttpRequest, number: str, pk: int) -> Status[ClaimOut]:
    registration = _registration(request, number, pk, Permission.CENTRE_CLAIMS_WRITE)
    try:
        made = claim_submit(registration=registration, actor=request.user)  # type: ignore[arg-type]
    except AwardingError as exc:
        raise HttpError(422, exc.message) from exc
    return Status(201, ClaimOut(registration_id=pk, claimed_at=made.claimed_at, is_late=made.is_late))


@router.post("/centres/{number}/registrations/{pk}/decline", response=ResultOut,
             summary="Decline an issued grade so the learner can resit (consent required)")
def decline(request: HttpRequest, number: str, pk: int, payload: DeclineIn) -> ResultOut:
    registration = _registration(request, number, pk, Permission.CENTRE_CLAIMS_WRITE)
    try:
        result = result_decline(registration=registration, actor=request.user,  # type: ignore[arg-type]
                                consent_note=payload.consent_note)
    except AwardingError as exc:
        raise HttpError(422, exc.message) from exc
    return ResultOut(registration_id=pk, status=result.status, grade=result.grade,
                     points=result.points, version=result.version)
