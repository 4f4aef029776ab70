"""Top-ups: moving a learner to a larger qualification of the same suite and sector."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.accounts.services import api_token_create
from resultsday.assessment.models import UnitResult
from resultsday.catalogue.models import Qualification, QualificationUnit, Suite, Unit
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Registration
from resultsday.learners.selectors import top_up_candidates
from resultsday.learners.services import RegistrationError, registration_top_up
from resultsday.learners.tests.helpers import entry_for
from resultsday.release.models import EmbargoedView
from resultsday.release.tests.helpers import BEFORE, BETWEEN, issue
from resultsday.testing import (
    World,
    get_page,
    make_qualification,
    make_registration,
    record_unit_result,
)


def larger(world: World) -> Qualification:
    return make_qualification(world.ao, qn="601/7158/5", size_glh=360)


def top_up(world: World, to: Qualification, registration: Registration | None = None) -> Registration:
    return registration_top_up(
        registration=registration or world.registration, to_qualification=to,
        actor=world.exams_officer_a,
    )


def test_a_top_up_carries_every_unit_result_and_entry_to_a_new_registration(world) -> None:
    retake = UnitResult.objects.create(
        registration=world.registration, unit=world.registration.unit_results.get().unit,
        attempt=2, source="centre", grade="P", is_retake=True,
    )
    entry = entry_for(world)
    bigger = larger(world)
    target = top_up(world, bigger)
    world.registration.refresh_from_db()
    assert world.registration.status == RegistrationStatus.TOPPED_UP
    assert target.qualification == bigger and target.topped_up_from == world.registration
    assert target.series == world.registration.series
    assert target.registered_on == world.registration.registered_on
    assert sorted(r.attempt for r in target.unit_results.all()) == [1, 2]
    assert retake in target.unit_results.all()
    assert list(target.entries.all()) == [entry]
    assert not world.registration.unit_results.exists()
    event = AuditEvent.objects.get(action=AuditAction.REGISTRATION_TOPPED_UP)
    assert event.before["qualification"] == world.qualification.qn
    assert event.before["status"] == "active"
    assert event.after["qualification"] == bigger.qn
    assert event.after["old_registration_status"] == "topped_up"
    assert len(event.after["unit_results"]) == 2 and event.after["entries"] == [entry.pk]


def test_a_top_up_into_an_existing_larger_registration_merges_without_clashes(world) -> None:
    bigger = larger(world)
    existing = make_registration(world.learner, bigger)
    t1 = world.registration.unit_results.get().unit
    UnitResult.objects.create(registration=existing, unit=t1, attempt=1, source="centre",
                              grade="D")
    entry_for(world)
    Entry.objects.create(registration=existing, unit=entry_for(world).unit,
                         series=world.registration.series)
    target = top_up(world, bigger)
    assert target == existing
    assert sorted((r.attempt, r.grade) for r in target.unit_results.filter(unit=t1)) == [
        (1, "D"), (2, "M")
    ]
    statuses = sorted(e.status for e in target.entries.all())
    assert statuses == [EntryStatus.ENTERED, EntryStatus.WITHDRAWN]  # same sitting, once
    assert Registration.objects.get(pk=world.registration.pk).status == "topped_up"


@pytest.mark.parametrize("size", [180, 90])
def test_a_top_up_to_a_qualification_no_larger_is_refused(world, size) -> None:
    same = make_qualification(world.ao, qn="601/7158/5", size_glh=size)
    with pytest.raises(RegistrationError) as caught:
        top_up(world, same)
    assert caught.value.message == (
        f"{same.title} ({size} GLH) is not larger than {world.qualification.title} (180 GLH): "
        "a top-up moves to a larger qualification"
    )
    assert Registration.objects.get(pk=world.registration.pk).status == "active"


def test_a_top_up_to_another_suite_is_refused(world) -> None:
    suite = Suite.objects.create(awarding_organisation=world.ao, code="other", name="Other")
    other = Qualification.objects.create(
        awarding_organisation=world.ao, suite=suite, qn="603/0000/1", title="Other suite",
        level=3, size_glh=720, results_day_type="level3",
    )
    with pytest.raises(RegistrationError) as caught:
        top_up(world, other)
    assert caught.value.message.startswith(
        f"Other suite is not in the same suite and sector as {world.qualification.title}"
    )


def test_a_withdrawn_registration_cannot_be_topped_up(world) -> None:
    world.registration.status = RegistrationStatus.WITHDRAWN
    world.registration.save()
    with pytest.raises(RegistrationError) as caught:
        top_up(world, larger(world))
    assert caught.value.message == (
        "This registration is withdrawn: only an active registration can be topped up"
    )


def test_a_unit_result_outside_the_new_structure_is_named_and_nothing_moves(world) -> None:
    bigger = larger(world)
    odd = Unit.objects.create(suite=world.qualification.suite, code="T5", number="5",
                              title="Odd Unit", glh=60, assessment="internal")
    QualificationUnit.objects.create(qualification=world.qualification, unit=odd,
                                     mandatory=False)
    UnitResult.objects.create(registration=world.registration, unit=odd, source="centre",
                              grade="P")
    with pytest.raises(RegistrationError) as caught:
        top_up(world, bigger)
    assert caught.value.message.startswith(f"Unit 5 Odd Unit is not in {bigger.title}")
    assert world.registration.unit_results.count() == 2
    assert not Registration.objects.filter(qualification=bigger).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REGISTRATION_TOPPED_UP).exists()


def test_learners_with_results_split_over_two_sizes_are_proposed_for_a_top_up(world) -> None:
    bigger = larger(world)
    existing = make_registration(world.learner, bigger)
    make_registration(world.learner_b, bigger)  # centre B: not ours
    [candidate] = top_up_candidates(world.centre_a)
    assert (candidate.smaller, candidate.larger) == (world.registration, existing)
    assert (candidate.smaller_results, candidate.larger_results) == (1, 0)
    top_up(world, bigger)
    assert top_up_candidates(world.centre_a) == []


def test_the_top_ups_page_links_to_a_one_click_confirmation(client, world) -> None:
    bigger = larger(world)
    existing = make_registration(world.learner, bigger)
    client.force_login(world.exams_officer_a)
    page = get_page(client, f"/centres/{world.centre_a.number}/top-ups/").content.decode()
    link = f"/registrations/{world.registration.pk}/top-up/?to={bigger.pk}"
    assert link.replace("&", "&amp;") in page
    confirm = get_page(client, link).content.decode()
    assert f'<option value="{bigger.pk}" selected>' in confirm
    response = client.post(f"/registrations/{world.registration.pk}/top-up/",
                           {"to_qualification": bigger.pk, "reason": ""})
    assert response.status_code == 302
    assert existing.unit_results.count() == 1


def test_the_top_up_page_shows_a_refusal_as_an_error(client, world) -> None:
    smaller = make_qualification(world.ao, qn="601/7158/5", size_glh=90)
    client.force_login(world.exams_officer_a)
    response = client.post(f"/registrations/{world.registration.pk}/top-up/",
                           {"to_qualification": smaller.pk})
    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()
    assert Registration.objects.get(pk=world.registration.pk).status == "active"


def test_centre_b_gets_404_on_centre_a_top_ups(client, world) -> None:
    bigger = larger(world)
    client.force_login(world.exams_officer_b)
    get_page(client, f"/centres/{world.centre_a.number}/top-ups/", status=404)
    response = client.post(f"/registrations/{world.registration.pk}/top-up/",
                           {"to_qualification": bigger.pk})
    assert response.status_code == 404


def _auth(user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(actor=None, user=user, name="MIS")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_api_tops_up_a_registration(client, world) -> None:
    bigger = larger(world)
    url = f"/api/v1/centres/10001/registrations/{world.registration.pk}/top-up"
    response = client.post(url, {"to_qualification_qn": bigger.qn},
                           content_type="application/json", **_auth(world.exams_officer_a))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["qualification_qn"] == bigger.qn
    assert body["topped_up_from_id"] == world.registration.pk
    again = client.post(url, {"to_qualification_qn": bigger.qn},
                        content_type="application/json", **_auth(world.exams_officer_a))
    assert again.status_code == 422
    assert again.json() == {"error": "This registration is topped up (replaced by a larger "
                            "qualification): only an active registration can be topped up"}


def test_the_api_refuses_top_ups_to_teachers_and_other_centres(client, world) -> None:
    bigger = larger(world)
    url = f"/api/v1/centres/10001/registrations/{world.registration.pk}/top-up"
    body = {"to_qualification_qn": bigger.qn}
    teacher = client.post(url, body, content_type="application/json", **_auth(world.teacher_a))
    assert teacher.status_code == 403
    other = client.post(url, body, content_type="application/json",
                        **_auth(world.exams_officer_b))
    assert other.status_code == 404
    assert Registration.objects.get(pk=world.registration.pk).status == "active"


def test_the_top_up_page_shows_external_grades_only_once_the_result_may_be_seen(
    client, world
) -> None:
    entry_for(world)  # entered for the external unit in the series: the embargo applies
    record_unit_result(world.registration, "T2", "D")
    issue(world.registration, grade="DD")
    url = f"/registrations/{world.registration.pk}/top-up/"
    client.force_login(world.exams_officer_a)
    with time_machine.travel(BEFORE, tick=False):  # before the centre release
        page = get_page(client, url).content.decode()
    assert "Unit 1 Unit T1, attempt 1: M" in page and "Unit 2 Unit T2, attempt 1" not in page
    assert "External unit results, not shown until" in page
    assert not EmbargoedView.objects.exists()
    with time_machine.travel(BETWEEN, tick=False):  # the exams officer's early look: recorded
        page = get_page(client, url).content.decode()
    assert "Unit 2 Unit T2, attempt 1: D" in page
    assert EmbargoedView.objects.get().page == url


def test_another_aos_staff_see_no_top_ups_of_the_first_aos_registrations(client, world) -> None:
    world.centre_a.awarding_organisations.add(world.other_ao)  # the centre works with both
    make_registration(world.learner, larger(world))
    url = f"/centres/{world.centre_a.number}/top-ups/"
    client.force_login(world.ao_officer)
    assert f"/registrations/{world.registration.pk}/top-up/" not in get_page(client, url).content.decode()
    assert "Lovelace" in get_page(client, url).content.decode()
    client.force_login(world.other_ao_officer)
    page = get_page(client, url).content.decode()
    assert "Lovelace" not in page and "No top-ups needed." in page
