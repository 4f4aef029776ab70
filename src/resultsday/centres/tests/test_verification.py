from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent, User
from resultsday.accounts.services import api_token_create
from resultsday.catalogue.models import Qualification
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import StandardsVerification
from resultsday.centres.services import VerificationError, verification_status_set
from resultsday.testing import World, get_page, make_learner, make_qualification, make_registration

SUITE = "btec-nationals-2016"


@pytest.fixture
def sv_world(world: World) -> World:
    """The world, with its qualifications in the business sector (programmes have a sector)."""
    Qualification.objects.update(sector="business")
    world.qualification.refresh_from_db()
    return world


def _set(world: World, status: VerificationStatus, **kwargs: Any) -> StandardsVerification:
    return verification_status_set(
        actor=world.ao_officer, centre=world.centre_a, suite=world.qualification.suite,
        sector="business", status=status, **kwargs,
    )


def _status(world: World) -> str | None:
    row = StandardsVerification.objects.filter(centre=world.centre_a).first()
    return row.status if row else None


def _auth(user: User) -> dict[str, str]:
    _, secret = api_token_create(actor=None, user=user, name="MIS")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# ---- the service -----------------------------------------------------------------------------


def test_setting_a_status_is_audited_with_before_and_after(sv_world) -> None:
    _set(sv_world, VerificationStatus.CENTRE_ACTION, reason="Assessor feedback not dated")
    event = AuditEvent.objects.get(action=AuditAction.VERIFICATION_STATUS_SET)
    assert event.before == {"status": "not_yet_sampled"} and event.after == {"status": "centre_action"}
    assert event.centre == sv_world.centre_a and event.awarding_organisation == sv_world.ao
    assert event.reason == "Assessor feedback not dated"
    _set(sv_world, VerificationStatus.CENTRE_ACTION)
    assert AuditEvent.objects.filter(action=AuditAction.VERIFICATION_STATUS_SET).count() == 1


def test_a_programme_the_suite_does_not_have_is_refused(sv_world) -> None:
    with pytest.raises(VerificationError) as caught:
        verification_status_set(
            actor=sv_world.ao_officer, centre=sv_world.centre_a, suite=sv_world.qualification.suite,
            sector="engineering", status=VerificationStatus.RELEASED,
        )
    assert caught.value.message == (
        "There is no engineering programme in BTEC Nationals (2016): check the sector"
    )


# ---- the AO pages ----------------------------------------------------------------------------


def test_an_ao_officer_lists_programmes_and_changes_a_status(client, sv_world) -> None:
    client.force_login(sv_world.ao_officer)
    listing = get_page(client, f"/ao/{sv_world.ao.code}/verification/").content.decode()
    assert "10001 Centre 10001" in listing and "20002 Centre 20002" in listing
    assert "2 programmes" in listing and "Not yet fully sampled" in listing
    url = f"/ao/{sv_world.ao.code}/verification/10001/{SUITE}/business/"
    get_page(client, url)
    response = client.post(url, {"status": "released", "reason": "Sample accepted"})
    assert response.status_code == 302
    assert response["Location"] == f"/ao/{sv_world.ao.code}/verification/?centre=10001"
    assert _status(sv_world) == VerificationStatus.RELEASED
    page = get_page(client, f"/ao/{sv_world.ao.code}/verification/?status=released").content.decode()
    assert "1 programme<" in page and "10001 Centre 10001" in page


def test_the_change_form_asks_for_a_status(client, sv_world) -> None:
    client.force_login(sv_world.ao_officer)
    response = client.post(f"/ao/{sv_world.ao.code}/verification/10001/{SUITE}/business/", {})
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Select a standards verification status" in page and _status(sv_world) is None


def test_an_exams_officer_cannot_change_standards_verification(client, sv_world) -> None:
    client.force_login(sv_world.exams_officer_a)
    url = f"/ao/{sv_world.ao.code}/verification/10001/{SUITE}/business/"
    get_page(client, url, status=403)
    assert client.post(url, {"status": "released"}).status_code == 403
    get_page(client, f"/ao/{sv_world.ao.code}/verification/", status=403)
    assert _status(sv_world) is None


def test_another_aos_officer_finds_nothing(client, sv_world) -> None:
    client.force_login(sv_world.other_ao_officer)
    get_page(client, f"/ao/{sv_world.ao.code}/verification/", status=404)
    url = f"/ao/{sv_world.ao.code}/verification/10001/{SUITE}/business/"
    assert client.post(url, {"status": "released"}).status_code == 404
    assert _status(sv_world) is None


# ---- what centres see ------------------------------------------------------------------------


def test_the_centre_home_page_shows_each_programmes_status(client, sv_world) -> None:
    _set(sv_world, VerificationStatus.OUTSTANDING)
    client.force_login(sv_world.exams_officer_a)
    page = get_page(client, "/centres/10001/").content.decode()
    assert 'id="verification"' in page and "Outstanding" in page
    assert "Change standards verification" not in page
    client.force_login(sv_world.ao_officer)
    page = get_page(client, "/centres/10001/").content.decode()
    assert f'href="/ao/{sv_world.ao.code}/verification/?centre=10001"' in page


def test_the_learner_page_shows_the_status_beside_each_registration_in_one_query(
    client, sv_world
) -> None:
    _set(sv_world, VerificationStatus.CENTRE_ACTION)
    client.force_login(sv_world.exams_officer_a)
    url = f"/learners/{sv_world.learner.pk}/"
    with CaptureQueriesContext(connection) as one:
        page = get_page(client, url).content.decode()
    assert "Certification pending – centre action required" in page
    for qn in ("601/7158/5", "601/7160/1", "601/7161/X"):
        qualification = make_qualification(sv_world.ao, qn=qn)
        Qualification.objects.filter(pk=qualification.pk).update(sector="business")
        make_registration(sv_world.learner, qualification)
    with CaptureQueriesContext(connection) as four:
        page = get_page(client, url).content.decode()
    assert page.count("Certification pending – centre action required") == 4

    def verification_queries(captured: CaptureQueriesContext) -> int:
        return sum("centres_standardsverification" in q["sql"] for q in captured.captured_queries)

    # The page also shows each registration's tracking status, which reads the programme's
    # status too; what matters is that four registrations cost no more queries than one.
    assert verification_queries(four) == verification_queries(one)


def test_a_learner_does_not_see_standards_verification(client, sv_world) -> None:
    client.force_login(sv_world.learner_user)
    assert "Standards verification" not in get_page(client, "/my/").content.decode()


# ---- the API ---------------------------------------------------------------------------------


def test_the_api_shows_centre_staff_and_the_ao_each_programme(client, sv_world) -> None:
    _set(sv_world, VerificationStatus.RELEASED)
    for user in (sv_world.teacher_a, sv_world.ao_officer):
        response = client.get("/api/v1/centres/10001/verification", **_auth(user))
        assert response.status_code == 200
        assert [(p["suite"], p["sector"], p["status"]) for p in response.json()] == [
            (SUITE, "business", "released")
        ]


def test_an_ao_officer_sets_a_status_through_the_api(client, sv_world) -> None:
    body = {"suite": SUITE, "sector": "business", "status": "outstanding", "reason": "Sampling"}
    response = client.put("/api/v1/centres/10001/verification", body,
                          content_type="application/json", **_auth(sv_world.ao_officer))
    assert response.status_code == 200, response.json()
    assert response.json()["status_label"] == "Outstanding"
    assert _status(sv_world) == VerificationStatus.OUTSTANDING


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"status": "done"}, 422, "status: Input should be"),
        ({"sector": "engineering"}, 422, "There is no engineering programme"),
        ({"suite": "no-such-suite"}, 404, "Not found."),
    ],
)
def test_the_api_refuses_a_bad_status_change(client, sv_world, change, status, error) -> None:
    body = {"suite": SUITE, "sector": "business", "status": "released", **change}
    response = client.put("/api/v1/centres/10001/verification", body,
                          content_type="application/json", **_auth(sv_world.ao_officer))
    assert response.status_code == status and error in response.json()["error"]
    assert _status(sv_world) is None


def test_centre_staff_cannot_set_a_status_through_the_api(client, sv_world) -> None:
    body = {"suite": SUITE, "sector": "business", "status": "released"}
    response = client.put("/api/v1/centres/10001/verification", body,
                          content_type="application/json", **_auth(sv_world.exams_officer_a))
    assert response.status_code == 403
    assert response.json() == {"error": "You need the permission ao:verification:write."}
    assert _status(sv_world) is None


def test_the_api_shows_centre_b_nothing_of_centre_a(client, sv_world) -> None:
    response = client.get("/api/v1/centres/10001/verification", **_auth(sv_world.exams_officer_b))
    assert response.status_code == 404
    response = client.put(
        "/api/v1/centres/10001/verification",
        {"suite": SUITE, "sector": "business", "status": "released"},
        content_type="application/json", **_auth(sv_world.other_ao_officer),
    )
    assert response.status_code == 404  # an officer of an AO that does not approve centre A
    assert _status(sv_world) is None


def test_a_centre_with_no_programme_of_the_ao_lists_none(client, sv_world) -> None:
    learner = make_learner(sv_world.centre_b)
    assert learner.registrations.count() == 0
    response = client.get("/api/v1/centres/20002/verification", **_auth(sv_world.exams_officer_b))
    assert [p["status"] for p in response.json()] == ["not_yet_sampled"]
