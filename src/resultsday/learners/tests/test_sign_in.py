"""Learners sign in: by the centre's email invitation, or with ULN, date of birth and access code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.learners.models import Learner, LearnerAccessCode, LearnerInvitation
from resultsday.learners.sign_in import LOCKED, WRONG_DETAILS, learner_access_code_issue
from resultsday.testing import World, get_page, make_centre, make_learner, valid_uln

PASSWORD = "a long learner password 2026"


@pytest.fixture
def mary(world: World) -> Learner:
    """A learner at centre A with no account yet."""
    return make_learner(world.centre_a, first_name="Mary", last_name="Somerville")


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def invite(client: Client, world: World, learner: Learner, email: str = "mary@example.com") -> str:
    """The exams officer invites the learner; returns the link from the email."""
    client.force_login(world.exams_officer_a)
    # The email goes once the invitation is committed.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/learners/{learner.pk}/invite/", {"email": email})
    assert response.status_code == 302
    client.logout()
    link = re.search(r"http://testserver(/invitation/\S+/)", mail.outbox[-1].body)
    assert link is not None
    return link.group(1)


def sign_in_with_code(client: Client, learner: Learner, code: str, **changes: str):  # type: ignore[no-untyped-def]
    data = {"uln": learner.uln, "date_of_birth": learner.date_of_birth.strftime("%d/%m/%Y"),
            "access_code": code}
    data.update(changes)
    return client.post("/my/sign-in/", data)


# ---- invitations ---------------------------------------------------------------------------


def test_an_invited_learner_creates_a_password_and_sees_their_page(client, world, mary) -> None:
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/learners/{mary.pk}/").content.decode()
    assert f"/learners/{mary.pk}/invite/" in page
    get_page(client, f"/learners/{mary.pk}/invite/")
    link = invite(client, world, mary)
    assert mail.outbox[0].to == ["mary@example.com"]
    assert "Centre 10001" in mail.outbox[0].subject

    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/invitation/"
    page = get_page(client, "/invitation/").content.decode()
    assert "mary@example.com" in page and link not in page
    mismatch = client.post("/invitation/", {"password": PASSWORD, "password_again": "other"})
    assert "Enter the same password twice" in mismatch.content.decode()
    weak = client.post("/invitation/", {"password": "12345678", "password_again": "12345678"})
    assert "<title>Error: " in weak.content.decode()
    response = client.post("/invitation/", {"password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/my/"
    get_page(client, "/my/")

    mary.refresh_from_db()
    assert mary.user is not None and mary.user.username == "mary@example.com"
    assert mary.user.check_password(PASSWORD)
    assert {AuditAction.LEARNER_INVITED, AuditAction.LEARNER_INVITATION_ACCEPTED,
            AuditAction.LOGIN} <= set(actions())
    client.logout()
    assert client.login(username="mary@example.com", password=PASSWORD)


def test_an_invitation_link_works_only_once(client, world, mary) -> None:
    link = invite(client, world, mary)
    client.get(link)
    client.post("/invitation/", {"password": PASSWORD, "password_again": PASSWORD})
    client.logout()
    page = get_page(client, link, status=404).content.decode()
    assert "This link does not work any more" in page


def test_an_invitation_link_expires_after_a_week(client, world, mary) -> None:
    link = invite(client, world, mary)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        get_page(client, link, status=404)
    assert LearnerInvitation.objects.get().used_at is None


def test_an_invitation_that_expires_while_the_page_is_open_is_refused(client, world, mary) -> None:
    link = invite(client, world, mary)
    client.get(link)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        response = client.post("/invitation/", {"password": PASSWORD, "password_again": PASSWORD})
    assert response.status_code == 404
    mary.refresh_from_db()
    assert mary.user is None


def test_a_new_invitation_stops_the_old_one_working(client, world, mary) -> None:
    old = invite(client, world, mary, "old@example.com")
    new = invite(client, world, mary, "new@example.com")
    get_page(client, old, status=404)
    assert client.get(new).status_code == 302


def test_only_a_hash_of_the_invitation_token_is_stored(client, world, mary) -> None:
    link = invite(client, world, mary)
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = LearnerInvitation.objects.get()
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64


def test_an_unknown_invitation_link_does_not_work(client, world) -> None:
    get_page(client, "/invitation/not-a-real-token/", status=404)
    get_page(client, "/invitation/", status=404)


def test_the_invite_page_asks_for_a_real_email_address(client, world, mary) -> None:
    client.force_login(world.exams_officer_a)
    page = client.post(f"/learners/{mary.pk}/invite/", {"email": "not an email"}).content.decode()
    assert "Enter an email address in the correct format" in page
    assert not LearnerInvitation.objects.exists() and not mail.outbox


def test_an_email_address_used_by_another_account_cannot_be_taken(client, world, mary) -> None:
    world.exams_officer_a.username = "taken@example.com"
    world.exams_officer_a.save()
    link = invite(client, world, mary, email="Taken@example.com")
    client.get(link)
    page = client.post(
        "/invitation/", {"password": PASSWORD, "password_again": PASSWORD}
    ).content.decode()
    assert "already used by another account" in page
    mary.refresh_from_db()
    assert mary.user is None


@pytest.mark.parametrize("persona", ["teacher_a", "head_of_centre_a", "learner_user"])
def test_only_the_exams_officer_invites_learners_and_makes_codes(client, world, persona) -> None:
    client.force_login(getattr(world, persona))
    get_page(client, f"/learners/{world.learner.pk}/invite/", status=403)
    assert client.post(f"/learners/{world.learner.pk}/access-code/").status_code == 403
    assert not LearnerAccessCode.objects.exists()


# ---- access codes --------------------------------------------------------------------------


def test_the_exams_officer_makes_a_code_shown_once_and_the_learner_signs_in(
    client, world, mary
) -> None:
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/learners/{mary.pk}/access-code/").content.decode()
    assert "has no access code yet" in page and not LearnerAccessCode.objects.exists()
    page = client.post(f"/learners/{mary.pk}/access-code/").content.decode()
    code = re.search(r'class="rd-access-code">([A-Z0-9-]{14})<', page).group(1)  # type: ignore[union-attr]
    assert "not shown again" in page
    stored = LearnerAccessCode.objects.get(learner=mary)
    assert code not in stored.code_hash and code.replace("-", "") not in stored.code_hash
    assert code not in get_page(client, f"/learners/{mary.pk}/access-code/").content.decode()
    client.logout()

    get_page(client, "/my/sign-in/")
    response = sign_in_with_code(client, mary, code.lower().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == "/my/"
    get_page(client, "/my/")
    mary.refresh_from_db()
    assert mary.user is not None and not mary.user.has_usable_password()
    assert [
        a for a in actions() if a in {AuditAction.LEARNER_ACCESS_CODE_ISSUED, AuditAction.LOGIN}
    ][-2:] == [AuditAction.LEARNER_ACCESS_CODE_ISSUED, AuditAction.LOGIN]
    # Signing in again uses the same account.
    client.logout()
    sign_in_with_code(client, mary, code)
    assert Learner.objects.get(pk=mary.pk).user_id == mary.user.pk


@pytest.mark.parametrize(
    "changes",
    [
        {"access_code": "ABCD-EFGH-JKMN"},
        {"date_of_birth": "02/02/2002"},
        {"uln": valid_uln(987_654)},
    ],
    ids=["wrong code", "wrong date of birth", "unknown ULN"],
)
def test_a_wrong_detail_gets_one_message_that_does_not_say_which(
    client, world, mary, changes
) -> None:
    code = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    response = sign_in_with_code(client, mary, code, **changes)
    page = response.content.decode()
    assert response.status_code == 200
    assert WRONG_DETAILS in page and "<title>Error: " in page
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).get()
    assert event.actor is None and code not in event.summary


def test_a_badly_formed_uln_is_refused_before_any_check(client, world, mary) -> None:
    page = sign_in_with_code(client, mary, "ABCD", uln="12345").content.decode()
    assert "Enter a ULN of 10 digits" in page
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()


def test_five_wrong_tries_lock_the_uln_for_fifteen_minutes(client, world, mary) -> None:
    code = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert WRONG_DETAILS in sign_in_with_code(client, mary, "WRONG").content.decode()
        assert LOCKED in sign_in_with_code(client, mary, "WRONG").content.decode()
        # Locked: even the right code is refused, with the same message.
        assert LOCKED in sign_in_with_code(client, mary, code).content.decode()
        assert "_auth_user_id" not in client.session
    assert actions().count(AuditAction.LOGIN_LOCKED_OUT) == 2
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert sign_in_with_code(client, mary, code).status_code == 302


def test_a_lockout_is_the_same_for_a_uln_nobody_has(client, world) -> None:
    stranger = make_learner(world.centre_b)
    uln = stranger.uln
    stranger.delete()
    data = {"uln": uln, "date_of_birth": "01/01/2008", "access_code": "WRONG"}
    pages = [client.post("/my/sign-in/", data).content.decode() for _ in range(5)]
    assert WRONG_DETAILS in pages[0] and LOCKED in pages[-1]


def test_a_new_code_replaces_the_old_one(client, world, mary) -> None:
    old = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    new = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    assert WRONG_DETAILS in sign_in_with_code(client, mary, old).content.decode()
    assert sign_in_with_code(client, mary, new).status_code == 302


def test_each_centres_code_opens_only_its_own_record_of_a_learner(client, world, mary) -> None:
    other_centre = make_centre("30003", world.ao)
    twin = make_learner(other_centre, first_name="Mary", last_name="Somerville")
    Learner.objects.filter(pk=twin.pk).update(uln=mary.uln, date_of_birth=mary.date_of_birth)
    learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    twin_code = learner_access_code_issue(actor=world.exams_officer_a, learner=twin)
    assert sign_in_with_code(client, mary, twin_code).status_code == 302
    twin.refresh_from_db()
    mary.refresh_from_db()
    assert twin.user is not None and mary.user is None


def test_the_sign_in_forms_need_the_csrf_token(world, mary) -> None:
    code = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    client = Client(enforce_csrf_checks=True)
    assert sign_in_with_code(client, mary, code).status_code == 403
    assert client.post("/invitation/", {"password": PASSWORD}).status_code == 403


def test_the_ordinary_sign_in_page_points_learners_to_the_code_sign_in(client, world) -> None:
    assert "/my/sign-in/" in get_page(client, "/sign-in/").content.decode()
