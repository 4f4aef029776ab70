from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from resultsday.accounts.services import api_token_create
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Learner, Registration
from resultsday.learners.tests.helpers import second_qualification, set_registration_deadline
from resultsday.testing import valid_uln


@pytest.fixture
def as_eo_a(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(actor=None, user=world.exams_officer_a, name="MIS")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _post(client, url: str, body: dict[str, Any], auth: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json", **auth)


def _new_learner_body(world) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "learner": {"candidate_number": "0900", "first_name": "Mary", "last_name": "Somerville",
                    "date_of_birth": "2008-05-06", "uln": valid_uln(900)},
        "qualification_qn": world.qualification.qn, "series_code": "2026-06",
        "needs_result_to_progress": True,
    }


def test_the_api_registers_a_new_learner(client, world, as_eo_a) -> None:
    response = _post(client, "/api/v1/centres/10001/registrations", _new_learner_body(world), as_eo_a)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["candidate_number"] == "0900" and body["qualification_qn"] == world.qualification.qn
    assert body["status"] == "active" and body["needs_result_to_progress"] is True
    assert Learner.objects.filter(centre=world.centre_a, candidate_number="0900").exists()


def test_the_api_registers_an_existing_learner_and_flags_a_late_registration(
    client, world, as_eo_a
) -> None:
    bigger = second_qualification(world)
    set_registration_deadline(world.registration.series, dt.datetime(2025, 11, 1))
    body = {"learner_id": world.learner.pk, "qualification_qn": bigger.qn, "series_code": "2026-06"}
    with time_machine.travel(dt.datetime(2025, 12, 1, tzinfo=dt.UTC), tick=False):
        response = _post(client, "/api/v1/centres/10001/registrations", body, as_eo_a)
    assert response.status_code == 201
    assert response.json()["is_late"] is True


def test_the_api_refuses_a_second_registration_in_the_one_error_shape(client, world, as_eo_a) -> None:
    body = {"learner_id": world.learner.pk, "qualification_qn": world.qualification.qn,
            "series_code": "2026-06"}
    response = _post(client, "/api/v1/centres/10001/registrations", body, as_eo_a)
    assert response.status_code == 422
    assert response.json() == {"error": (
        f"This learner is already registered on {world.qualification.title} "
        f"({world.qualification.qn}) for Summer 2026"
    )}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unexpected": 1}, "unexpected: Extra inputs are not permitted"),
        ({"ucas_applicant": "yes"}, "ucas_applicant: Input should be a valid boolean"),
        ({"qualification_qn": "500/1522/9"},
         "There is no qualification 500/1522/9 that your centre is approved to offer"),
        ({"series_code": "2031-01"}, "There is no series 2031-01 of Demo Awarding Organisation"),
    ],
)
def test_the_api_refuses_bad_input_with_a_message(client, world, as_eo_a, change, message) -> None:
    body = {**_new_learner_body(world), **change}
    response = _post(client, "/api/v1/centres/10001/registrations", body, as_eo_a)
    assert response.status_code == 422
    assert set(response.json()) == {"error"} and message in response.json()["error"]
    assert not Learner.objects.filter(candidate_number="0900").exists()


def test_the_api_refuses_a_bad_uln(client, world, as_eo_a) -> None:
    body = _new_learner_body(world)
    body["learner"]["uln"] = "12345"
    response = _post(client, "/api/v1/centres/10001/registrations", body, as_eo_a)
    assert response.status_code == 422
    assert response.json() == {"error": "Enter a ULN of 10 digits (this has 5)"}


@pytest.mark.parametrize(("name", "message"), [
    ("S" * 101, "The surname is 101 characters long: enter 100 characters or fewer"),
    ("Smi\u0007th", "The surname includes a control character (U+0007), which a name cannot "
     "contain: delete it and type the name again"),
    ("Smi\u0000th", "learner.last_name: contains a NUL character"),
])
def test_the_api_refuses_a_name_too_long_or_with_a_control_character_with_422(
    client, world, as_eo_a, name, message
) -> None:
    client.raise_request_exception = False
    body = _new_learner_body(world)
    body["learner"]["last_name"] = name
    response = _post(client, "/api/v1/centres/10001/registrations", body, as_eo_a)
    assert response.status_code == 422
    assert set(response.json()) == {"error"} and response.json()["error"].startswith(message)
    assert not Learner.objects.filter(candidate_number="0900").exists()


@pytest.mark.parametrize("change", [{"series_code": "2026\u0000-06"},
                                    {"qualification_qn": "601/7157/7\u0000"}])
def test_the_api_refuses_a_nul_in_any_field_with_422_not_a_server_error(
    client, world, as_eo_a, change
) -> None:
    client.raise_request_exception = False
    response = _post(client, "/api/v1/centres/10001/registrations",
                     {**_new_learner_body(world), **change}, as_eo_a)
    assert response.status_code == 422 and "NUL" in response.json()["error"]
    response = _post(client, f"/api/v1/centres/10001/registrations/{world.registration.pk}/withdraw",
                     {"reason": "Left\u0000"}, as_eo_a)
    assert response.status_code == 422 and "NUL" in response.json()["error"]


def test_the_api_answers_a_new_registration_with_its_warnings(client, world, as_eo_a) -> None:
    body = _new_learner_body(world)
    body["learner"]["last_name"] = "Brontë"
    response = _post(client, "/api/v1/centres/10001/registrations", body, as_eo_a)
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning["field"] == "learner.last_name"
    assert warning["message"].startswith("The surname includes ë, which exam data files cannot")
    assert Learner.objects.get(candidate_number="0900").last_name == "Brontë"
    body = {"learner_id": world.learner.pk, "qualification_qn": second_qualification(world).qn,
            "series_code": "2026-06"}
    assert _post(client, "/api/v1/centres/10001/registrations", body, as_eo_a).json()[
        "warnings"] == []


def test_the_api_withdraws_a_registration_with_a_reason(client, world, as_eo_a) -> None:
    url = f"/api/v1/centres/10001/registrations/{world.registration.pk}/withdraw"
    blank = _post(client, url, {"reason": " "}, as_eo_a)
    assert blank.json() == {"error": "Enter the reason for withdrawing the registration"}
    response = _post(client, url, {"reason": "Left the college"}, as_eo_a)
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = _post(client, url, {"reason": "Left the college"}, as_eo_a)
    assert again.status_code == 422


def test_the_api_lists_the_centres_registrations(client, world, as_eo_a) -> None:
    response = client.get("/api/v1/centres/10001/registrations", **as_eo_a)
    assert [r["id"] for r in response.json()] == [world.registration.pk]
    Registration.objects.filter(pk=world.registration.pk).update(
        status=RegistrationStatus.WITHDRAWN
    )
    active = client.get("/api/v1/centres/10001/registrations?status=active", **as_eo_a)
    assert active.json() == []


def test_the_api_shows_centre_b_nothing_of_centre_a(client, world) -> None:
    _, secret = api_token_create(actor=None, user=world.exams_officer_b, name="MIS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    listing = client.get("/api/v1/centres/10001/registrations", **auth)
    assert listing.status_code == 404 and listing.json() == {"error": "Not found."}
    withdraw = _post(client, f"/api/v1/centres/10001/registrations/{world.registration.pk}/withdraw",
                     {"reason": "x"}, auth)
    assert withdraw.status_code == 404
    # Centre A's registration through centre B's own number is not found either.
    withdraw = _post(client, f"/api/v1/centres/20002/registrations/{world.registration.pk}/withdraw",
                     {"reason": "x"}, auth)
    assert withdraw.status_code == 404
    body = {"learner_id": world.learner.pk, "qualification_qn": world.qualification.qn,
            "series_code": "2026-06"}
    assert _post(client, "/api/v1/centres/20002/registrations", body, auth).status_code == 404
    world.registration.refresh_from_db()
    assert world.registration.status == RegistrationStatus.ACTIVE


def test_a_teacher_cannot_register_or_withdraw_through_the_api(client, world) -> None:
    _, secret = api_token_create(actor=None, user=world.teacher_a, name="MIS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = _post(client, "/api/v1/centres/10001/registrations", _new_learner_body(world), auth)
    assert response.status_code == 403
    assert response.json() == {"error": "You need the permission centre:learners:write."}
    url = f"/api/v1/centres/10001/registrations/{world.registration.pk}/withdraw"
    assert _post(client, url, {"reason": "x"}, auth).status_code == 403
    assert client.get("/api/v1/centres/10001/registrations", **auth).status_code == 200
