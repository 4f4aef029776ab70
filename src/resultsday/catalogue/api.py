from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router
from ninja.errors import HttpError

from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.grading import GradeRequestError, NotConfiguredError, grade, parse_request

router = Router(tags=["grading"])


@router.post(
    "/grade",
    summary="Grade one request (the `resultsday grade --json` contract, docs/grading.md)",
    response=dict[str, Any],
)
def grade_request(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    api_require(request, Permission.GRADE_CALCULATOR_USE)
    try:
        outcome = grade(parse_request(payload))
    except GradeRequestError as exc:
        raise HttpError(422, f"{exc.path}: {exc.message}") from exc
    except NotConfiguredError as exc:
        raise HttpError(422, str(exc)) from exc
    return outcome.to_dict()
