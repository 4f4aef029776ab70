"""The exams officer makes access codes for a class and prints slips; cancels and withdraws."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client, TestCase, override_settings

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.accounts.services import api_token_create
from resultsday.learners.choices import InvitationRevoked, RegistrationStatus
from resultsday.learners.models import Learner, LearnerAccessCode, LearnerInvitation
from resultsday.learners.sign_in import (
    WRONG_DETAILS,
    LearnerSignInError,
    access_code_normalise,
    learner_access_code_issue,
    learner_access_codes_issue,
    learner_sign_in_with_code,
)
from resultsday.testing import (
    World,
    check_page,
    get_page,
    make_learner,
    make_qualification,
    make_registration,
    make_series,
)

SLIP = re.compile(
    r'<section class="rd-slip".*?<dt>ULN</dt><dd>(\d{10})</dd>.*?'
    r'class="rd-access-code">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<',
    re.S,
)


@pytest.fixture
def tutor_group(world: World) -> list[Learner]:
    """Three more learners at centre A, registered in the world's series."""
    learners = [
        make_learner(world.centre_a, first_name=first, last_name=last)
        for first, last in [("Mary", "Somerville"), ("Alan", "Turing"), ("Ida", "Wells")]
    ]
    for learner in learners:
        make_registration(learner, world.qualification, world.registration.series)
    return learners


def page_url(world: World) -> str:
    return f"/centres/{world.centre_a.number}/access-codes/"


def make_codes(client: Client, world: World, learners: list[Learner], query: str = ""):  # type: ignore[no-untyped-def]
    return client.post(page_url(world) + query, {"learner": [learner.pk for learner in learners]})


def slips(html: str) -> dict[str, str]:
    """The code on each slip, by the ULN printed on it."""
    return dict(SLIP.findall(html))


def actions(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# ---- codes for a class ---------------------------------------------------------------------


def test_the_exams_officer_makes_codes_for_a_class_and_each_slip_signs_its_learner_in(
    client, world, tutor_group
) -> None:
    client.force_login(world.exams_officer_a)
    assert page_url(world) in get_page(
        client, f"/centres/{world.centre_a.number}/learners/"
    ).content.decode()
    page = get_page(client, page_url(world)).content.decode()
    for learner in tutor_group:
        assert f'name="learner" value="{learner.pk}"' in page

    response = make_codes(client, world, tutor_group)
    assert response.status_code == 200
    html = response.content.decode()
    check_page(html)
    assert "cannot be shown again" in html
    assert "no-store" in response["Cache-Control"]
    assert "http://testserver/my/sign-in/" in html
    codes = slips(html)
    assert set(codes) == {learner.uln for learner in tutor_group}
    for learner in tutor_group:
        assert learner.full_name in html and learner.candidate_number in html
        # Not the date of birth: with the slip, it is what the learner proves they are.
        assert learner.date_of_birth.strftime("%d/%m/%Y") not in html
        assert f"{learner.date_of_birth:%-d %B %Y}" not in html
        user = learner_sign_in_with_code(
            uln=learner.uln, date_of_birth=learner.date_of_birth, code=codes[learner.uln]
        )
        assert Learner.objects.get(pk=learner.pk).user_id == user.pk

    client.logout()
    mary = tutor_group[0]
    response = client.post("/my/sign-in/", {
        "uln": mary.uln, "date_of_birth": mary.date_of_birth.strftime("%d/%m/%Y"),
        "access_code": codes[mary.uln],
    })
    assert response.status_code == 302 and response["Location"] == "/my/"


def test_it_writes_an_audit_event_per_learner_and_one_for_the_class_without_the_codes(
    client, world, tutor_group
) -> None:
    learner_access_code_issue(actor=world.exams_officer_a, learner=tutor_group[0])
    client.force_login(world.exams_officer_a)
    codes = slips(make_codes(client, world, tutor_group).content.decode())

    per_learner = actions(AuditAction.LEARNER_ACCESS_CODE_ISSUED)[1:]
    assert [e.object_id for e in per_learner] == [str(learner.pk) for learner in tutor_group]
    assert [e.after["replaced"] for e in per_learner] == [True, False, False]
    assert all(e.actor == world.exams_officer_a and e.centre == world.centre_a
               for e in per_learner)
    [summary] = actions(AuditAction.LEARNER_ACCESS_CODES_ISSUED)
    assert summary.after == {"learners": [learner.pk for learner in tutor_group], "replaced": 1}
    assert "3 learners" in summary.summary
    every_event = str(list(AuditEvent.objects.values_list("summary", "before", "after")))
    for code in codes.values():
        assert code not in every_event and access_code_normalise(code) not in every_event


def test_each_new_code_replaces_the_learners_earlier_one(client, world, tutor_group) -> None:
    mary = tutor_group[0]
    old = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    client.force_login(world.exams_officer_a)
    new = slips(make_codes(client, world, [mary]).content.decode())[mary.uln]
    assert LearnerAccessCode.objects.filter(learner=mary).count() == 1
    with pytest.raises(LearnerSignInError):
        learner_sign_in_with_code(uln=mary.uln, date_of_birth=mary.date_of_birth, code=old)
    learner_sign_in_with_code(uln=mary.uln, date_of_birth=mary.date_of_birth, code=new)


def test_codes_are_never_logged(client, world, tutor_group, caplog) -> None:
    client.force_login(world.exams_officer_a)
    with caplog.at_level(logging.DEBUG):
        codes = slips(make_codes(client, world, tutor_group).content.decode())
    for code in codes.values():
        assert code not in caplog.text and access_code_normalise(code) not in caplog.text


def test_the_list_filters_by_series_and_qualification_and_by_having_no_code(
    client, world, tutor_group
) -> None:
    mary, alan, ida = tutor_group
    other_series = make_series(world.ao, "2027-06")
    other_qualification = make_qualification(world.ao, qn="601/7158/5", size_glh=360)
    next_year = make_learner(world.centre_a, first_name="Next", last_name="Year")
    make_registration(next_year, other_qualification, other_series)
    withdrawn = make_learner(world.centre_a, first_name="Gone", last_name="Away")
    make_registration(withdrawn, world.qualification, world.registration.series,
                      status=RegistrationStatus.WITHDRAWN)
    learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    client.force_login(world.exams_officer_a)

    def listed(query: str) -> set[int]:
        html = get_page(client, page_url(world) + query).content.decode()
        return {int(pk) for pk in re.findall(r'name="learner" value="(\d+)"', html)}

    everyone = {world.learner.pk, mary.pk, alan.pk, ida.pk, next_year.pk, withdrawn.pk}
    assert listed("") == everyone
    this_year = {world.learner.pk, mary.pk, alan.pk, ida.pk}
    assert listed(f"?series={world.registration.series_id}") == this_year
    assert listed(f"?series={other_series.pk}") == {next_year.pk}
    assert listed(f"?qualification={other_qualification.pk}") == {next_year.pk}
    assert listed(f"?series={world.registration.series_id}&without_code=on") == (
        this_year - {mary.pk}
    )
    # "Select all" without JavaScript ticks every learner listed.
    html = get_page(client, page_url(world) + f"?series={other_series.pk}&select=all")
    assert f'value="{next_year.pk}" id="learner-{next_year.pk}" checked' in html.content.decode()
    # Another centre's series is not offered, and a made-up one is refused.
    html = get_page(client, page_url(world) + "?series=999999").content.decode()
    assert "Select a series from the list" in html


def test_learners_without_a_uln_are_listed_apart_and_get_no_code(
    client, world, tutor_group
) -> None:
    mary = tutor_group[0]
    Learner.objects.filter(pk=mary.pk).update(uln="")
    client.force_login(world.exams_officer_a)
    html = get_page(client, page_url(world)).content.decode()
    assert "1 learner has no ULN" in html
    assert f'/learners/{mary.pk}/amend/' in html
    assert f'name="learner" value="{mary.pk}"' not in html

    response = make_codes(client, world, tutor_group)
    assert "cannot be given an access code" in response.content.decode()
    assert not LearnerAccessCode.objects.exists()


def test_an_empty_selection_is_refused(client, world, tutor_group) -> None:
    client.force_login(world.exams_officer_a)
    html = client.post(page_url(world), {}).content.decode()
    assert "<title>Error: " in html
    assert "Select at least one learner to make access codes for" in html
    assert 'href="#id_learner"' in html and 'id="id_learner"' in html
    check_page(html)
    assert not LearnerAccessCode.objects.exists()


def test_more_than_the_limit_at_once_is_refused(client, world, tutor_group, monkeypatch) -> None:
    monkeypatch.setattr("resultsday.learners.sign_in.ACCESS_CODES_AT_ONCE", 2)
    monkeypatch.setattr("resultsday.learners.views.ACCESS_CODES_AT_ONCE", 2)
    client.force_login(world.exams_officer_a)
    assert "at most 2 at a time" in get_page(client, page_url(world)).content.decode()
    html = make_codes(client, world, tutor_group).content.decode()
    assert "You selected 3 learners. Make access codes for at most 2 at a time" in html
    # The ticks stay, so the officer can untick some.
    assert f'value="{tutor_group[0].pk}" id="learner-{tutor_group[0].pk}" checked' in html
    assert not LearnerAccessCode.objects.exists()
    assert make_codes(client, world, tutor_group[:2]).status_code == 200
    assert LearnerAccessCode.objects.count() == 2


def test_another_centres_learner_cannot_be_chosen_even_by_tampering(
    client, world, tutor_group
) -> None:
    client.force_login(world.exams_officer_a)
    html = make_codes(client, world, [tutor_group[0], world.learner_b]).content.decode()
    assert "cannot be given an access code" in html
    html = client.post(page_url(world), {"learner": ["1; drop table", "-1"]}).content.decode()
    assert "Select learners from the list" in html
    assert not LearnerAccessCode.objects.exists()
    assert not actions(AuditAction.LEARNER_ACCESS_CODE_ISSUED)


def test_the_service_refuses_learners_of_another_centre_or_without_a_uln(world) -> None:
    with pytest.raises(ValueError):
        learner_access_codes_issue(actor=world.exams_officer_a, centre=world.centre_a,
                                   learners=[world.learner, world.learner_b])
    Learner.objects.filter(pk=world.learner.pk).update(uln="")
    world.learner.refresh_from_db()
    with pytest.raises(ValueError):
        learner_access_codes_issue(actor=world.exams_officer_a, centre=world.centre_a,
                                   learners=[world.learner])
    with pytest.raises(LearnerSignInError):
        learner_access_codes_issue(actor=world.exams_officer_a, centre=world.centre_a,
                                   learners=[])
    assert not LearnerAccessCode.objects.exists()


@pytest.mark.parametrize("persona", ["teacher_a", "head_of_centre_a", "learner_user", "regulator"])
def test_only_the_exams_officer_of_the_centre_makes_codes(client, world, persona) -> None:
    client.force_login(getattr(world, persona))
    get_page(client, page_url(world), status=403)
    assert make_codes(client, world, [world.learner]).status_code == 403
    assert not LearnerAccessCode.objects.exists()


def test_the_exams_officer_of_another_centre_gets_not_found(client, world) -> None:
    client.force_login(world.exams_officer_b)
    get_page(client, page_url(world), status=404)
    assert make_codes(client, world, [world.learner]).status_code == 404
    assert not LearnerAccessCode.objects.exists()


def test_codes_for_a_class_are_made_with_a_few_queries_however_many_learners(
    client, world, django_assert_max_num_queries
) -> None:
    group = [make_learner(world.centre_a, last_name=f"Learner {n}") for n in range(40)]
    client.force_login(world.exams_officer_a)
    with django_assert_max_num_queries(20):
        response = make_codes(client, world, group)
    assert len(slips(response.content.decode())) == 40


# ---- the hasher ----------------------------------------------------------------------------


def test_codes_are_stored_with_the_access_code_hasher(world) -> None:
    learner_access_code_issue(actor=world.exams_officer_a, learner=world.learner)
    stored = LearnerAccessCode.objects.get().code_hash
    assert stored.startswith("pbkdf2_sha256_code$1000$")


@override_settings(PASSWORD_HASHERS=[
    *global_settings.PASSWORD_HASHERS, "resultsday.learners.hashers.AccessCodeHasher"
])
def test_a_code_stored_before_the_access_code_hasher_still_works_and_is_rehashed(world) -> None:
    learner = world.learner
    # As codes were stored before: by Django's default password hasher.
    LearnerAccessCode.objects.create(
        learner=learner, code_hash=make_password("ABCDEFGHJKMN"), issued_at=world.learner.created_at,
    )
    assert LearnerAccessCode.objects.get().code_hash.startswith("pbkdf2_sha256$")
    learner_sign_in_with_code(uln=learner.uln, date_of_birth=learner.date_of_birth,
                              code="ABCD-EFGH-JKMN")
    assert LearnerAccessCode.objects.get().code_hash.startswith("pbkdf2_sha256_code$")
    learner_sign_in_with_code(uln=learner.uln, date_of_birth=learner.date_of_birth,
                              code="ABCD-EFGH-JKMN")


# ---- cancelling an invitation --------------------------------------------------------------


def invite(client: Client, world: World, learner: Learner, email: str) -> str:
    client.force_login(world.exams_officer_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/learners/{learner.pk}/invite/", {"email": email})
    link = re.search(r"http://testserver(/invitation/\S+/)", mail.outbox[-1].body)
    assert link is not None
    return link.group(1)


def test_the_exams_officer_cancels_an_invitation_and_its_link_stops_working(
    client, world, tutor_group
) -> None:
    mary = tutor_group[0]
    link = invite(client, world, mary, "wrong@example.com")
    page = get_page(client, f"/learners/{mary.pk}/invite/").content.decode()
    assert f"/learners/{mary.pk}/invite/cancel/" in page
    page = get_page(client, f"/learners/{mary.pk}/invite/cancel/").content.decode()
    assert "wrong@example.com" in page
    invitation = LearnerInvitation.objects.get()

    response = client.post(f"/learners/{mary.pk}/invite/cancel/", {"invitation": invitation.pk})
    assert response.status_code == 302 and response["Location"] == f"/learners/{mary.pk}/invite/"
    page = get_page(client, response["Location"]).content.decode()
    assert "is cancelled" in page and "Cancelled " in page
    invitation.refresh_from_db()
    assert invitation.revoked_because == InvitationRevoked.CANCELLED
    [event] = actions(AuditAction.LEARNER_INVITATION_CANCELLED)
    assert event.actor == world.exams_officer_a and event.centre == world.centre_a
    assert "wrong@example.com" in event.summary

    client.logout()
    get_page(client, link, status=404)
    # Cancelling it again does nothing more.
    client.force_login(world.exams_officer_a)
    client.post(f"/learners/{mary.pk}/invite/cancel/", {"invitation": invitation.pk})
    assert len(actions(AuditAction.LEARNER_INVITATION_CANCELLED)) == 1
    assert "no invitation to cancel" in get_page(
        client, f"/learners/{mary.pk}/invite/cancel/").content.decode()


def test_a_used_invitation_cannot_be_cancelled(client, world, tutor_group) -> None:
    mary = tutor_group[0]
    link = invite(client, world, mary, "mary@example.com")
    invitation = LearnerInvitation.objects.get()
    client.logout()
    client.get(link)
    password = "a long learner password 2026"
    client.post("/invitation/", {"password": password, "password_again": password})
    client.force_login(world.exams_officer_a)
    response = client.post(f"/learners/{mary.pk}/invite/cancel/", {"invitation": invitation.pk},
                           follow=True)
    assert "nothing to cancel" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.revoked_at is None


def test_a_replaced_invitation_says_so_and_another_centres_cannot_be_cancelled(
    client, world
) -> None:
    invite(client, world, world.learner, "old@example.com")
    invite(client, world, world.learner, "new@example.com")
    old = LearnerInvitation.objects.get(email="old@example.com")
    assert old.revoked_because == InvitationRevoked.REPLACED
    page = get_page(client, f"/learners/{world.learner.pk}/invite/").content.decode()
    assert "Replaced by a newer invitation" in page
    # Another learner's invitation id, posted for this learner, is not cancelled.
    other = make_learner(world.centre_a, first_name="Other")
    invite(client, world, other, "other@example.com")
    theirs = LearnerInvitation.objects.get(email="other@example.com")
    client.post(f"/learners/{world.learner.pk}/invite/cancel/", {"invitation": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.force_login(world.exams_officer_b)
    response = client.post(f"/learners/{world.learner.pk}/invite/cancel/",
                           {"invitation": LearnerInvitation.objects.get(
                               email="new@example.com").pk})
    assert response.status_code == 404
    assert LearnerInvitation.objects.get(email="new@example.com").revoked_at is None


# ---- withdrawing an access code ------------------------------------------------------------


def test_the_exams_officer_withdraws_a_code_and_it_stops_working(
    client, world, tutor_group
) -> None:
    mary = tutor_group[0]
    code = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/learners/{mary.pk}/access-code/").content.decode()
    assert f"/learners/{mary.pk}/access-code/withdraw/" in page
    get_page(client, f"/learners/{mary.pk}/access-code/withdraw/")
    response = client.post(f"/learners/{mary.pk}/access-code/withdraw/")
    assert response["Location"] == f"/learners/{mary.pk}/access-code/"
    page = get_page(client, response["Location"]).content.decode()
    assert "is withdrawn" in page and "has no access code yet" in page
    assert not LearnerAccessCode.objects.exists()
    [event] = actions(AuditAction.LEARNER_ACCESS_CODE_WITHDRAWN)
    assert event.actor == world.exams_officer_a and event.object_id == str(mary.pk)

    with pytest.raises(LearnerSignInError) as refused:
        learner_sign_in_with_code(uln=mary.uln, date_of_birth=mary.date_of_birth, code=code)
    assert refused.value.message == WRONG_DETAILS
    response = client.post(f"/learners/{mary.pk}/access-code/withdraw/", follow=True)
    assert "has no access code to withdraw" in response.content.decode()
    assert len(actions(AuditAction.LEARNER_ACCESS_CODE_WITHDRAWN)) == 1


def test_withdrawing_a_code_signs_out_whoever_signed_in_with_it(world, tutor_group) -> None:
    mary = tutor_group[0]
    code = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    finder = Client()
    response = finder.post("/my/sign-in/", {
        "uln": mary.uln, "date_of_birth": mary.date_of_birth.strftime("%d/%m/%Y"),
        "access_code": code,
    })
    assert response.status_code == 302
    get_page(finder, "/my/")
    officer = Client()
    officer.force_login(world.exams_officer_a)
    officer.post(f"/learners/{mary.pk}/access-code/withdraw/")
    response = finder.get("/my/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_a_new_code_signs_out_whoever_signed_in_with_the_old_one(world, tutor_group) -> None:
    """"If it is lost, make a new one": the finder of the lost slip must not stay signed in."""
    mary = tutor_group[0]
    code = learner_access_code_issue(actor=world.exams_officer_a, learner=mary)
    finder = Client()
    finder.post("/my/sign-in/", {
        "uln": mary.uln, "date_of_birth": mary.date_of_birth.strftime("%d/%m/%Y"),
        "access_code": code,
    })
    get_page(finder, "/my/")
    mary.refresh_from_db()
    _, secret = api_token_create(actor=None, user=mary.user, name="results app")  # as an app
    learner_access_codes_issue(actor=world.exams_officer_a, centre=world.centre_a, learners=[mary])
    response = finder.get("/my/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert finder.get("/api/v1/my/results").status_code == 401
    assert Client().get("/api/v1/my/results", HTTP_AUTHORIZATION=f"Bearer {secret}"
                        ).status_code == 401  # the key made meanwhile is revoked too


def test_withdrawing_a_code_keeps_a_learners_own_password(world) -> None:
    learner_access_code_issue(actor=world.exams_officer_a, learner=world.learner)
    client = Client()
    assert client.login(username="learner", password="correct horse battery staple")
    officer = Client()
    officer.force_login(world.exams_officer_a)
    officer.post(f"/learners/{world.learner.pk}/access-code/withdraw/")
    get_page(client, "/my/")


@pytest.mark.parametrize("persona", ["teacher_a", "head_of_centre_a", "learner_user"])
def test_only_the_exams_officer_cancels_and_withdraws(client, world, persona) -> None:
    learner_access_code_issue(actor=world.exams_officer_a, learner=world.learner)
    client.force_login(getattr(world, persona))
    get_page(client, f"/learners/{world.learner.pk}/access-code/withdraw/", status=403)
    assert client.post(f"/learners/{world.learner.pk}/access-code/withdraw/").status_code == 403
    get_page(client, f"/learners/{world.learner.pk}/invite/cancel/", status=403)
    assert client.post(f"/learners/{world.learner.pk}/invite/cancel/").status_code == 403
    client.force_login(world.exams_officer_b)
    assert client.post(f"/learners/{world.learner.pk}/access-code/withdraw/").status_code == 404
    assert LearnerAccessCode.objects.exists()
