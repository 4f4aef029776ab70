"""API keys: made and revoked by their holder, working until they expire, read-only if asked."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import ApiToken, AuditEvent
from resultsday.accounts.services import api_token_create
from resultsday.testing import World, check_page, get_page


def _post_page(client, data: dict) -> str:
    response = client.post("/account/api-keys/", data)
    assert response.status_code == 200
    page = response.content.decode()
    check_page(page, "/account/api-keys/")
    return page


def _make_key(client, **data) -> str:
    page = _post_page(client, data)
    found = re.search(r'id="api-key-secret">(rd_[^<]+)<', page)
    assert found, page
    return found.group(1)


def _call(client, secret: str, method: str = "get", path: str = "/api/v1/centres/10001/learners"):
    return getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {secret}",
                                   content_type="application/json")


def test_a_user_makes_a_key_sees_it_once_and_it_works_until_it_expires(client, world: World):
    client.force_login(world.exams_officer_a)
    secret = _make_key(client, name="SIMS import", lifetime="30")
    token = ApiToken.objects.get(user=world.exams_officer_a)
    assert token.name == "SIMS import" and token.read_only is False
    assert secret not in get_page(client, "/account/api-keys/").content.decode()  # shown once
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED).exists()
    client.logout()
    assert _call(client, secret).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert _call(client, secret).status_code == 401


def test_a_read_only_key_reads_but_cannot_change_anything(client, world: World):
    _, secret = api_token_create(actor=None, user=world.exams_officer_a, name="Export",
                                 read_only=True)
    assert _call(client, secret).status_code == 200
    response = _call(client, secret, "post",
                     f"/api/v1/centres/10001/registrations/{world.registration.pk}/withdraw")
    assert response.status_code == 403
    assert "can only read" in response.json()["error"]
    world.registration.refresh_from_db()
    assert world.registration.status != "withdrawn"


def test_a_holder_revokes_their_own_key_and_nobody_else_can(client, world: World):
    token, secret = api_token_create(actor=None, user=world.exams_officer_a, name="Old MIS")
    client.force_login(world.exams_officer_b)
    assert client.post(f"/account/api-keys/{token.pk}/revoke/").status_code == 404
    assert client.get(f"/account/api-keys/{token.pk}/revoke/").status_code in (404, 405)
    assert "Old MIS" not in get_page(client, "/account/api-keys/").content.decode()
    client.force_login(world.exams_officer_a)
    assert "Old MIS" in get_page(client, "/account/api-keys/").content.decode()
    response = client.post(f"/account/api-keys/{token.pk}/revoke/")
    assert response.status_code == 302
    assert AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED).actor_label == "eo_a"
    client.logout()
    assert _call(client, secret).status_code == 401


def test_a_key_without_a_name_is_refused_with_what_to_do(client, world: World):
    client.force_login(world.teacher_a)
    page = _post_page(client, {"name": "", "lifetime": "90"})
    assert "Enter what the key is for" in page and not ApiToken.objects.exists()


def test_a_learner_cannot_make_an_api_key(client, world: World):
    """A key would outlive the withdrawal of the access code used to sign in."""
    client.force_login(world.learner_user)
    assert client.get("/account/api-keys/").status_code == 403
    assert client.post("/account/api-keys/", {"name": "x", "lifetime": "365"}).status_code == 403
    assert not ApiToken.objects.exists()
    assert "/account/api-keys/" not in get_page(client, "/my/").content.decode()
    client.force_login(world.teacher_a)
    assert "/account/api-keys/" in get_page(client, "/centres/10001/").content.decode()
