"""Who sees a result on which page, before, between and after the two release times."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.models import AuditEvent, User
from resultsday.learners.models import Entry, Registration
from resultsday.learners.selectors import learner_registrations
from resultsday.release.models import DiscretionaryRelease, EmbargoedView
from resultsday.release.services import results_open
from resultsday.release.tests.helpers import AFTER, BEFORE, BETWEEN, GRADE, STAFF_SEE_EMBARGOED, WHEN, issue
from resultsday.testing import (
    World,
    get_page,
    make_qualification,
    make_registration,
    make_user,
)


def entry_for_registration(registration: Registration) -> Entry:
    unit = registration.qualification.structure.get(unit__code="T2").unit
    return Entry.objects.create(registration=registration, unit=unit, series=registration.series)


def senior_teacher(world: World) -> User:
    return make_user("senior_a", role=Role.SENIOR_TEACHER, centre=world.centre_a)


def staff(world: World, name: str) -> User:
    if name == "senior_teacher_a":
        return senior_teacher(world)
    return getattr(world, name)  # type: ignore[no-any-return]


def sees_result_on_learner_page(client, world: World, user: User) -> bool:  # type: ignore[no-untyped-def]
    client.force_login(user)
    page = get_page(client, f"/learners/{world.learner.pk}/").content.decode()
    return f"<strong>{GRADE}</strong>" in page


def learner_sees_result(client, world: World) -> bool:  # type: ignore[no-untyped-def]
    client.force_login(world.learner_user)
    page = get_page(client, "/my/").content.decode()
    return "Your result" in page and f"<strong>{GRADE}</strong>" in page


@pytest.mark.parametrize("name,expected", STAFF_SEE_EMBARGOED)
@pytest.mark.parametrize("when", ["before", "between", "after"])
def test_it_shows_embargoed_results_to_centre_staff_by_role_and_time(
    client, embargoed, name, expected, when
) -> None:
    user = staff(embargoed, name)
    with time_machine.travel(WHEN[when], tick=False):
        assert sees_result_on_learner_page(client, embargoed, user) is expected[when]


@pytest.mark.parametrize("when,expected", [("before", False), ("between", False), ("after", True)])
def test_it_hides_embargoed_results_from_learners_until_their_release(
    client, embargoed, when, expected
) -> None:
    with time_machine.travel(WHEN[when], tick=False):
        assert learner_sees_result(client, embargoed) is expected


@pytest.mark.parametrize("when,expected", [("before", False), ("between", False), ("after", True)])
def test_it_hides_external_unit_grades_from_learners_until_their_release(
    client, embargoed, when, expected
) -> None:
    client.force_login(embargoed.learner_user)
    with time_machine.travel(WHEN[when], tick=False):
        page = get_page(client, "/my/").content.decode()
    assert ("Unit T2" in page) is expected
    assert "Unit T1" in page  # the centre's own internal grades are not embargoed


@pytest.mark.parametrize("when", ["before", "between", "after"])
def test_the_regulator_never_sees_a_learner_result(client, embargoed, when) -> None:
    client.force_login(embargoed.regulator)
    with time_machine.travel(WHEN[when], tick=False):
        get_page(client, f"/learners/{embargoed.learner.pk}/", status=403)


@pytest.mark.parametrize("when", ["before", "between", "after"])
@pytest.mark.parametrize(
    "name", ["exams_officer_a", "head_of_centre_a", "senior_teacher_a", "teacher_a", "ao_officer"]
)
def test_it_shows_results_outside_the_embargo_to_centre_staff_at_any_time(
    client, not_embargoed, name, when
) -> None:
    user = staff(not_embargoed, name)
    with time_machine.travel(WHEN[when], tick=False):
        assert sees_result_on_learner_page(client, not_embargoed, user)
    assert not EmbargoedView.objects.exists()


@pytest.mark.parametrize("when,expected", [("before", False), ("between", False), ("after", True)])
def test_a_result_outside_the_embargo_waits_for_results_day_unless_the_centre_releases_it(
    client, not_embargoed, when, expected
) -> None:
    with time_machine.travel(WHEN[when], tick=False):
        assert learner_sees_result(client, not_embargoed) is expected


def test_the_exams_officer_releases_a_result_outside_the_embargo_and_it_is_audited(
    client, not_embargoed
) -> None:
    world = not_embargoed
    client.force_login(world.exams_officer_a)
    with time_machine.travel(BEFORE, tick=False):
        page = get_page(client, f"/learners/{world.learner.pk}/").content.decode()
        assert f"/registrations/{world.registration.pk}/release/" in page
        get_page(client, f"/registrations/{world.registration.pk}/release/")
        empty = client.post(f"/registrations/{world.registration.pk}/release/", {"reason": ""})
        assert "Enter why you are releasing this result" in empty.content.decode()
        response = client.post(
            f"/registrations/{world.registration.pk}/release/",
            {"reason": "Needed for an apprenticeship offer"},
        )
        assert response.status_code == 302
        assert learner_sees_result(client, world)
    release = DiscretionaryRelease.objects.get()
    assert release.released_by == world.exams_officer_a
    event = AuditEvent.objects.get(action=AuditAction.RESULT_RELEASED_AT_DISCRETION)
    assert event.reason == "Needed for an apprenticeship offer"
    assert event.centre == world.centre_a


def test_the_centre_cannot_release_an_embargoed_result(client, embargoed) -> None:
    client.force_login(embargoed.exams_officer_a)
    with time_machine.travel(BETWEEN, tick=False):
        page = get_page(client, f"/learners/{embargoed.learner.pk}/").content.decode()
        assert "/release/" not in page
        response = client.post(
            f"/registrations/{embargoed.registration.pk}/release/", {"reason": "Please"}
        )
        assert response.status_code == 200
        assert "embargoed" in response.content.decode()
        assert not learner_sees_result(client, embargoed)
    assert not DiscretionaryRelease.objects.exists()


@pytest.mark.parametrize("name", ["head_of_centre_a", "teacher_a"])
def test_only_the_exams_officer_may_release_a_result(client, not_embargoed, name) -> None:
    client.force_login(getattr(not_embargoed, name))
    get_page(client, f"/registrations/{not_embargoed.registration.pk}/release/", status=403)


def test_another_centre_cannot_release_centre_a_results(client, not_embargoed) -> None:
    client.force_login(not_embargoed.exams_officer_b)
    response = client.post(
        f"/registrations/{not_embargoed.registration.pk}/release/", {"reason": "x"}
    )
    assert response.status_code == 404


def test_it_records_every_early_view_and_the_ao_lists_them(client, embargoed) -> None:
    world = embargoed
    with time_machine.travel(BEFORE, tick=False):
        assert not sees_result_on_learner_page(client, world, world.exams_officer_a)
    with time_machine.travel(BETWEEN, tick=False):
        sees_result_on_learner_page(client, world, world.exams_officer_a)
        sees_result_on_learner_page(client, world, world.head_of_centre_a)
        sees_result_on_learner_page(client, world, world.teacher_a)  # sees nothing yet
    with time_machine.travel(AFTER, tick=False):
        sees_result_on_learner_page(client, world, world.exams_officer_a)
    views = list(EmbargoedView.objects.order_by("pk"))
    assert [(v.user, v.viewer_kind, v.registration) for v in views] == [
        (world.exams_officer_a, "exams_officer", world.registration),
        (world.head_of_centre_a, "head_of_centre", world.registration),
    ]
    assert views[0].page == f"/learners/{world.learner.pk}/"
    client.force_login(world.ao_officer)
    page = get_page(client, f"/ao/{world.ao.code}/embargoed-views/").content.decode()
    assert "eo_a" in page and "head_a" in page and "Exams officer" in page


def test_only_ao_staff_of_that_ao_list_early_views(client, embargoed) -> None:
    client.force_login(embargoed.exams_officer_a)
    get_page(client, f"/ao/{embargoed.ao.code}/embargoed-views/", status=403)
    client.force_login(embargoed.other_ao_officer)
    get_page(client, f"/ao/{embargoed.ao.code}/embargoed-views/", status=404)


def test_it_decides_and_records_a_page_of_results_in_a_fixed_number_of_queries(
    embargoed,
) -> None:
    world = embargoed
    for qn in ("601/7158/9", "601/7159/0"):
        registration = make_registration(world.learner, make_qualification(world.ao, qn=qn))
        entry_for_registration(registration)
        issue(registration)

    def queries_for(count: int) -> int:
        registrations = learner_registrations(
            registrations=Registration.objects.filter(learner=world.learner)
        )[:count]
        with CaptureQueriesContext(connection) as ctx:
            results_open(user=world.exams_officer_a, registrations=registrations, page="/x/",
                         now=BETWEEN)
        return len(ctx.captured_queries)

    queries_for(1)  # the user's principal is worked out once, then cached on the user
    assert queries_for(1) == queries_for(3)
    assert EmbargoedView.objects.count() == 1 + 1 + 3
