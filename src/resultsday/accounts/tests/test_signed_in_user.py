"""Who a request is signed in as, and what they may do, is read afresh on every request.

The session's user and an API key's user come with their memberships from one statement
(`accounts.access.user_with_principal`, `user_for_api_key`); nothing is kept between requests,
so each of these changes counts from the very next request.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resultsday.accounts.access import principal_for, user_with_principal
from resultsday.accounts.choices import Role
from resultsday.accounts.models import ApiToken, Membership
from resultsday.accounts.permissions import Permission
from resultsday.accounts.services import api_token_create
from resultsday.testing import World, make_centre


def test_a_signed_in_page_reads_the_user_and_their_memberships_in_one_query(
    client, world: World
) -> None:
    client.force_login(world.learner_user)
    client.get("/my/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/my/")
    assert response.status_code == 200
    assert sum("accounts_user" in q["sql"] for q in queries.captured_queries) == 1
    assert not any("accounts_membership" in q["sql"] and "accounts_user" not in q["sql"]
                   for q in queries.captured_queries)


def test_a_person_with_several_memberships_has_each_of_their_permissions(world: World) -> None:
    other = make_centre("30003", world.ao)
    Membership.objects.create(user=world.exams_officer_a, role=Role.TEACHER, centre=other)
    principal = principal_for(user_with_principal(user_id=world.exams_officer_a.pk))
    assert principal.centre_ids(Permission.CENTRE_LEARNERS_WRITE) == {world.centre_a.pk}
    assert principal.centre_ids(Permission.CENTRE_VIEW) == {world.centre_a.pk, other.pk}
    assert principal.learner_id is None


def test_a_learners_principal_carries_their_own_learner_record(world: World) -> None:
    user = user_with_principal(user_id=world.learner_user.pk)
    assert user is not None and user.get_username() == "learner"
    assert principal_for(user).learner_id == world.learner.pk
    assert principal_for(user).has(Permission.LEARNER_OWN_RESULTS_READ)


def test_a_password_change_signs_the_session_out_at_once(client, world: World) -> None:
    client.force_login(world.learner_user)
    assert client.get("/my/").status_code == 200
    world.learner_user.set_password("a different long password")
    world.learner_user.save()
    response = client.get("/my/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_deactivated_user_is_signed_out_at_once(client, world: World) -> None:
    client.force_login(world.learner_user)
    assert client.get("/my/").status_code == 200
    type(world.learner_user).objects.filter(pk=world.learner_user.pk).update(is_active=False)
    assert client.get("/my/").status_code == 302


def test_a_removed_membership_takes_its_permission_away_at_once(client, world: World) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/learners/"
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=world.exams_officer_a).delete()
    assert client.get(url).status_code == 403


def test_a_revoked_api_key_is_refused_at_once(client, world: World) -> None:
    token, secret = api_token_create(actor=None, user=world.learner_user, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/my/results", **auth).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = client.get("/api/v1/my/results", **auth)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_an_api_key_of_a_deactivated_user_is_refused_at_once(client, world: World) -> None:
    _, secret = api_token_create(actor=None, user=world.learner_user, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/my/results", **auth).status_code == 200
    type(world.learner_user).objects.filter(pk=world.learner_user.pk).update(is_active=False)
    assert client.get("/api/v1/my/results", **auth).status_code == 401


def test_an_api_key_records_when_it_was_last_used_to_the_hour(client, world: World) -> None:
    token, secret = api_token_create(actor=None, user=world.learner_user, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/my/results", **auth)
    token.refresh_from_db()
    first = token.last_used_at
    assert first == start and timezone.is_aware(first)
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        client.get("/api/v1/my/results", **auth)  # within the hour: no write
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        client.get("/api/v1/my/results", **auth)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(minutes=61)
