"""The results-day cache: learners' stored results shared by every process, never stale."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resultsday.assessment.models import UnitResult
from resultsday.awarding.choices import ResultStatus
from resultsday.awarding.decisions import Decision
from resultsday.awarding.models import QualificationResult
from resultsday.awarding.services import result_record
from resultsday.catalogue.choices import KeyDateKind
from resultsday.catalogue.models import KeyDate
from resultsday.release import cache as results_cache
from resultsday.release.cache import (
    all_results_changed,
    learner_results_cached,
    learner_results_changed,
)
from resultsday.release.selectors import LearnerResults, learner_results_shown
from resultsday.release.services import discretionary_release_create
from resultsday.testing import World, make_qualification, make_registration, record_unit_result

BEFORE = dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def results_cache_on(settings: Any) -> None:
    """A shared cache for the results, as REDIS_URL gives in production (memory, in a test)."""
    settings.CACHES = {
        **settings.CACHES,
        "results": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "results-tests"},
    }
    caches["results"].clear()


@pytest.fixture
def results_cache_down(results_cache_on: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared cache configured but unreachable: every read and write of it fails."""

    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(caches["results"], "get_many", down)
    monkeypatch.setattr(caches["results"], "set", down)


def issue(world: World, grade: str, points: int) -> None:
    current = QualificationResult.objects.filter(registration=world.registration).first()
    result_record(
        registration_id=world.registration.pk,
        decision=Decision(ResultStatus.ISSUED, grade, points, f"Issued {grade}", {}),
        current=current,
    )


def grades(results: LearnerResults) -> list[str]:
    return [r.grade for r in results.registrations]


def read(world: World) -> LearnerResults:
    return learner_results_cached(learner_id=world.learner.pk)


@pytest.mark.usefixtures("results_cache_on")
def test_it_reads_a_learners_results_from_the_database_once_then_from_the_cache(
    world: World,
) -> None:
    with CaptureQueriesContext(connection) as first:
        read(world)
    with CaptureQueriesContext(connection) as second:
        again = read(world)
    assert len(first) > 0
    assert len(second) == 0
    assert again.registrations[0].units[0].grade == "M"


@pytest.mark.usefixtures("results_cache_on")
def test_a_new_result_version_shows_at_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    assert grades(read(world)) == ["PP"]
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "MM", 72)
    assert grades(read(world)) == ["MM"]


@pytest.mark.usefixtures("results_cache_on")
def test_a_change_is_not_seen_until_it_commits_and_then_at_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    assert grades(read(world)) == [""]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue(world, "PP", 60)
        # Still inside the writer's transaction: the stamp is replaced only on commit.
        assert grades(read(world)) == [""]
    for callback in callbacks:
        callback()
    assert grades(read(world)) == ["PP"]


@pytest.mark.usefixtures("results_cache_on")
def test_a_value_read_while_a_change_commits_is_never_served(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    loads = []
    real = results_cache.learner_results

    def load_then_change(*, learner_id: int) -> LearnerResults:
        value = real(learner_id=learner_id)  # the old rows ...
        loads.append(value)
        if len(loads) == 1:  # ... and a writer commits before the value is stored
            with django_capture_on_commit_callbacks(execute=True):
                learner_results_changed(learner_ids=[learner_id])
        return value

    monkeypatch.setattr(results_cache, "learner_results", load_then_change)
    read(world)
    read(world)
    read(world)
    assert len(loads) == 2  # the value stored with the old stamp was read again, once


@pytest.mark.usefixtures("results_cache_on")
def test_a_unit_grade_reported_shows_at_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from resultsday.assessment.services import unit_grade_record

    read(world)
    unit = world.registration.qualification.structure.get(unit__code="T1").unit
    with django_capture_on_commit_callbacks(execute=True):
        unit_grade_record(actor=None, registration=world.registration, unit=unit, grade="D")
    assert [u.grade for u in read(world).registrations[0].units] == ["D"]


@pytest.mark.usefixtures("results_cache_on")
def test_a_discretionary_release_shows_at_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    with time_machine.travel(BEFORE, tick=False):
        [shown] = learner_results_shown(read(world), now=BEFORE)
        assert not shown.result_visible
        with django_capture_on_commit_callbacks(execute=True):
            discretionary_release_create(
                actor=world.exams_officer_a, registration=world.registration,
                reason="Needed for an apprenticeship start",
            )
        [shown] = learner_results_shown(read(world), now=BEFORE)
    assert shown.result_visible


@pytest.mark.usefixtures("results_cache_on")
def test_an_entry_for_an_external_assessment_puts_the_result_under_embargo_at_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    assert read(world).registrations[0].embargoed is False
    from resultsday.learners.services import entry_create

    unit = world.qualification.structure.get(unit__code="T2").unit
    with django_capture_on_commit_callbacks(execute=True):
        entry_create(actor=world.exams_officer_a, registration=world.registration, unit=unit,
                     series=world.registration.series)
    assert read(world).registrations[0].embargoed is True


@pytest.mark.usefixtures("results_cache_on")
def test_a_change_to_the_release_key_dates_shows_at_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = read(world).registrations[0].times.to_learners
    later = before + dt.timedelta(days=1)  # type: ignore[operator]
    with django_capture_on_commit_callbacks(execute=True):
        KeyDate.objects.filter(
            series=world.registration.series, kind=KeyDateKind.RESULTS_TO_LEARNERS
        ).update(at=later)
        all_results_changed()
    assert read(world).registrations[0].times.to_learners == later


@pytest.mark.usefixtures("results_cache_on")
def test_the_policy_is_applied_on_every_read_never_cached(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    [before] = learner_results_shown(read(world), now=BEFORE)
    [after] = learner_results_shown(read(world), now=AFTER)  # the same cached value
    assert (before.result_visible, after.result_visible) == (False, True)


@pytest.mark.usefixtures("results_cache_down")
def test_it_reads_the_database_when_the_cache_is_unavailable(world: World) -> None:
    assert read(world).registrations[0].units[0].grade == "M"


def test_without_a_shared_cache_every_read_goes_to_the_database(world: World) -> None:
    read(world)
    with CaptureQueriesContext(connection) as again:
        read(world)
    assert len(again) > 0


def test_the_stored_results_take_a_fixed_number_of_queries(world: World) -> None:
    with CaptureQueriesContext(connection) as few:
        read(world)
    unit = world.registration.qualification.structure.get(unit__code="T1").unit
    for n in range(3):
        UnitResult.objects.create(registration=world.registration, unit=unit, attempt=2 + n,
                                  source="centre", grade="P")
    second = make_registration(world.learner, make_qualification(world.ao, qn="601/7158/5"))
    record_unit_result(second, "T1", "D")
    with CaptureQueriesContext(connection) as more:
        results = read(world)
    assert len(results.registrations) == 2
    assert len(more) == len(few) <= 6


@pytest.mark.usefixtures("results_cache_on")
def test_a_warmed_cache_serves_the_first_look_with_no_query(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    call_command("results-cache", "--warm", "--series", world.registration.series.code,
                 stdout=io.StringIO())
    with CaptureQueriesContext(connection) as queries:
        results = read(world)
    assert len(queries) == 0
    assert grades(results) == ["PP"]
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "MM", 72)
    assert grades(read(world)) == ["MM"]


def test_warming_without_a_shared_cache_says_so(world: World) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("results-cache", "--warm", "--series", world.registration.series.code)


BODY = "release/learner_results_body.html"


def my_page(client: Any) -> tuple[str, list[str]]:
    response = client.get("/my/")
    assert response.status_code == 200
    return response.content.decode(), [t.name for t in response.templates]


@pytest.mark.usefixtures("results_cache_on")
def test_a_warmed_page_shows_the_result_from_the_learner_release_without_rendering_it(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    client.force_login(world.learner_user)
    release = read(world).registrations[0].times.to_learners
    assert release is not None
    with time_machine.travel(release - dt.timedelta(hours=1), tick=False):
        # Warmed before the learner release: the page as it is now and as it will be.
        call_command("results-cache", "--warm", "--series", world.registration.series.code,
                     stdout=io.StringIO())
        page, templates = my_page(client)
        assert "Your result appears here on" in page and "<strong>PP</strong>" not in page
        assert BODY not in templates
    with time_machine.travel(release + dt.timedelta(minutes=5), tick=False):
        page, templates = my_page(client)
    assert "<strong>PP</strong>" in page
    assert BODY not in templates


@pytest.mark.usefixtures("results_cache_on")
def test_the_page_body_is_rendered_once_then_served_from_the_cache(
    client: Any, world: World
) -> None:
    client.force_login(world.learner_user)
    assert BODY in my_page(client)[1]
    assert BODY not in my_page(client)[1]


@pytest.mark.usefixtures("results_cache_on")
def test_a_change_shows_on_a_cached_page_at_once(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    client.force_login(world.learner_user)
    with time_machine.travel(AFTER, tick=False):
        assert "<strong>PP</strong>" in my_page(client)[0]
        with django_capture_on_commit_callbacks(execute=True):
            issue(world, "MM", 72)
        page, templates = my_page(client)
    assert "<strong>MM</strong>" in page and "<strong>PP</strong>" not in page
    assert BODY in templates


@pytest.mark.usefixtures("results_cache_on")
def test_a_cached_page_body_is_never_served_for_other_decisions(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    client.force_login(world.learner_user)
    with time_machine.travel(AFTER, tick=False):
        assert "<strong>PP</strong>" in my_page(client)[0]
    # The same cached results, looked at before the learner release: the policy says no.
    with time_machine.travel(BEFORE, tick=False):
        page, templates = my_page(client)
    assert "<strong>PP</strong>" not in page and "Your result appears here on" in page
    assert BODY in templates


@pytest.mark.usefixtures("results_cache_down")
def test_the_page_renders_from_the_database_when_the_cache_is_unavailable(
    client: Any, world: World
) -> None:
    client.force_login(world.learner_user)
    page, templates = my_page(client)
    assert "Your results" in page and BODY in templates


# ---- the API's answer, cached like the page body ----------------------------------------------

API = "/api/v1/my/results"


def my_results(client: Any) -> bytes:
    response = client.get(API)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.content  # type: ignore[no-any-return]


def test_the_decisions_read_from_the_cached_facts_are_the_policys(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from resultsday.release.selectors import learner_release_facts, learner_results_decisions

    make_registration(world.learner, make_qualification(world.ao, qn="601/7158/5"))
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
        discretionary_release_create(
            actor=world.exams_officer_a, registration=world.registration,
            reason="Needed for an apprenticeship start", now=BEFORE,
        )
    results = read(world)
    release = results.registrations[0].times.to_learners
    assert release is not None
    assert len(results.registrations) == 2
    for now in (BEFORE - dt.timedelta(days=1), BEFORE, release - dt.timedelta(seconds=1),
                release, AFTER):
        shown = learner_results_shown(results, now=now)
        assert learner_results_decisions(learner_release_facts(results), now=now) == "".join(
            "1" if s.visibility.visible else "0" for s in shown
        )


@pytest.mark.usefixtures("results_cache_on")
def test_the_api_answer_is_serialised_once_then_served_from_the_cache(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from resultsday.release import api as release_api

    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    client.force_login(world.learner_user)
    with time_machine.travel(AFTER, tick=False):
        first = my_results(client)

        def not_again(**kwargs: Any) -> str:
            raise AssertionError("serialised again")

        monkeypatch.setattr(release_api, "my_results_json", not_again)
        assert my_results(client) == first
    assert b'"grade": "PP"' in first


@pytest.mark.usefixtures("results_cache_on")
def test_a_cached_api_answer_is_the_answer_without_the_cache(
    client: Any, world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    client.force_login(world.learner_user)
    with time_machine.travel(AFTER, tick=False):
        call_command("results-cache", "--warm", "--series", world.registration.series.code,
                     stdout=io.StringIO())
        with CaptureQueriesContext(connection) as queries:
            cached = my_results(client)
        assert not [q for q in queries.captured_queries if "assessment_unitresult" in q["sql"]]
        settings.CACHES = {**settings.CACHES, "results": {
            "BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        assert my_results(client) == cached


def test_the_api_answer_is_what_ninja_makes_of_the_schema(world: World) -> None:
    from ninja.renderers import JSONRenderer

    from resultsday.release.api import MyQualificationOut, MyResultsOut, my_results_json

    issue(world, "PP", 60)
    results = read(world)
    for now in (BEFORE, AFTER):
        shown = learner_results_shown(results, now=now)
        out = MyResultsOut(name=results.full_name, centre=results.centre_name,
                           qualifications=[MyQualificationOut.of(s) for s in shown])
        assert my_results_json(results=results, shown=shown) == JSONRenderer().render(
            None, out.model_dump(), response_status=200  # type: ignore[arg-type]
        )


@pytest.mark.usefixtures("results_cache_on")
def test_a_cached_api_answer_is_never_served_for_other_decisions(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    client.force_login(world.learner_user)
    with time_machine.travel(AFTER, tick=False):
        assert b'"grade": "PP"' in my_results(client)
    # The same cached results, asked for before the learner release: the policy says no.
    with time_machine.travel(BEFORE, tick=False):
        before = my_results(client)
    assert b"PP" not in before and b'"result": null' in before


@pytest.mark.usefixtures("results_cache_on")
def test_a_new_result_shows_in_a_cached_api_answer_at_once(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue(world, "PP", 60)
    client.force_login(world.learner_user)
    with time_machine.travel(AFTER, tick=False):
        assert b'"grade": "PP"' in my_results(client)
        with django_capture_on_commit_callbacks(execute=True):
            issue(world, "MM", 72)
        answer = my_results(client)
    assert b'"grade": "MM"' in answer and b"PP" not in answer


@pytest.mark.usefixtures("results_cache_down")
def test_the_api_answers_from_the_database_when_the_cache_is_unavailable(
    client: Any, world: World
) -> None:
    client.force_login(world.learner_user)
    assert b'"name": "Ada Lovelace"' in my_results(client)
