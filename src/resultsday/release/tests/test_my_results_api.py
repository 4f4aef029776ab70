"""GET /api/v1/my/results: a learner's own results, under the same policy as their page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.cache import caches

from resultsday.accounts.services import api_token_create
from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.decisions import Decision
from resultsday.awarding.models import QualificationResult
from resultsday.awarding.services import result_record
from resultsday.learners.tests.helpers import entry_for
from resultsday.testing import World, record_unit_result

URL = "/api/v1/my/results"
# The test series: results to centres 6 August 08:00, to learners 13 August 08:00 (London).
BETWEEN = dt.datetime(2026, 8, 10, 12, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)
LEARNER_RELEASE = "2026-08-13T07:00:00Z"


def issue(world: World, grade: str, points: int) -> None:
    result_record(
        registration_id=world.registration.pk,
        decision=Decision(ResultStatus.ISSUED, grade, points, f"Issued {grade}", {}),
        current=QualificationResult.objects.filter(registration=world.registration).first(),
    )


@pytest.fixture
def awarded(world: World) -> World:
    """Centre A's learner sat an external unit in the series and has been awarded DD."""
    entry_for(world)
    record_unit_result(world.registration, "T2", "D")
    issue(world, "DD", 96)
    return world


def my_results(client: Any, world: World, when: dt.datetime) -> dict[str, Any]:
    client.force_login(world.learner_user)
    with time_machine.travel(when, tick=False):
        response = client.get(URL)
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def test_it_shows_the_learner_nothing_of_their_result_before_their_release_time(
    client: Any, awarded: World
) -> None:
    body = my_results(client, awarded, BETWEEN)
    [qualification] = body["qualifications"]
    assert qualification["result"] is None
    assert qualification["available_from"].replace("+00:00", "Z") == LEARNER_RELEASE
    # The centre's own internal grade shows; the external unit waits with the result.
    assert [u["unit"] for u in qualification["units"]] == ["Unit 1 Unit T1"]
    assert "DD" not in str(body)


def test_it_shows_the_learner_their_result_and_unit_grades_from_their_release_time(
    client: Any, awarded: World
) -> None:
    body = my_results(client, awarded, AFTER)
    assert body["name"] == "Ada Lovelace"
    [qualification] = body["qualifications"]
    assert qualification["result"] == {"status": "issued", "grade": "DD", "points": 96}
    assert qualification["available_from"] is None
    assert {(u["unit"], u["assessment"], u["grade"]) for u in qualification["units"]} == {
        ("Unit 1 Unit T1", "internal", "M"), ("Unit 2 Unit T2", "external", "D"),
    }


def test_it_answers_a_learners_api_key_as_their_session(client: Any, awarded: World) -> None:
    _, secret = api_token_create(actor=None, user=awarded.learner_user, name="results app")
    with time_machine.travel(AFTER, tick=False):
        response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.json()["qualifications"][0]["result"]["grade"] == "DD"


def test_it_refuses_anyone_who_is_not_a_learner(client: Any, awarded: World) -> None:
    assert client.get(URL).json() == {
        "error": "Sign in or send an API key: Authorization: Bearer <key>."
    }
    client.force_login(awarded.exams_officer_a)
    response = client.get(URL)
    assert response.status_code == 403
    assert "learner:own-results:read" in response.json()["error"]


def test_a_new_result_version_shows_at_once_with_the_shared_cache(
    client: Any, awarded: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "results": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "results-api-tests"},
    }
    caches["results"].clear()
    assert my_results(client, awarded, AFTER)["qualifications"][0]["result"]["grade"] == "DD"
    with django_capture_on_commit_callbacks(execute=True):
        issue(awarded, "DD*", 104)  # e.g. after a review of marking
    result = my_results(client, awarded, AFTER)["qualifications"][0]["result"]
    assert (result["grade"], result["points"]) == ("DD*", 104)


def test_the_openapi_schema_documents_the_learner_results(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/my/results"]["get"]
    assert "null until the learner may see it" in operation["description"]
    assert "MyResultsOut" in str(operation["responses"]["200"])
