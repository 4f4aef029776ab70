from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from resultsday.accounts.models import AuditEvent
from resultsday.learners.tests.helpers import entry_for
from resultsday.testing import World, get_page
from resultsday.tracking.tests.helpers import report_for

EXEMPT_PREFIXES = ("admin/", "api/v1/")


def _walk(patterns: list, prefix: str = ""):  # type: ignore[no-untyped-def]
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def test_every_page_declares_who_may_open_it() -> None:
    undeclared = []
    for route, view in _walk(get_resolver().url_patterns):
        if route.startswith(EXEMPT_PREFIXES):
            continue
        declared = (
            hasattr(view, "required_permission")
            or getattr(view, "is_public", False)
            or getattr(view, "any_signed_in_user", False)
        )
        if not declared:
            undeclared.append(route)
    assert undeclared == [], f"views without a declared permission: {undeclared}"


# Every page that takes an object from the URL, and how to point it at centre A's object.
# A new page with a URL parameter must be added here, or the test below fails.
CENTRE_A_PAGES = {
    "centres/<str:number>/": lambda w: f"/centres/{w.centre_a.number}/",
    "centres/<str:number>/learners/": lambda w: f"/centres/{w.centre_a.number}/learners/",
    "learners/<int:pk>/": lambda w: f"/learners/{w.learner.pk}/",
    "centres/<str:number>/claims/": lambda w: f"/centres/{w.centre_a.number}/claims/",
    "registrations/<int:pk>/claim/": lambda w: f"/registrations/{w.registration.pk}/claim/",
    "registrations/<int:pk>/decline/": lambda w: f"/registrations/{w.registration.pk}/decline/",
    "centres/<str:number>/registrations/new/":
        lambda w: f"/centres/{w.centre_a.number}/registrations/new/",
    "centres/<str:number>/registrations/upload/":
        lambda w: f"/centres/{w.centre_a.number}/registrations/upload/",
    "centres/<str:number>/registrations/template.<str:kind>":
        lambda w: f"/centres/{w.centre_a.number}/registrations/template.csv",
    "learners/<int:pk>/amend/": lambda w: f"/learners/{w.learner.pk}/amend/",
    "learners/<int:pk>/registrations/new/":
        lambda w: f"/learners/{w.learner.pk}/registrations/new/",
    "registrations/<int:pk>/withdraw/": lambda w: f"/registrations/{w.registration.pk}/withdraw/",
    "registrations/<int:pk>/unit-grades/":
        lambda w: f"/registrations/{w.registration.pk}/unit-grades/",
    "registrations/<int:pk>/unit-grades/<int:unit_id>/":
        lambda w: f"/registrations/{w.registration.pk}/unit-grades/"
        f"{w.qualification.structure.get(unit__code='T1').unit_id}/",
    "centres/<str:number>/unit-grades/": lambda w: f"/centres/{w.centre_a.number}/unit-grades/",
    "centres/<str:number>/unit-grades/upload/":
        lambda w: f"/centres/{w.centre_a.number}/unit-grades/upload/",
    "centres/<str:number>/unit-grades/template.<str:kind>":
        lambda w: f"/centres/{w.centre_a.number}/unit-grades/template.csv",
    "centres/<str:number>/entries/": lambda w: f"/centres/{w.centre_a.number}/entries/",
    "centres/<str:number>/entries/bulk/": lambda w: f"/centres/{w.centre_a.number}/entries/bulk/",
    "centres/<str:number>/entries/upload/":
        lambda w: f"/centres/{w.centre_a.number}/entries/upload/",
    "centres/<str:number>/entries/sample/":
        lambda w: f"/centres/{w.centre_a.number}/entries/sample/?series=2026-06",
    "registrations/<int:pk>/entries/": lambda w: f"/registrations/{w.registration.pk}/entries/",
    "registrations/<int:pk>/entries/new/":
        lambda w: f"/registrations/{w.registration.pk}/entries/new/",
    "entries/<int:pk>/withdraw/": lambda w: f"/entries/{entry_for(w).pk}/withdraw/",
    "centres/<str:number>/top-ups/": lambda w: f"/centres/{w.centre_a.number}/top-ups/",
    "registrations/<int:pk>/top-up/": lambda w: f"/registrations/{w.registration.pk}/top-up/",
    "centres/<str:number>/tracking/": lambda w: f"/centres/{w.centre_a.number}/tracking/",
    "registrations/<int:pk>/tracking/": lambda w: f"/registrations/{w.registration.pk}/tracking/",
    "centres/<str:number>/tracking/reports/":
        lambda w: f"/centres/{w.centre_a.number}/tracking/reports/",
    "centres/<str:number>/tracking/reports/<int:pk>.<str:fmt>":
        lambda w: f"/centres/{w.centre_a.number}/tracking/reports/{report_for(w).pk}.xlsx",
    "centres/<str:number>/checkpoints/": lambda w: f"/centres/{w.centre_a.number}/checkpoints/",
    "centres/<str:number>/checkpoints/<int:series_id>/<str:kind>/":
        lambda w: f"/centres/{w.centre_a.number}/checkpoints/{w.registration.series_id}/1/",
    "centres/<str:number>/checkpoints/<int:series_id>/<str:kind>/declare/":
        lambda w: f"/centres/{w.centre_a.number}/checkpoints/{w.registration.series_id}/1/declare/",
    "registrations/<int:pk>/release/": lambda w: f"/registrations/{w.registration.pk}/release/",
    "learners/<int:pk>/invite/": lambda w: f"/learners/{w.learner.pk}/invite/",
    "learners/<int:pk>/access-code/": lambda w: f"/learners/{w.learner.pk}/access-code/",
    "learners/<int:pk>/invite/cancel/": lambda w: f"/learners/{w.learner.pk}/invite/cancel/",
    "learners/<int:pk>/access-code/withdraw/":
        lambda w: f"/learners/{w.learner.pk}/access-code/withdraw/",
    "centres/<str:number>/access-codes/": lambda w: f"/centres/{w.centre_a.number}/access-codes/",
    "learners/<int:pk>/statement/": lambda w: f"/learners/{w.learner.pk}/statement/",
    "learners/<int:pk>/statement.pdf": lambda w: f"/learners/{w.learner.pk}/statement.pdf",
    "centres/<str:number>/results/": lambda w: f"/centres/{w.centre_a.number}/results/",
    "centres/<str:number>/results/export.<str:fmt>":
        lambda w: f"/centres/{w.centre_a.number}/results/export.xlsx",
    "centres/<str:number>/results/results-file/":
        lambda w: f"/centres/{w.centre_a.number}/results/results-file/",
    "centres/<str:number>/grade-boundaries/":
        lambda w: f"/centres/{w.centre_a.number}/grade-boundaries/",
    "centres/<str:number>/grade-boundaries/<int:series_id>/":
        lambda w: f"/centres/{w.centre_a.number}/grade-boundaries/{w.registration.series_id}/",
    "centres/<str:number>/grade-boundaries/<int:series_id>.csv":
        lambda w: f"/centres/{w.centre_a.number}/grade-boundaries/{w.registration.series_id}.csv",
}
# Pages with a parameter that is not centre data, and who may see them.
NOT_CENTRE_DATA = {
    "ao/<slug:code>/": "AO staff of that AO only (tested below)",
    "ao/<slug:code>/awarding/": "AO staff of that AO only (awarding tests)",
    "awarding/runs/<int:pk>/": "AO staff of the run's AO only (awarding tests)",
    "awarding/runs/<int:pk>/commit/": "AO staff of the run's AO only (awarding tests)",
    "catalogue/<int:pk>/": "AO staff of the qualification's AO only",
    "ao/<slug:code>/tracking/": "AO staff of that AO only (tracking tests)",
    "ao/<slug:code>/checkpoints/": "AO staff of that AO only (tracking tests)",
    "ao/<slug:code>/verification/": "AO staff of that AO only (centres/tests/test_verification)",
    "ao/<slug:code>/verification/<str:number>/<slug:suite>/<slug:sector>/":
        "AO officers of that AO only; centre staff get 403 (centres/tests/test_verification)",
    "ao/<slug:code>/boundaries/":
        "AO officers of that AO only; centre staff get 403 (assessment/tests/test_boundaries)",
    "ao/<slug:code>/boundaries/marks-template.<str:kind>":
        "AO officers of that AO only (assessment/tests/test_boundaries)",
    "ao/<slug:code>/boundaries/<str:series>/<int:unit_id>/":
        "AO officers of that AO only; centre staff get 403 (assessment/tests/test_boundaries)",
    "ao/<slug:code>/boundaries/<str:series>/<int:unit_id>/approve/":
        "AO officers of that AO only; centre staff get 403 (assessment/tests/test_boundaries)",
    "ao/<slug:code>/boundaries/<str:series>/<int:unit_id>/marks/":
        "AO officers of that AO only; centre staff get 403 (assessment/tests/test_marks)",
    "ao/<slug:code>/embargoed-views/":
        "AO staff of that AO only; centre staff get 403 (release/tests/test_pages)",
    "invitation/<str:token>/":
        "Public: a learner's one-time invitation link (learners/tests/test_sign_in)",
    "account/api-keys/<int:pk>/revoke/":
        "The key's own holder only; anyone else gets 404 (accounts/tests/test_api_keys)",
}


def _centre_a_pages(world: World) -> list[str]:
    return [build(world) for build in CENTRE_A_PAGES.values()]


def test_every_page_with_a_url_parameter_is_in_the_isolation_test() -> None:
    parametrised = {
        route for route, _ in _walk(get_resolver().url_patterns)
        if "<" in route and not route.startswith(EXEMPT_PREFIXES)
    }
    assert parametrised == set(CENTRE_A_PAGES) | set(NOT_CENTRE_DATA)


def test_it_shows_nothing_of_centre_a_to_the_exams_officer_at_centre_b(client, world) -> None:
    client.force_login(world.exams_officer_b)
    for url in _centre_a_pages(world):
        get_page(client, url, status=404)
    response = client.get(f"/api/v1/centres/{world.centre_a.number}/learners")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


def test_centre_a_staff_reach_their_own_pages(client, world) -> None:
    client.force_login(world.exams_officer_a)
    for url in _centre_a_pages(world):
        get_page(client, url)


def test_it_hides_centre_a_from_the_audit_log_of_centre_b(client, world) -> None:
    client.force_login(world.exams_officer_a)  # writes a login event for centre A? no: no centre
    from resultsday.accounts.choices import AuditAction
    from resultsday.accounts.services import audit_record

    audit_record(actor=world.exams_officer_a, action=AuditAction.LEARNER_AMENDED,
                 summary="Amended Ada's date of birth", centre=world.centre_a)
    client.force_login(world.exams_officer_b)
    page = get_page(client, "/audit/")
    assert "Amended Ada" not in page.content.decode()
    client.force_login(world.exams_officer_a)
    assert "Amended Ada" in get_page(client, "/audit/").content.decode()


def test_a_teacher_cannot_read_the_audit_log(client, world) -> None:
    client.force_login(world.teacher_a)
    get_page(client, "/audit/", status=403)


def test_an_ao_officer_sees_centres_of_their_ao_only(client, world) -> None:
    client.force_login(world.ao_officer)
    get_page(client, f"/learners/{world.learner.pk}/")
    client.force_login(world.other_ao_officer)
    get_page(client, f"/learners/{world.learner.pk}/", status=404)
    get_page(client, f"/ao/{world.ao.code}/", status=404)


def test_a_learner_cannot_open_centre_pages(client, world) -> None:
    client.force_login(world.learner_user)
    get_page(client, f"/centres/{world.centre_a.number}/", status=403)
    get_page(client, f"/learners/{world.learner.pk}/", status=403)


def test_the_regulator_sees_no_learner(client, world) -> None:
    client.force_login(world.regulator)
    get_page(client, f"/learners/{world.learner.pk}/", status=403)


@pytest.mark.parametrize("url", ["/", "/centres/10001/", "/audit/", "/key-dates/", "/my/"])
def test_it_sends_anonymous_visitors_to_sign_in(client, world, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_the_api_answers_anonymous_callers_with_401_in_one_error_shape(client, world) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_the_api_accepts_a_bearer_key_and_scopes_to_its_user(client, world) -> None:
    from resultsday.accounts.services import api_token_create

    _, secret = api_token_create(actor=None, user=world.exams_officer_a, name="MIS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    ok = client.get(f"/api/v1/centres/{world.centre_a.number}/learners", **auth)
    assert ok.status_code == 200
    assert [row["uln"] for row in ok.json()] == [world.learner.uln]
    other = client.get(f"/api/v1/centres/{world.centre_b.number}/learners", **auth)
    assert other.status_code == 404
    bad = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer rd_wrong")
    assert bad.status_code == 401


def test_signing_in_and_failing_to_sign_in_are_audited(client, world) -> None:
    get_page(client, "/sign-in/")
    response = client.post("/sign-in/", {"username": "eo_a", "password": "wrong"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert "<title>Error: " in response.content.decode()
    response = client.post(
        "/sign-in/", {"username": "eo_a", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "auth.login" in actions and "auth.login_failed" in actions


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("exams_officer_a", "/centres/10001/"),
        ("head_of_centre_a", "/centres/10001/"),
        ("teacher_a", "/centres/10001/"),
        ("learner_user", "/my/"),
        ("ao_officer", "/ao/demo-ao/"),
        ("regulator", "/regulator/"),
    ],
)
def test_each_persona_lands_on_their_role_home_page(client, world, persona, landing) -> None:
    client.force_login(getattr(world, persona))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == landing
    get_page(client, landing)
