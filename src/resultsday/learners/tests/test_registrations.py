from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.catalogue.choices import KeyDateScope
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Learner, Registration
from resultsday.learners.services import (
    RegistrationError,
    learner_create,
    registration_create,
    registration_withdraw,
)
from resultsday.learners.tests.helpers import (
    new_learner_details,
    second_qualification,
    series_of,
    set_registration_deadline,
)
from resultsday.testing import get_page, make_qualification, make_series, valid_uln


def _new_learner_form(world, **changes):  # type: ignore[no-untyped-def]
    data = {
        "first_name": "Mary", "last_name": "Somerville", "date_of_birth": "06/05/2008",
        "candidate_number": "0900", "uln": valid_uln(900), "uci": "", "ucas_personal_id": "",
        "qualification": world.qualification.pk, "series": series_of(world).pk,
        "needs_result_to_progress": "on",
    }
    data.update(changes)
    return data


# ---- register a new learner --------------------------------------------------------------


def test_an_exams_officer_registers_a_new_learner_through_the_page(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/registrations/new/"
    get_page(client, url)
    response = client.post(url, _new_learner_form(world))
    learner = Learner.objects.get(centre=world.centre_a, candidate_number="0900")
    assert response.status_code == 302 and response["Location"] == f"/learners/{learner.pk}/"
    registration = learner.registrations.get()
    assert registration.qualification == world.qualification
    assert registration.needs_result_to_progress and not registration.ucas_applicant
    assert not registration.is_late
    actions = set(AuditEvent.objects.filter(centre=world.centre_a).values_list("action", flat=True))
    assert {AuditAction.LEARNER_CREATED, AuditAction.REGISTRATION_CREATED} <= actions
    page = get_page(client, f"/learners/{learner.pk}/").content.decode()
    assert "Mary Somerville is registered on" in page


def test_it_refuses_a_bad_uln_with_a_message_on_the_page_and_creates_nothing(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/registrations/new/"
    response = client.post(url, _new_learner_form(world, uln="12345"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "Enter a ULN of 10 digits (this has 5)" in page
    assert 'href="#id_uln"' in page
    assert not Learner.objects.filter(candidate_number="0900").exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("last_name", "S" * 150, "The surname is 150 characters long: enter 100 characters or fewer"),
    ("first_name", "F" * 101, "The forenames is 101 characters long: enter 100 characters or fewer"),
    ("last_name", "Smi\x07th", "The surname includes a control character (U+0007), which a name "
     "cannot contain: delete it and type the name again"),
])
def test_the_page_refuses_a_name_too_long_or_with_a_control_character_on_its_field(
    client, world, field, value, message
) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/registrations/new/"
    page = client.post(url, _new_learner_form(world, **{field: value})).content.decode()
    assert "<title>Error: " in page and f'href="#id_{field}"' in page
    assert message in page
    assert 'maxlength="100"' not in page  # a browser would cut a pasted name short unseen
    assert not Learner.objects.filter(candidate_number="0900").exists()


def test_amending_a_name_to_one_too_long_is_refused_and_nothing_changes(client, world) -> None:
    client.force_login(world.exams_officer_a)
    learner = world.learner
    response = client.post(f"/learners/{learner.pk}/amend/", {
        "first_name": learner.first_name, "last_name": "L" * 101,
        "date_of_birth": learner.date_of_birth.strftime("%d/%m/%Y"),
        "candidate_number": learner.candidate_number, "uln": learner.uln, "uci": learner.uci,
    })
    assert "The surname is 101 characters long: enter 100 characters or fewer" in (
        response.content.decode()
    )
    learner.refresh_from_db()
    assert learner.last_name == "Lovelace"


def test_the_qualification_select_offers_only_qualifications_of_the_centres_aos(
    client, world
) -> None:
    other = make_qualification(world.other_ao, qn="500/1522/9")
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/centres/{world.centre_a.number}/registrations/new/").content.decode()
    assert world.qualification.qn in page
    assert other.qn not in page


def test_it_refuses_a_second_learner_with_the_same_uln_at_the_centre(world) -> None:
    with pytest.raises(RegistrationError) as caught:
        learner_create(
            actor=world.exams_officer_a, centre=world.centre_a,
            details=new_learner_details(uln=world.learner.uln),
        )
    assert caught.value.field == "uln"
    assert caught.value.message.startswith("A learner with this ULN is already at this centre")


def test_the_same_uln_at_another_centre_is_not_a_duplicate(world) -> None:
    learner = learner_create(
        actor=world.exams_officer_b, centre=world.centre_b,
        details=new_learner_details(uln=world.learner.uln),
    )
    assert learner.uln == world.learner.uln


def test_it_asks_to_confirm_a_different_person_with_the_same_name_and_birthday(world) -> None:
    twin = new_learner_details(
        first_name=world.learner.first_name, last_name=world.learner.last_name.upper(),
        date_of_birth=world.learner.date_of_birth,
    )
    with pytest.raises(RegistrationError) as caught:
        learner_create(actor=world.exams_officer_a, centre=world.centre_a, details=twin)
    assert caught.value.field == "confirm_different_person"
    assert "confirm this is a different person" in caught.value.message
    learner = learner_create(
        actor=world.exams_officer_a, centre=world.centre_a, details=twin,
        confirmed_different_person=True,
    )
    assert learner.pk is not None


def test_a_new_learner_whose_registration_fails_is_not_kept(client, world) -> None:
    client.force_login(world.exams_officer_a)
    other_series = make_series(world.other_ao, "2026-06")
    response = client.post(
        f"/centres/{world.centre_a.number}/registrations/new/",
        _new_learner_form(world, series=other_series.pk),
    )
    assert response.status_code == 200
    assert "Select a series" in response.content.decode()
    assert not Learner.objects.filter(candidate_number="0900").exists()


# ---- register an existing learner --------------------------------------------------------


def test_an_exams_officer_registers_an_existing_learner_on_another_qualification(
    client, world
) -> None:
    bigger = second_qualification(world)
    client.force_login(world.exams_officer_a)
    url = f"/learners/{world.learner.pk}/registrations/new/"
    get_page(client, url)
    response = client.post(
        url, {"qualification": bigger.pk, "series": series_of(world).pk, "ucas_applicant": "on"}
    )
    assert response.status_code == 302
    registration = world.learner.registrations.get(qualification=bigger)
    assert registration.ucas_applicant and registration.centre == world.centre_a


def test_it_refuses_a_second_active_registration_on_the_same_qualification(client, world) -> None:
    client.force_login(world.exams_officer_a)
    response = client.post(
        f"/learners/{world.learner.pk}/registrations/new/",
        {"qualification": world.qualification.pk, "series": series_of(world).pk},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert (
        f"This learner is already registered on {world.qualification.title} "
        f"({world.qualification.qn})" in page
    )
    assert world.learner.registrations.count() == 1


def test_a_withdrawn_learner_can_be_registered_again(world) -> None:
    registration_withdraw(actor=None, registration=world.registration, reason="Left")
    again = registration_create(
        actor=None, learner=world.learner, qualification=world.qualification,
        series=series_of(world),
    )
    assert again.status == RegistrationStatus.ACTIVE


def test_it_refuses_a_qualification_of_an_ao_that_does_not_approve_the_centre(world) -> None:
    other = make_qualification(world.other_ao, qn="500/1522/9")
    with pytest.raises(RegistrationError) as caught:
        registration_create(
            actor=None, learner=world.learner, qualification=other,
            series=make_series(world.other_ao),
        )
    assert caught.value.message == (
        "Your centre is not approved by Other Awarding Organisation to offer 500/1522/9: "
        "select a qualification your centre is approved for"
    )


# ---- late registrations ----------------------------------------------------------------


def _register_bigger(world):  # type: ignore[no-untyped-def]
    return registration_create(
        actor=None, learner=world.learner, qualification=second_qualification(world),
        series=series_of(world),
    )


def test_a_registration_after_the_series_deadline_is_late(world) -> None:
    set_registration_deadline(series_of(world), dt.datetime(2025, 11, 1, 23, 59))
    with time_machine.travel(dt.datetime(2025, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        registration = _register_bigger(world)
    assert registration.is_late
    assert registration.registered_on == dt.date(2025, 11, 2)


def test_a_registration_before_the_series_deadline_is_on_time(world) -> None:
    set_registration_deadline(series_of(world), dt.datetime(2025, 11, 1, 23, 59))
    with time_machine.travel(dt.datetime(2025, 10, 31, 9, 0, tzinfo=dt.UTC), tick=False):
        assert not _register_bigger(world).is_late


def test_a_registration_in_a_series_without_a_deadline_is_never_late(world) -> None:
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        assert not _register_bigger(world).is_late


def test_a_deadline_for_the_qualifications_level_wins_over_the_general_one(world) -> None:
    set_registration_deadline(series_of(world), dt.datetime(2025, 11, 1))
    set_registration_deadline(series_of(world), dt.datetime(2026, 1, 1), KeyDateScope.LEVEL3)
    with time_machine.travel(dt.datetime(2025, 12, 1, tzinfo=dt.UTC), tick=False):
        assert not _register_bigger(world).is_late


# ---- withdraw ----------------------------------------------------------------------------


def test_an_exams_officer_withdraws_a_registration_giving_a_reason(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/registrations/{world.registration.pk}/withdraw/"
    get_page(client, url)
    blank = client.post(url, {"reason": ""})
    assert "Enter the reason for withdrawing the registration" in blank.content.decode()
    assert "<title>Error: " in blank.content.decode()
    response = client.post(url, {"reason": "Moved to an apprenticeship"})
    assert response.status_code == 302
    world.registration.refresh_from_db()
    assert world.registration.status == RegistrationStatus.WITHDRAWN
    event = AuditEvent.objects.get(action=AuditAction.REGISTRATION_WITHDRAWN)
    assert event.reason == "Moved to an apprenticeship"
    assert event.actor == world.exams_officer_a and event.centre == world.centre_a


def test_a_registration_cannot_be_withdrawn_twice(world) -> None:
    registration_withdraw(actor=None, registration=world.registration, reason="Left")
    with pytest.raises(RegistrationError, match="not active"):
        registration_withdraw(actor=None, registration=world.registration, reason="Again")
    assert AuditEvent.objects.filter(action=AuditAction.REGISTRATION_WITHDRAWN).count() == 1


# ---- amend -------------------------------------------------------------------------------


def test_an_exams_officer_amends_a_learners_details_and_the_change_is_audited(
    client, world
) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/learners/{world.learner.pk}/amend/"
    page = get_page(client, url).content.decode()
    assert world.learner.uln in page
    data = {
        "first_name": "Augusta Ada", "last_name": world.learner.last_name,
        "date_of_birth": world.learner.date_of_birth.strftime("%d/%m/%Y"),
        "candidate_number": world.learner.candidate_number, "uln": world.learner.uln,
        "uci": world.learner.uci, "ucas_personal_id": "", "reason": "Name on passport",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    world.learner.refresh_from_db()
    assert world.learner.first_name == "Augusta Ada"
    event = AuditEvent.objects.get(action=AuditAction.LEARNER_AMENDED)
    assert event.before == {"first_name": "Ada"} and event.after == {"first_name": "Augusta Ada"}
    assert event.reason == "Name on passport"


def test_a_saved_name_exam_files_cannot_carry_is_flagged_to_check(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/learners/{world.learner.pk}/amend/"
    data = {
        "first_name": "Zoë", "last_name": world.learner.last_name,
        "date_of_birth": world.learner.date_of_birth.strftime("%d/%m/%Y"),
        "candidate_number": world.learner.candidate_number, "uln": world.learner.uln,
        "uci": world.learner.uci, "ucas_personal_id": "", "reason": "Spelling",
    }
    response = client.post(url, data, follow=True)
    page = response.content.decode()
    world.learner.refresh_from_db()
    assert world.learner.first_name == "Zoë"  # saved as typed
    assert "details are saved" in page
    assert "The forenames includes ë, which exam data files cannot carry" in page


def test_amending_to_another_learners_candidate_number_is_refused(client, world) -> None:
    other = learner_create(actor=None, centre=world.centre_a, details=new_learner_details())
    client.force_login(world.exams_officer_a)
    response = client.post(f"/learners/{world.learner.pk}/amend/", {
        "first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "01/01/2008",
        "candidate_number": other.candidate_number,
    })
    assert (
        f"Candidate number {other.candidate_number} is already used by Mary Somerville"
        in response.content.decode()
    )


# ---- who may do it -----------------------------------------------------------------------


def _write_pages(world):  # type: ignore[no-untyped-def]
    number = world.centre_a.number
    return [
        f"/centres/{number}/registrations/new/",
        f"/centres/{number}/registrations/upload/",
        f"/centres/{number}/registrations/template.csv",
        f"/learners/{world.learner.pk}/registrations/new/",
        f"/learners/{world.learner.pk}/amend/",
        f"/registrations/{world.registration.pk}/withdraw/",
    ]


def test_centre_b_exams_officer_gets_404_on_centre_a_registration_pages(client, world) -> None:
    client.force_login(world.exams_officer_b)
    for url in _write_pages(world):
        get_page(client, url, status=404)
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert world.registration.status == RegistrationStatus.ACTIVE


def test_a_teacher_gets_403_on_the_write_pages(client, world) -> None:
    client.force_login(world.teacher_a)
    for url in _write_pages(world):
        get_page(client, url, status=403)
        assert client.post(url, {"reason": "x"}).status_code == 403


def test_the_learner_pages_offer_the_workflows_to_exams_officers_only(client, world) -> None:
    client.force_login(world.exams_officer_a)
    listing = get_page(client, f"/centres/{world.centre_a.number}/learners/").content.decode()
    detail = get_page(client, f"/learners/{world.learner.pk}/").content.decode()
    assert "Register a learner" in listing and "Upload registrations" in listing
    assert "Register on a qualification" in detail and "Change details" in detail
    assert f"/registrations/{world.registration.pk}/withdraw/" in detail
    client.force_login(world.teacher_a)
    listing = get_page(client, f"/centres/{world.centre_a.number}/learners/").content.decode()
    detail = get_page(client, f"/learners/{world.learner.pk}/").content.decode()
    assert "Register a learner" not in listing
    assert "withdraw" not in detail and "Change details" not in detail


def test_the_registration_count_does_not_change_on_a_refused_post(client, world) -> None:
    before = Registration.objects.count()
    client.force_login(world.exams_officer_a)
    client.post(f"/centres/{world.centre_a.number}/registrations/new/", {})
    assert Registration.objects.count() == before
