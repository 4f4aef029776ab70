"""Entries for external units: one at a time, everyone on a qualification, by page and API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.accounts.services import api_token_create
from resultsday.catalogue.choices import KeyDateKind
from resultsday.catalogue.models import KeyDate, Unit
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry
from resultsday.learners.services import (
    RegistrationError,
    entries_create_for_qualification,
    entry_create,
    entry_withdraw,
)
from resultsday.learners.tests.helpers import entry_for
from resultsday.testing import (
    World,
    get_page,
    make_learner,
    make_qualification,
    make_registration,
    make_series,
)


def unit(world: World, code: str) -> Unit:
    return world.qualification.structure.get(unit__code=code).unit


def set_entry_deadline(world: World, when: dt.datetime) -> None:
    KeyDate.objects.create(
        series=world.registration.series, kind=KeyDateKind.ENTRY_DEADLINE,
        at=timezone.make_aware(when),
    )


def enter(world: World, code: str = "T2", **kwargs: Any) -> Entry:
    values: dict[str, Any] = {
        "actor": world.exams_officer_a, "registration": world.registration,
        "unit": unit(world, code), "series": world.registration.series,
    }
    values.update(kwargs)
    return entry_create(**values)


# ---- the service ---------------------------------------------------------------------------


def test_an_entry_for_an_external_unit_is_made_and_audited(world) -> None:
    entry = enter(world)
    assert entry.status == EntryStatus.ENTERED and not entry.is_late
    event = AuditEvent.objects.get(action=AuditAction.ENTRY_CREATED)
    assert event.centre == world.centre_a and event.object_id == str(entry.pk)
    assert event.after["unit"] == "T2" and event.after["series"] == "2026-06"


def test_an_entry_after_the_series_entry_deadline_is_late(world) -> None:
    set_entry_deadline(world, dt.datetime(2026, 2, 21, 17, 0))
    with time_machine.travel(dt.datetime(2026, 2, 21, 16, 59, tzinfo=dt.UTC), tick=False):
        assert not enter(world).is_late
    entry_withdraw(actor=None, entry=Entry.objects.get(), reason="Changed our mind")
    with time_machine.travel(dt.datetime(2026, 2, 21, 17, 1, tzinfo=dt.UTC), tick=False):
        assert enter(world).is_late


def test_an_internal_unit_cannot_be_entered(world) -> None:
    with pytest.raises(RegistrationError) as caught:
        enter(world, "T1")
    assert caught.value.field == "unit"
    assert caught.value.message == (
        "Unit 1 Unit T1 is internally assessed: only external units have entries"
    )


def test_a_unit_outside_the_qualification_is_refused_by_name(world) -> None:
    stray = Unit.objects.create(
        suite=world.qualification.suite, code="T9", number="9", title="Stray Unit",
        assessment="external",
    )
    with pytest.raises(RegistrationError) as caught:
        enter(world, unit=stray)
    assert caught.value.message.startswith(
        f"Unit 9 Stray Unit is not in {world.qualification.title} ({world.qualification.qn})"
    )
    assert not Entry.objects.exists()


def test_a_series_of_another_awarding_organisation_is_refused(world) -> None:
    with pytest.raises(RegistrationError) as caught:
        enter(world, series=make_series(world.other_ao))
    assert caught.value.field == "series"
    assert "is a series of Other Awarding Organisation" in caught.value.message


def test_a_withdrawn_registration_cannot_be_entered(world) -> None:
    world.registration.status = RegistrationStatus.WITHDRAWN
    world.registration.save()
    with pytest.raises(RegistrationError) as caught:
        enter(world)
    assert "only active registrations have entries" in caught.value.message


def test_a_learner_is_entered_once_per_unit_and_series_until_withdrawn(world) -> None:
    enter(world)
    with pytest.raises(RegistrationError) as caught:
        enter(world)
    assert caught.value.message == (
        f"{world.learner.full_name} is already entered for Unit 2 Unit T2 in Summer 2026"
    )
    entry_withdraw(actor=world.exams_officer_a, entry=Entry.objects.get(), reason="Not ready")
    assert enter(world).status == EntryStatus.ENTERED
    assert Entry.objects.count() == 2


def test_withdrawing_an_entry_needs_a_reason_and_is_audited_with_before_and_after(world) -> None:
    entry = enter(world)
    with pytest.raises(RegistrationError):
        entry_withdraw(actor=world.exams_officer_a, entry=entry, reason=" ")
    entry_withdraw(actor=world.exams_officer_a, entry=entry, reason="Sitting in January")
    event = AuditEvent.objects.get(action=AuditAction.ENTRY_WITHDRAWN)
    assert (event.before, event.after) == ({"status": "entered"}, {"status": "withdrawn"})
    assert event.reason == "Sitting in January"
    with pytest.raises(RegistrationError, match="already withdrawn"):
        entry_withdraw(actor=world.exams_officer_a, entry=entry, reason="Again")


def test_everyone_on_a_qualification_is_entered_once_and_a_second_run_changes_nothing(
    world,
) -> None:
    others = [make_registration(make_learner(world.centre_a), world.qualification)
              for _ in range(2)]
    enter(world)
    outcome = entries_create_for_qualification(
        actor=world.exams_officer_a, centre=world.centre_a, qualification=world.qualification,
        unit=unit(world, "T2"), series=world.registration.series,
    )
    assert {e.registration for e in outcome.entered} == set(others)
    assert outcome.already_entered == 1
    assert not Entry.objects.filter(registration=world.registration_b).exists()  # centre B
    again = entries_create_for_qualification(
        actor=world.exams_officer_a, centre=world.centre_a, qualification=world.qualification,
        unit=unit(world, "T2"), series=world.registration.series,
    )
    assert (again.entered, again.already_entered) == ([], 3)


def test_everyone_cannot_be_entered_for_a_unit_of_another_qualification(world) -> None:
    other = make_qualification(world.ao, qn="601/7158/5")
    stray = Unit.objects.create(
        suite=other.suite, code="T7", number="7", title="Seventh", assessment="external"
    )
    with pytest.raises(RegistrationError) as caught:
        entries_create_for_qualification(
            actor=world.exams_officer_a, centre=world.centre_a,
            qualification=world.qualification, unit=stray, series=world.registration.series,
        )
    assert caught.value.message.startswith("Unit 7 Seventh is not in")
    assert not Entry.objects.exists()


# ---- pages ---------------------------------------------------------------------------------


def test_an_exams_officer_enters_and_withdraws_a_learner_through_the_pages(client, world) -> None:
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/learners/{world.learner.pk}/").content.decode()
    assert f"/registrations/{world.registration.pk}/entries/" in page
    url = f"/registrations/{world.registration.pk}/entries/new/"
    form = get_page(client, url).content.decode()
    assert "Unit 2 Unit T2" in form and "Unit 1 Unit T1" not in form  # external units only
    response = client.post(url, {"unit": unit(world, "T2").pk,
                                 "series": world.registration.series.pk})
    assert response.status_code == 302
    entry = Entry.objects.get()
    listing = get_page(client, f"/registrations/{world.registration.pk}/entries/").content.decode()
    assert "is entered for Unit 2 Unit T2 in Summer 2026" in listing
    assert f"/entries/{entry.pk}/withdraw/" in listing
    response = client.post(f"/entries/{entry.pk}/withdraw/", {"reason": "Resitting later"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN


def test_the_entry_page_shows_a_duplicate_entry_as_an_error(client, world) -> None:
    enter(world)
    client.force_login(world.exams_officer_a)
    response = client.post(
        f"/registrations/{world.registration.pk}/entries/new/",
        {"unit": unit(world, "T2").pk, "series": world.registration.series.pk},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "is already entered for Unit 2 Unit T2 in Summer 2026" in page
    assert Entry.objects.count() == 1


def test_the_bulk_entry_page_enters_everyone_and_says_how_many(client, world) -> None:
    make_registration(make_learner(world.centre_a), world.qualification)
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/entries/bulk/"
    get_page(client, url)
    response = client.post(url, {"qualification": world.qualification.pk,
                                 "unit": unit(world, "T2").pk,
                                 "series": world.registration.series.pk}, follow=True)
    assert "2 learners entered for Unit 2 Unit T2 in Summer 2026" in response.content.decode()
    assert Entry.objects.filter(registration__centre=world.centre_a).count() == 2
    listing = get_page(client, f"/centres/{world.centre_a.number}/entries/").content.decode()
    assert "2 entries" in listing


def test_a_teacher_can_read_entries_but_gets_403_on_every_write(client, world) -> None:
    entry = entry_for(world)
    client.force_login(world.teacher_a)
    get_page(client, f"/registrations/{world.registration.pk}/entries/")
    get_page(client, f"/centres/{world.centre_a.number}/entries/")
    for url in [f"/registrations/{world.registration.pk}/entries/new/",
                f"/entries/{entry.pk}/withdraw/",
                f"/centres/{world.centre_a.number}/entries/bulk/",
                f"/centres/{world.centre_a.number}/entries/upload/",
                f"/registrations/{world.registration.pk}/top-up/"]:
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ENTERED


def test_centre_b_gets_404_on_centre_a_entries(client, world) -> None:
    entry = entry_for(world)
    client.force_login(world.exams_officer_b)
    for url in [f"/registrations/{world.registration.pk}/entries/",
                f"/registrations/{world.registration.pk}/entries/new/",
                f"/entries/{entry.pk}/withdraw/",
                f"/centres/{world.centre_a.number}/entries/"]:
        get_page(client, url, status=404)
    assert client.post(f"/entries/{entry.pk}/withdraw/", {"reason": "x"}).status_code == 404


# ---- API -----------------------------------------------------------------------------------


@pytest.fixture
def as_eo_a(world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(actor=None, user=world.exams_officer_a, name="MIS")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _post(client, url: str, body: dict[str, Any], auth: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json", **auth)


def test_the_api_makes_lists_and_withdraws_entries(client, world, as_eo_a) -> None:
    body = {"registration_id": world.registration.pk, "unit_code": "T2", "series_code": "2026-06"}
    response = _post(client, "/api/v1/centres/10001/entries", body, as_eo_a)
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["unit_code"], made["entry_code"], made["status"]) == ("T2", "2", "entered")
    listing = client.get("/api/v1/centres/10001/entries?series_code=2026-06", **as_eo_a).json()
    assert [e["id"] for e in listing] == [made["id"]]
    response = _post(client, f"/api/v1/centres/10001/entries/{made['id']}/withdraw",
                     {"reason": "Not ready"}, as_eo_a)
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert client.get("/api/v1/centres/10001/entries?status=entered", **as_eo_a).json() == []


def test_the_api_refuses_an_internal_unit_in_the_one_error_shape(client, world, as_eo_a) -> None:
    body = {"registration_id": world.registration.pk, "unit_code": "T1", "series_code": "2026-06"}
    response = _post(client, "/api/v1/centres/10001/entries", body, as_eo_a)
    assert response.status_code == 422
    assert response.json() == {
        "error": "Unit 1 Unit T1 is internally assessed: only external units have entries"
    }


def test_the_api_hides_centre_a_entries_from_centre_b_and_refuses_teachers(client, world) -> None:
    entry = entry_for(world)
    _, secret_b = api_token_create(actor=None, user=world.exams_officer_b, name="MIS")
    auth_b = {"HTTP_AUTHORIZATION": f"Bearer {secret_b}"}
    assert client.get("/api/v1/centres/10001/entries", **auth_b).status_code == 404
    body = {"registration_id": world.registration.pk, "unit_code": "T2", "series_code": "2026-06"}
    assert _post(client, "/api/v1/centres/10001/entries", body, auth_b).status_code == 404
    assert _post(client, "/api/v1/centres/20002/entries", body, auth_b).status_code == 404
    _, secret_t = api_token_create(actor=None, user=world.teacher_a, name="MIS")
    auth_t = {"HTTP_AUTHORIZATION": f"Bearer {secret_t}"}
    assert client.get("/api/v1/centres/10001/entries", **auth_t).status_code == 200
    response = _post(client, f"/api/v1/centres/10001/entries/{entry.pk}/withdraw",
                     {"reason": "x"}, auth_t)
    assert response.status_code == 403
