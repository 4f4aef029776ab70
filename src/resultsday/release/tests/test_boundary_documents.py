"""Grade boundary documents: approved boundaries per series, released with the results."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.utils import timezone

from resultsday.accounts.choices import Role
from resultsday.accounts.models import User
from resultsday.assessment.choices import BoundaryStatus
from resultsday.assessment.models import GradeBoundary
from resultsday.catalogue.choices import Assessment, KeyDateKind, KeyDateScope, ResultsDayType
from resultsday.catalogue.models import KeyDate, Qualification, QualificationUnit, Series, Unit
from resultsday.release.policy import ReleaseTimes, ViewerKind, grade_boundary_visibility
from resultsday.testing import World, get_page, make_series, make_user

BEFORE = dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC)
BETWEEN = dt.datetime(2026, 8, 10, 12, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)
WHEN = {"before": BEFORE, "between": BETWEEN, "after": AFTER}


def boundary(unit: Unit, series: Series, *, version: int = 1,
             status: str = BoundaryStatus.APPROVED, marks: tuple[int, ...] = (60, 12, 20, 35, 50)
             ) -> GradeBoundary:
    max_mark, n, p, m, d = marks
    return GradeBoundary.objects.create(
        unit=unit, series=series, version=version, status=status, max_mark=max_mark,
        n_boundary=n, p_boundary=p, m_boundary=m, d_boundary=d,
        approved_at=None if status == BoundaryStatus.DRAFT else timezone.now(),
    )


def external_unit(world: World) -> Unit:
    return world.qualification.structure.get(unit__code="T2").unit


@pytest.fixture
def approved(world: World) -> World:
    boundary(external_unit(world), world.registration.series)
    return world


def document_url(world: World) -> str:
    return f"/centres/10001/grade-boundaries/{world.registration.series_id}/"


def user_named(world: World, name: str) -> User:
    if name == "senior_teacher_a":
        return make_user("senior_a", role=Role.SENIOR_TEACHER, centre=world.centre_a)
    return getattr(world, name)  # type: ignore[no-any-return]


def page_for(client, user: User, when: dt.datetime, url: str) -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        client.force_login(user)
        return get_page(client, url).content.decode()  # type: ignore[no-any-return]


def csv_for(client, user: User, when: dt.datetime, world: World) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        client.force_login(user)
        response = client.get(f"/centres/10001/grade-boundaries/{world.registration.series_id}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


VISIBLE = [
    ("exams_officer_a", {"before": False, "between": True, "after": True}),
    ("head_of_centre_a", {"before": False, "between": True, "after": True}),
    ("senior_teacher_a", {"before": False, "between": True, "after": True}),
    ("teacher_a", {"before": False, "between": False, "after": True}),
    ("ao_officer", {"before": True, "between": True, "after": True}),
]


@pytest.mark.parametrize("name,expected", VISIBLE)
@pytest.mark.parametrize("when", ["before", "between", "after"])
def test_it_releases_grade_boundaries_to_each_persona_at_their_time(
    client, approved, name, expected, when
) -> None:
    user = user_named(approved, name)
    page = page_for(client, user, WHEN[when], document_url(approved))
    assert ('id="boundaries"' in page) is expected[when]
    assert ("Unit 2 Unit T2" in page) is expected[when]
    assert ("not released to you yet" in page) is not expected[when]
    rows = csv_for(client, user, WHEN[when], approved)
    assert len(rows) == (1 if expected[when] else 0)


def test_it_says_when_hidden_boundaries_reach_the_viewer(client, approved) -> None:
    page = page_for(client, approved.teacher_a, BETWEEN, document_url(approved))
    assert "you can see them from 13 August 2026 at 8am" in page
    page = page_for(client, approved.exams_officer_a, BEFORE, "/centres/10001/grade-boundaries/")
    assert "Released to you on 6 August 2026 at 8am" in page


def test_the_document_lists_the_approved_boundaries_and_the_csv_has_them(
    client, approved
) -> None:
    page = page_for(client, approved.exams_officer_a, AFTER, document_url(approved))
    for mark in ("60", "12", "20", "35", "50"):
        assert f'govuk-table__cell--numeric">{mark}</td>' in page
    (row,) = csv_for(client, approved.exams_officer_a, AFTER, approved)
    assert row == {
        "Series": "Summer 2026", "Suite": "BTEC Nationals (2016)", "Unit": "2",
        "Assessment": "Unit T2", "Maximum mark": "60", "Near Pass (N)": "12", "Pass (P)": "20",
        "Merit (M)": "35", "Distinction (D)": "50", "Version": "1", "Approved": row["Approved"],
    }


def test_drafts_and_superseded_versions_are_never_shown(client, world) -> None:
    unit, series = external_unit(world), world.registration.series
    boundary(unit, series, version=1, status=BoundaryStatus.SUPERSEDED, marks=(60, 1, 2, 3, 4))
    boundary(unit, series, version=2, marks=(60, 12, 20, 35, 50))
    boundary(unit, series, version=3, status=BoundaryStatus.DRAFT, marks=(60, 11, 21, 31, 41))
    (row,) = csv_for(client, world.ao_officer, AFTER, world)
    assert (row["Version"], row["Merit (M)"]) == ("2", "35")


def test_a_series_without_approved_boundaries_says_so(client, world) -> None:
    boundary(external_unit(world), world.registration.series, status=BoundaryStatus.DRAFT)
    page = page_for(client, world.exams_officer_a, AFTER, document_url(world))
    assert "No grade boundaries have been approved for this series yet." in page
    index = page_for(client, world.exams_officer_a, AFTER, "/centres/10001/grade-boundaries/")
    assert "No grade boundaries have been approved yet." in index


def test_the_csv_neutralises_text_a_spreadsheet_would_run(client, approved) -> None:
    Unit.objects.filter(code="T2").update(title='=HYPERLINK("http://evil.example")')
    (row,) = csv_for(client, approved.exams_officer_a, AFTER, approved)
    assert row["Assessment"] == '\'=HYPERLINK("http://evil.example")'


@pytest.fixture
def two_results_days(approved: World) -> World:
    """A Level 1/2 qualification whose external unit is released a week after Level 3's."""
    series = approved.registration.series
    qualification = Qualification.objects.create(
        awarding_organisation=approved.ao, suite=approved.qualification.suite, qn="603/0455/8",
        title="Tech Award", level="1/2", size_glh=120, results_day_type=ResultsDayType.LEVEL1_2,
    )
    unit = Unit.objects.create(suite=approved.qualification.suite, code="T3", number="3",
                               title="Unit T3", glh=60, assessment=Assessment.EXTERNAL)
    QualificationUnit.objects.create(qualification=qualification, unit=unit, mandatory=True)
    for kind, day in [(KeyDateKind.RESULTS_TO_CENTRES, 20), (KeyDateKind.RESULTS_TO_LEARNERS, 27)]:
        KeyDate.objects.create(series=series, kind=kind, applies_to=KeyDateScope.LEVEL1_2,
                               at=dt.datetime(2026, 8, day, 7, 0, tzinfo=dt.UTC))
    boundary(unit, series, marks=(80, 10, 30, 50, 70))
    return approved


def test_each_assessment_waits_for_the_results_day_of_its_qualifications(
    client, two_results_days
) -> None:
    eo = two_results_days.exams_officer_a
    page = page_for(client, eo, BETWEEN, document_url(two_results_days))
    assert "Unit 2 Unit T2" in page and "Unit 3 Unit T3" not in page
    assert "The boundaries of 1 more assessment are not released to you yet: you can see " \
        "them from 20 August 2026 at 8am" in page
    assert [r["Unit"] for r in csv_for(client, eo, BETWEEN, two_results_days)] == ["2"]
    later = dt.datetime(2026, 8, 21, 12, 0, tzinfo=dt.UTC)
    assert [r["Unit"] for r in csv_for(client, eo, later, two_results_days)] == ["2", "3"]
    index = page_for(client, eo, BETWEEN, "/centres/10001/grade-boundaries/")
    assert "1 assessment; 1 more from 20 August 2026 at 8am" in index


def test_other_centres_other_aos_and_learners_cannot_open_the_documents(
    client, approved
) -> None:
    other_series = make_series(approved.other_ao, "2026-06")
    client.force_login(approved.exams_officer_a)
    get_page(client, f"/centres/10001/grade-boundaries/{other_series.pk}/", status=404)
    for user, status in [(approved.exams_officer_b, 404), (approved.other_ao_officer, 404),
                         (approved.learner_user, 403), (approved.regulator, 403)]:
        client.force_login(user)
        get_page(client, document_url(approved), status=status)
        get_page(client, "/centres/10001/grade-boundaries/", status=status)


@pytest.mark.parametrize("viewer", list(ViewerKind))
@pytest.mark.parametrize("when", ["before", "between", "after"])
def test_the_policy_releases_grade_boundaries_like_an_embargoed_result(viewer, when) -> None:
    times = ReleaseTimes(to_centres=dt.datetime(2026, 8, 6, 7, 0, tzinfo=dt.UTC),
                         to_learners=dt.datetime(2026, 8, 13, 7, 0, tzinfo=dt.UTC))
    decision = grade_boundary_visibility(viewer=viewer, times=times, now=WHEN[when])
    expected = {
        ViewerKind.AO_STAFF: True,
        ViewerKind.EXAMS_OFFICER: when != "before",
        ViewerKind.HEAD_OF_CENTRE: when != "before",
        ViewerKind.SENIOR_TEACHER: when != "before",
        ViewerKind.TEACHER: when == "after",
        ViewerKind.LEARNER: when == "after",
        ViewerKind.REGULATOR: False,
    }[viewer]
    assert decision.visible is expected
