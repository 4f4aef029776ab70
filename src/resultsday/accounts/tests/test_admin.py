"""The admin site: every change is audited, and records of what happened cannot be edited there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import ApiToken, AuditEvent, User
from resultsday.accounts.services import api_token_authenticate, api_token_create
from resultsday.assessment.models import UnitResult
from resultsday.catalogue.choices import KeyDateKind
from resultsday.catalogue.models import KeyDate
from resultsday.testing import World, make_series


@pytest.fixture
def admin_client(client, world: World):
    client.force_login(User.objects.create_superuser("root", password="x" * 20))
    return client


def _series_form(series, key_dates: list[KeyDate], changes: dict[int, dt.datetime]) -> dict:
    data = {
        "awarding_organisation": series.awarding_organisation_id, "code": series.code,
        "name": series.name,
        "key_dates-TOTAL_FORMS": len(key_dates), "key_dates-INITIAL_FORMS": len(key_dates),
        "key_dates-MIN_NUM_FORMS": 0, "key_dates-MAX_NUM_FORMS": 1000,
    }
    for i, key_date in enumerate(key_dates):
        at = timezone.localtime(changes.get(key_date.pk, key_date.at))
        data.update({
            f"key_dates-{i}-id": key_date.pk, f"key_dates-{i}-series": series.pk,
            f"key_dates-{i}-kind": key_date.kind, f"key_dates-{i}-applies_to": key_date.applies_to,
            f"key_dates-{i}-at_0": at.strftime("%Y-%m-%d"), f"key_dates-{i}-at_1": at.strftime("%H:%M:%S"),
            f"key_dates-{i}-source": key_date.source,
        })
    return data


def test_moving_a_release_time_in_the_admin_is_audited_with_before_and_after(admin_client, world):
    series = make_series(world.ao)
    key_dates = list(series.key_dates.order_by("pk"))
    release = next(k for k in key_dates if k.kind == KeyDateKind.RESULTS_TO_LEARNERS)
    moved = timezone.make_aware(dt.datetime(2026, 6, 1, 8, 0))
    response = admin_client.post(f"/admin/catalogue/series/{series.pk}/change/",
                                 _series_form(series, key_dates, {release.pk: moved}))
    assert response.status_code == 302, response.content.decode()[:2000]
    release.refresh_from_db()
    assert release.at == moved
    event = AuditEvent.objects.get(action=AuditAction.SERIES_KEY_DATE_SET)
    assert event.before["at"].startswith("2026-08-13") and event.after["at"].startswith("2026-06-01")
    assert event.actor_label == "root" and event.awarding_organisation_id == world.ao.pk
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGED).count() == 1


def test_results_claims_registrations_and_keys_cannot_be_edited_in_the_admin(admin_client, world):
    result = UnitResult.objects.get(registration=world.registration)
    token, _ = api_token_create(actor=None, user=world.teacher_a, name="MIS")
    for path in (f"/admin/assessment/unitresult/{result.pk}/change/",
                 f"/admin/learners/registration/{world.registration.pk}/change/",
                 f"/admin/accounts/apitoken/{token.pk}/change/"):
        assert admin_client.get(path).status_code == 200  # shown
        assert admin_client.post(path, {"grade": "D", "user": world.exams_officer_b.pk}
                                 ).status_code == 403  # but not changed
    result.refresh_from_db()
    token.refresh_from_db()
    assert result.grade == "M" and token.user == world.teacher_a
    for path in ("/admin/assessment/unitresult/add/", "/admin/awarding/claim/add/",
                 f"/admin/assessment/unitresult/{result.pk}/delete/"):
        assert admin_client.get(path).status_code == 403


def test_an_api_key_is_revoked_in_the_admin_by_an_audited_action(admin_client, world):
    token, secret = api_token_create(actor=None, user=world.teacher_a, name="MIS")
    assert api_token_authenticate(secret=secret) == world.teacher_a
    response = admin_client.post("/admin/accounts/apitoken/", {
        "action": "revoke", "_selected_action": [token.pk],
    })
    assert response.status_code == 302
    assert api_token_authenticate(secret=secret) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.actor_label == "root" and token.prefix in event.summary


def test_a_user_changed_in_the_admin_is_audited(admin_client, world):
    user = world.teacher_a
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "username": user.username, "first_name": "Tess", "last_name": "", "email": "",
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        "memberships-MIN_NUM_FORMS": 0, "memberships-MAX_NUM_FORMS": 1000,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED)
    assert "teacher_a" in event.summary and event.after["admin"]
