"""The results API for MIS software: GET /api/v1/centres/{number}/results."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resultsday.accounts.models import User
from resultsday.accounts.services import api_token_create
from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.models import QualificationResult
from resultsday.learners.tests.helpers import entry_for
from resultsday.release.models import EmbargoedView
from resultsday.testing import (
    World,
    make_learner,
    make_registration,
    make_series,
    record_unit_result,
)

BEFORE = dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC)
BETWEEN = dt.datetime(2026, 8, 10, 12, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)
URL = "/api/v1/centres/10001/results"


def bearer(user: User) -> dict[str, str]:
    _, secret = api_token_create(actor=None, user=user, name="MIS")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def get(client, user: User, when: dt.datetime, url: str = URL):  # type: ignore[no-untyped-def]
    auth = bearer(user)
    with time_machine.travel(when, tick=False):
        return client.get(url, **auth)


@pytest.fixture
def embargoed(world: World) -> World:
    entry_for(world)
    record_unit_result(world.registration, "T2", "D")
    QualificationResult.objects.create(
        registration=world.registration, status=ResultStatus.ISSUED, grade="DD", points=96,
        reason="Awarded.",
    )
    return world


def test_it_gives_the_exams_officer_the_centres_results_between_the_release_times(
    client, embargoed
) -> None:
    response = get(client, embargoed.exams_officer_a, BETWEEN)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    (result,) = body["results"]
    assert result["uln"] == embargoed.learner.uln
    assert result["qualification_qn"] == "601/7157/7" and result["series_code"] == "2026-06"
    assert (result["status"], result["grade"], result["points"]) == ("issued", "DD", 96)
    assert result["embargoed_view"] is True and result["available_from"] is None
    view = EmbargoedView.objects.get()
    assert view.user == embargoed.exams_officer_a and view.page == "API results page 1"


@pytest.mark.parametrize(
    ("when", "expected"), [(BEFORE, "not_released"), (BETWEEN, "not_released"), (AFTER, "issued")]
)
def test_a_teacher_sees_embargoed_results_only_from_the_learner_release(
    client, embargoed, when, expected
) -> None:
    (result,) = get(client, embargoed.teacher_a, when).json()["results"]
    assert result["status"] == expected
    if expected == "not_released":
        assert result["grade"] is None and result["points"] is None
        assert result["available_from"] == "2026-08-13T07:00:00Z"
    assert not EmbargoedView.objects.exists()


def test_the_exams_officer_sees_nothing_before_the_centre_release(client, embargoed) -> None:
    (result,) = get(client, embargoed.exams_officer_a, BEFORE).json()["results"]
    assert (result["status"], result["grade"]) == ("not_released", None)
    assert result["available_from"] == "2026-08-06T07:00:00Z"


def test_another_centres_token_is_refused_with_404(client, embargoed) -> None:
    response = get(client, embargoed.exams_officer_b, AFTER)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}
    assert get(client, embargoed.other_ao_officer, AFTER).status_code == 404


def test_a_learners_token_is_refused(client, embargoed) -> None:
    response = get(client, embargoed.learner_user, AFTER)
    assert response.status_code == 403 and set(response.json()) == {"error"}


def test_it_pages_and_filters_by_series(client, embargoed) -> None:
    for n in range(2):
        make_registration(make_learner(embargoed.centre_a, first_name=f"Learner{n}",
                                       last_name="Zed"), embargoed.qualification)
    winter = make_series(embargoed.ao, "2027-01")
    make_registration(make_learner(embargoed.centre_a, last_name="Winter"),
                      embargoed.qualification, winter)
    eo = embargoed.exams_officer_a
    first = get(client, eo, AFTER, f"{URL}?series=2026-06&page_size=2").json()
    assert (first["count"], first["pages"], len(first["results"])) == (3, 2, 2)
    second = get(client, eo, AFTER, f"{URL}?series=2026-06&page_size=2&page=2").json()
    assert [r["last_name"] for r in second["results"]] == ["Zed"]
    assert {r["status"] for r in second["results"]} == {"no_result"}
    every = get(client, eo, AFTER).json()
    assert [r["series_code"] for r in every["results"]][-1] == "2027-01"
    assert get(client, eo, AFTER, f"{URL}?series=1999-01").json()["count"] == 0


def test_it_refuses_a_page_size_over_the_limit(client, embargoed) -> None:
    response = get(client, embargoed.exams_officer_a, AFTER, f"{URL}?page_size=501")
    assert response.status_code == 422 and "page_size" in response.json()["error"]


def test_the_endpoint_is_documented_in_the_openapi_schema(client, world) -> None:
    client.force_login(world.exams_officer_a)
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/centres/{number}/results"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"number", "series", "page",
                                                             "page_size"}
    assert "not_released" in operation["description"]
