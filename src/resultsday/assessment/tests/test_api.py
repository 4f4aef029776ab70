from __future__ import annotations

from typing import Any

import pytest

from resultsday.accounts.models import User
from resultsday.accounts.services import api_token_create
from resultsday.assessment.tests.helpers import (
    attempts,
    internal_unit,
    second_learner_on_bigger_qualification,
)
from resultsday.testing import World

URL = "/api/v1/centres/10001/unit-grades"


def _auth(user: User) -> dict[str, str]:
    _, secret = api_token_create(actor=None, user=user, name="MIS")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _grade(world: World, **changes: Any) -> dict[str, Any]:
    body = {"candidate_number": world.learner.candidate_number,
            "qualification_qn": world.qualification.qn, "unit_number": "1", "grade": "D"}
    body.update(changes)
    return body


def _post(client, body: dict[str, Any], auth: dict[str, str], url: str = URL):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json", **auth)


def test_the_api_lists_internal_grades_of_the_centre(client, world) -> None:
    response = client.get(URL, **_auth(world.teacher_a))
    assert response.status_code == 200
    [row] = response.json()
    assert (row["candidate_number"], row["unit_number"], row["attempt"], row["grade"],
            row["retake"]) == (world.learner.candidate_number, "1", 1, "M", False)
    assert client.get(f"{URL}?unit_number=2", **_auth(world.teacher_a)).json() == []


def test_the_api_records_grades_and_a_second_post_changes_nothing(client, world) -> None:
    auth = _auth(world.exams_officer_a)
    body = {"grades": [_grade(world, grade="P", retake=True)], "reason": "Retake marked"}
    first = _post(client, body, auth)
    assert first.status_code == 200, first.json()
    assert first.json() == {"recorded": 1, "changed": 0, "unchanged": 0, "changed_after_claim": 0}
    again = _post(client, body, auth)
    assert again.json()["unchanged"] == 1
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False), (2, "P", True)]


@pytest.mark.parametrize(
    ("grade", "message"),
    [
        ({"grade": "D", "retake": True}, "grades[1].grade: A retake can achieve at most a Pass"),
        ({"unit_number": "2"}, "grades[1].unit_number: Unit 2 Unit T2 is externally assessed"),
        ({"retake": "yes"}, "grades.1.retake: Input should be a valid boolean"),
    ],
)
def test_the_api_refuses_a_bad_grade_and_saves_none(client, world, grade, message) -> None:
    other = second_learner_on_bigger_qualification(world)
    good = _grade(world, candidate_number=other.learner.candidate_number,
                  qualification_qn=other.qualification.qn)
    body = {"grades": [good, _grade(world, **grade)]}
    response = _post(client, body, _auth(world.exams_officer_a))
    assert response.status_code == 422
    assert set(response.json()) == {"error"} and message in response.json()["error"]
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False)]
    assert attempts(other, internal_unit(world)) == []


def test_the_api_shows_centre_b_nothing_of_centre_a(client, world) -> None:
    auth = _auth(world.exams_officer_b)
    assert client.get(URL, **auth).status_code == 404
    assert _post(client, {"grades": [_grade(world)]}, auth).status_code == 404
    # Centre A's learner through centre B's own number is not found either.
    response = _post(client, {"grades": [_grade(world)]}, auth, "/api/v1/centres/20002/unit-grades")
    assert response.status_code == 422 and "at your centre" in response.json()["error"]
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False)]


def test_a_teacher_cannot_record_grades_through_the_api(client, world) -> None:
    response = _post(client, {"grades": [_grade(world)]}, _auth(world.teacher_a))
    assert response.status_code == 403
    assert response.json() == {"error": "You need the permission centre:unit-grades:write."}
