"""One test per rule of the visibility policy, named after it (pure: no database)."""

from __future__ import annotations

import datetime as dt

from resultsday.release import policy
from resultsday.release.policy import ReleaseTimes, ViewerKind, result_visibility

TO_CENTRES = dt.datetime(2027, 8, 11, 7, 0, tzinfo=dt.UTC)
TO_LEARNERS = dt.datetime(2027, 8, 19, 7, 0, tzinfo=dt.UTC)
TIMES = ReleaseTimes(to_centres=TO_CENTRES, to_learners=TO_LEARNERS)
BEFORE = TO_CENTRES - dt.timedelta(days=1)
BETWEEN = TO_CENTRES + dt.timedelta(hours=1)
AFTER = TO_LEARNERS + dt.timedelta(minutes=1)


def decide(viewer: ViewerKind, now: dt.datetime, *, embargoed: bool = True,
           released: dt.datetime | None = None) -> policy.Visibility:
    return result_visibility(
        viewer=viewer, embargoed=embargoed, times=TIMES, released_at_discretion=released, now=now
    )


def test_regulator_never_sees_learner_results() -> None:
    for now in (BEFORE, BETWEEN, AFTER):
        decision = decide(ViewerKind.REGULATOR, now, embargoed=False)
        assert not decision.visible
        assert decision.rule == "regulator_never_sees_learner_results"
        assert decision.reason == "The regulator sees aggregates, never a learner's result."


def test_ao_staff_always_see_results() -> None:
    assert decide(ViewerKind.AO_STAFF, BEFORE).visible
    assert decide(ViewerKind.AO_STAFF, BEFORE).early
    assert not decide(ViewerKind.AO_STAFF, AFTER).early
    assert not decide(ViewerKind.AO_STAFF, BEFORE, embargoed=False).early


def test_learners_see_results_from_their_release_time() -> None:
    assert not decide(ViewerKind.LEARNER, BEFORE).visible
    assert not decide(ViewerKind.LEARNER, BETWEEN).visible
    after = decide(ViewerKind.LEARNER, AFTER)
    assert after.visible and not after.early
    assert after.rule == "learners_see_results_from_their_release_time"


def test_centre_may_release_results_without_an_external_result_early() -> None:
    released = BEFORE - dt.timedelta(days=1)
    assert not decide(ViewerKind.LEARNER, BEFORE, embargoed=False).visible
    assert decide(ViewerKind.LEARNER, BEFORE, embargoed=False, released=released).visible
    # A release does not lift the embargo of a result waiting for an external result.
    assert not decide(ViewerKind.LEARNER, BETWEEN, embargoed=True, released=released).visible


def test_centre_staff_see_results_outside_the_embargo() -> None:
    for viewer in policy.CENTRE_STAFF:
        decision = decide(viewer, BEFORE, embargoed=False)
        assert decision.visible and not decision.early
        assert decision.rule == "centre_staff_see_results_outside_the_embargo"


def test_senior_centre_staff_see_embargoed_results_from_the_centre_release() -> None:
    for viewer in policy.EMBARGO_READERS:
        assert not decide(viewer, BEFORE).visible
        between = decide(viewer, BETWEEN)
        assert between.visible and between.early
        after = decide(viewer, AFTER)
        assert after.visible and not after.early


def test_teachers_see_embargoed_results_from_the_learner_release() -> None:
    assert not decide(ViewerKind.TEACHER, BEFORE).visible
    assert not decide(ViewerKind.TEACHER, BETWEEN).visible
    assert decide(ViewerKind.TEACHER, AFTER).visible


def test_without_release_times_nobody_at_the_centre_sees_an_embargoed_result() -> None:
    unset = ReleaseTimes(to_centres=None, to_learners=None)
    for viewer in (*policy.CENTRE_STAFF, ViewerKind.LEARNER):
        assert not result_visibility(
            viewer=viewer, embargoed=True, times=unset, released_at_discretion=None, now=AFTER
        ).visible


def test_a_levels_own_release_time_beats_the_one_for_all_qualifications() -> None:
    general = dt.datetime(2027, 8, 1, 7, tzinfo=dt.UTC)
    dates = [
        ("results_to_centres", "all", general),
        ("results_to_learners", "all", general),
        ("results_to_learners", "level3", TO_LEARNERS),
        ("results_to_learners", "level1_2", general + dt.timedelta(days=3)),
    ]
    assert policy.release_times(dates, results_day_type="level3") == ReleaseTimes(
        to_centres=general, to_learners=TO_LEARNERS
    )
    assert policy.release_times(dates, results_day_type="level1_2").to_learners == (
        general + dt.timedelta(days=3)
    )


def test_the_most_open_decision_wins_for_a_person_with_several_roles() -> None:
    decisions = [decide(ViewerKind.TEACHER, BETWEEN), decide(ViewerKind.EXAMS_OFFICER, BETWEEN)]
    best = policy.best_visibility(decisions)
    assert best.visible and best.early and best.viewer == ViewerKind.EXAMS_OFFICER


def test_only_an_issued_result_outside_the_embargo_may_be_released_at_discretion() -> None:
    assert policy.may_release_at_discretion(embargoed=False, result_issued=True) is None
    assert policy.may_release_at_discretion(embargoed=True, result_issued=True)
    assert policy.may_release_at_discretion(embargoed=False, result_issued=False)
