"""The release policy on tracking's pages, API, reports and checkpoint lists: nothing of an
embargoed result (its grade, the points so far, anything worked out from an external grade)
before the viewer may see it, and every early look recorded as on the results pages."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine

from resultsday.assessment.models import UnitResult
from resultsday.catalogue.models import Qualification
from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
from resultsday.learners.models import Entry, Registration
from resultsday.learners.tests.helpers import entry_for
from resultsday.release.models import EmbargoedView
from resultsday.release.tests.helpers import AFTER, BEFORE, BETWEEN, issue
from resultsday.testing import World, get_page, make_learner, make_registration, record_unit_result
from resultsday.tracking.choices import CheckpointKind, ReportTrigger
from resultsday.tracking.models import Checkpoint
from resultsday.tracking.services import (
    Confirmation,
    checkpoint_confirm,
    checkpoint_declare,
    checkpoint_outstanding_record,
    tracking_report_create,
)
from resultsday.tracking.tests.helpers import add_checkpoint_dates

TO_CENTRES = "Result awarded; it is released on 6 August 2026 at 8am."
TO_LEARNERS = "Result awarded; it is released on 13 August 2026 at 8am."
ISSUED = "The overall result has been issued: DD."
NO_POINTS = 'Points so far</dt><dd class="govuk-summary-list__value">–</dd>'


def shows_the_grade(page: str) -> bool:
    """The grade in a page's text (not in a random token, such as the CSRF token's)."""
    return any(f"{before}DD{after}" in page for before in (" ", ">") for after in (".", "<", " "))


@pytest.fixture
def embargoed(world: World) -> World:
    """Centre A's learner is entered for the external unit in the series, has its grade (a D)
    and an issued result (DD): the embargo applies until the release times."""
    entry_for(world)
    record_unit_result(world.registration, "T2", "D")
    issue(world.registration, grade="DD")
    return world


def certificate(world: World, *, external: str) -> Registration:
    """A learner on the shipped Business Certificate (so the engine grades it) at centre A,
    entered for its external unit in the series, with a D for the internal unit and
    `external` for the external one."""
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=world.ao, actor=None)
    qualification = Qualification.objects.get(qn="601/7155/8")
    registration = make_registration(make_learner(world.centre_a, last_name="Babbage"),
                                     qualification, world.registration.series)
    for placed in qualification.structure.select_related("unit"):
        unit = placed.unit
        if unit.is_external:
            Entry.objects.create(registration=registration, unit=unit, series=registration.series)
        UnitResult.objects.create(registration=registration, unit=unit,
                                  grade=external if unit.is_external else "D",
                                  source="marked" if unit.is_external else "centre")
    return registration


def _detail(client, world: World, user, when: dt.datetime,  # type: ignore[no-untyped-def]
            registration: Registration | None = None) -> str:
    client.force_login(user)
    pk = (registration or world.registration).pk
    with time_machine.travel(when, tick=False):
        return get_page(client, f"/registrations/{pk}/tracking/").content.decode()


@pytest.mark.parametrize(("who", "when", "shown"), [
    ("teacher_a", BEFORE, TO_LEARNERS), ("teacher_a", BETWEEN, TO_LEARNERS),
    ("exams_officer_a", BEFORE, TO_CENTRES), ("head_of_centre_a", BEFORE, TO_CENTRES),
])
def test_the_tracking_page_shows_no_embargoed_grade_or_points_before_the_viewers_release(
    client, embargoed, who, when, shown
) -> None:
    page = _detail(client, embargoed, getattr(embargoed, who), when)
    assert shown in page and not shows_the_grade(page) and NO_POINTS in page
    assert not EmbargoedView.objects.exists()


def test_the_exams_officer_sees_the_grade_from_the_centre_release_and_the_look_is_recorded(
    client, embargoed
) -> None:
    page = _detail(client, embargoed, embargoed.exams_officer_a, BETWEEN)
    assert ISSUED in page
    view = EmbargoedView.objects.get()
    assert (view.user, view.registration, view.viewer_kind) == (
        embargoed.exams_officer_a, embargoed.registration, "exams_officer")
    assert view.page == f"/registrations/{embargoed.registration.pk}/tracking/"


def test_after_the_learner_release_the_grade_shows_and_no_early_view_is_recorded(
    client, embargoed
) -> None:
    assert ISSUED in _detail(client, embargoed, embargoed.teacher_a, AFTER)
    assert not EmbargoedView.objects.exists()


def test_ao_staff_see_the_grade_at_any_time_and_an_early_look_is_recorded(client, embargoed) -> None:
    assert ISSUED in _detail(client, embargoed, embargoed.ao_officer, BEFORE)
    assert EmbargoedView.objects.get().viewer_kind == "ao_staff"


def test_points_and_ineligibility_worked_out_from_an_embargoed_external_grade_wait_too(
    client, world
) -> None:
    failed = certificate(world, external="U")  # the external U makes the learner ineligible
    for who in ("teacher_a", "exams_officer_a"):
        page = _detail(client, world, getattr(world, who), BEFORE, failed)
        assert "Ineligible" not in page and " is U" not in page and NO_POINTS in page
    page = _detail(client, world, world.exams_officer_a, BETWEEN, failed)
    assert "Ineligible on current grades" in page and " is U" in page and NO_POINTS not in page
    # With only the internal grades in, the points so far are the centre's own: shown.
    UnitResult.objects.filter(registration=failed, unit__assessment="external").delete()
    assert NO_POINTS not in _detail(client, world, world.teacher_a, BEFORE, failed)


def test_the_learner_pages_tracking_status_holds_the_grade_back(client, embargoed) -> None:
    client.force_login(embargoed.teacher_a)
    with time_machine.travel(BEFORE, tick=False):
        page = get_page(client, f"/learners/{embargoed.learner.pk}/").content.decode()
    assert TO_LEARNERS in page and "issued: DD" not in page


def test_the_tracking_api_holds_the_grade_back_until_the_callers_release(client, embargoed) -> None:
    one = f"/api/v1/registrations/{embargoed.registration.pk}/tracking"
    every = f"/api/v1/centres/{embargoed.centre_a.number}/tracking"
    client.force_login(embargoed.teacher_a)
    with time_machine.travel(BEFORE, tick=False):
        rows, issues = client.get(every).json(), client.get(one).json()
    assert rows[0]["status"]["meaning"] == TO_LEARNERS and issues[0]["meaning"] == TO_LEARNERS
    assert "DD" not in str(rows) + str(issues) and rows[0]["details"] == []
    assert not EmbargoedView.objects.exists()
    client.force_login(embargoed.exams_officer_a)
    with time_machine.travel(BETWEEN, tick=False):
        rows, issues = client.get(every).json(), client.get(one).json()
    assert rows[0]["status"]["meaning"] == ISSUED and issues[0]["meaning"] == ISSUED
    assert sorted(EmbargoedView.objects.values_list("page", flat=True)) == sorted([one, every])


def _report_rows(world: World, when: dt.datetime) -> dict[str, dict[str, str]]:
    with time_machine.travel(when, tick=False):
        report = tracking_report_create(centre=world.centre_a, trigger=ReportTrigger.ON_DEMAND)
    text = bytes(report.csv).decode("utf-8-sig")
    return {row["Surname"]: row for row in csv.DictReader(io.StringIO(text))}


def test_reports_hold_embargoed_grades_and_points_back_until_the_learner_release(embargoed) -> None:
    # Another learner with no external entry: no embargo, the centre sees the result at once.
    other = make_registration(make_learner(embargoed.centre_a, last_name="Hopper"),
                              embargoed.qualification)
    record_unit_result(other, "T1", "D")
    issue(other, grade="MM")
    certificate(embargoed, external="D")  # graded by the engine: 48 points with the external D
    for when in (BEFORE, BETWEEN):  # the exams officer may look from BETWEEN: reports wait
        rows = _report_rows(embargoed, when)
        assert rows["Lovelace"]["What it means"] == TO_LEARNERS and "DD" not in str(rows)
        assert rows["Babbage"]["Points so far"] == ""
        assert rows["Hopper"]["What it means"] == "The overall result has been issued: MM."
    rows = _report_rows(embargoed, AFTER)
    assert rows["Lovelace"]["What it means"] == ISSUED and rows["Babbage"]["Points so far"] == "48"
    assert not EmbargoedView.objects.exists()  # what a report holds nobody sees early


def test_the_report_summary_for_ao_staff_counts_every_status(embargoed) -> None:
    with time_machine.travel(BETWEEN, tick=False):
        report = tracking_report_create(centre=embargoed.centre_a, trigger=ReportTrigger.ON_DEMAND)
    assert report.summary["by_status"] == {"result_issued": 1}


def test_the_checkpoint_2_list_is_kept_without_embargoed_grades(client, embargoed) -> None:
    add_checkpoint_dates(embargoed.registration.series)
    first = checkpoint_confirm(
        centre=embargoed.centre_a, series=embargoed.registration.series,
        actor=embargoed.exams_officer_a,
        confirmations=[Confirmation(embargoed.registration.pk, expects_result=True)])
    checkpoint_declare(checkpoint=first, actor=embargoed.head_of_centre_a, signed_name="Ada Head")
    with time_machine.travel(BETWEEN, tick=False):
        checkpoint_outstanding_record(centre=embargoed.centre_a,
                                      series=embargoed.registration.series,
                                      actor=embargoed.exams_officer_a)
    kept = Checkpoint.objects.get(kind=CheckpointKind.CHECKPOINT_2).learners.get()
    assert [issue["meaning"] for issue in kept.outstanding] == [TO_LEARNERS]
    client.force_login(embargoed.teacher_a)
    url = (f"/centres/{embargoed.centre_a.number}/checkpoints/"
           f"{embargoed.registration.series_id}/2/")
    with time_machine.travel(BEFORE, tick=False):
        assert not shows_the_grade(get_page(client, url).content.decode())


def test_a_registration_without_an_external_entry_is_not_held_back(client, world) -> None:
    issue(world.registration, grade="DD")
    Registration.objects.filter(pk=world.registration.pk).update(ucas_applicant=True)
    assert ISSUED in _detail(client, world, world.teacher_a, BEFORE)
