"""At a centre two AOs approve, each AO's staff see only the registrations on their own AO's
qualifications on tracking's pages, API and checkpoints, and neither reads the centre's
reports, which cover both."""

from __future__ import annotations

import pytest

from resultsday.catalogue.models import Qualification, Suite
from resultsday.learners.models import Registration
from resultsday.release.tests.helpers import issue
from resultsday.testing import World, get_page, make_learner, make_registration, make_series
from resultsday.tracking.models import TrackingReport
from resultsday.tracking.tests.helpers import add_checkpoint_dates, report_for


@pytest.fixture
def shared(world: World) -> Registration:
    """Centre A works with the other AO too: Alan Turing is registered on its qualification.
    Ada Lovelace (the first AO's) has an issued result."""
    world.centre_a.awarding_organisations.add(world.other_ao)
    issue(world.registration, grade="DD")
    suite = Suite.objects.create(code="other-suite", awarding_organisation=world.other_ao,
                                 name="Other suite")
    qualification = Qualification.objects.create(
        awarding_organisation=world.other_ao, suite=suite, qn="603/0000/1",
        title="Other AO qualification", level=3, size_glh=180,
        results_day_type=world.qualification.results_day_type)
    series = make_series(world.other_ao)
    add_checkpoint_dates(series)
    return make_registration(make_learner(world.centre_a, first_name="Alan", last_name="Turing"),
                             qualification, series)


def test_each_ao_sees_only_its_own_learners_on_the_dashboard(client, world, shared) -> None:
    url = f"/centres/{world.centre_a.number}/tracking/"
    client.force_login(world.other_ao_officer)
    page = get_page(client, url).content.decode()
    assert "Turing" in page and "Lovelace" not in page
    client.force_login(world.ao_officer)
    page = get_page(client, url).content.decode()
    assert "Lovelace" in page and "Turing" not in page
    client.force_login(world.exams_officer_a)
    page = get_page(client, url).content.decode()
    assert "Lovelace" in page and "Turing" in page


def test_the_tracking_api_lists_only_the_callers_aos_registrations(client, world, shared) -> None:
    client.force_login(world.other_ao_officer)
    rows = client.get(f"/api/v1/centres/{world.centre_a.number}/tracking").json()
    assert [row["registration_id"] for row in rows] == [shared.pk]
    assert client.get(f"/api/v1/registrations/{world.registration.pk}/tracking").status_code == 404


def test_checkpoints_show_another_ao_neither_the_first_aos_series_nor_its_learners(
    client, world, shared
) -> None:
    add_checkpoint_dates(world.registration.series)
    centre = world.centre_a.number
    first, own = world.registration.series_id, shared.series_id
    client.force_login(world.other_ao_officer)
    index = get_page(client, f"/centres/{centre}/checkpoints/").content.decode()
    assert f"/checkpoints/{own}/1/" in index and f"/checkpoints/{first}/1/" not in index
    for kind in ("1", "2"):
        get_page(client, f"/centres/{centre}/checkpoints/{first}/{kind}/", status=404)
        get_page(client, f"/centres/{centre}/checkpoints/{first}/{kind}/declare/", status=404)
    page = get_page(client, f"/centres/{centre}/checkpoints/{own}/1/").content.decode()
    assert "Turing" in page and "Lovelace" not in page


def test_the_centres_reports_are_for_its_own_staff_only(
    client, world, shared, django_capture_on_commit_callbacks
) -> None:
    report = report_for(world)
    reports = f"/centres/{world.centre_a.number}/tracking/reports/"
    for officer in (world.other_ao_officer, world.ao_officer):
        client.force_login(officer)
        get_page(client, reports, status=403)
        assert client.get(f"{reports}{report.pk}.csv").status_code == 403
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reports).status_code == 403
        dashboard = get_page(client, f"/centres/{world.centre_a.number}/tracking/")
        assert reports not in dashboard.content.decode()
    assert TrackingReport.objects.count() == 1  # no report was queued
    client.force_login(world.exams_officer_a)
    assert "Turing" in client.get(f"{reports}{report.pk}.csv").content.decode("utf-8-sig")
