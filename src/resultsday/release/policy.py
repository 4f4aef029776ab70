"""Who may see a qualification result, and when: the one visibility policy.

Pure Python, no Django: every page, export, API endpoint and cache asks `result_visibility`.
Each rule is a named function whose docstring is the rule text; `result_visibility` applies
them in order and the first that decides wins. The release times come from the series' key
dates (`release_times`), a level's own date beating the one for all qualifications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class ViewerKind(StrEnum):
    """Who is looking at a result, as far as the release rules care."""

    LEARNER = "learner"
    EXAMS_OFFICER = "exams_officer"
    HEAD_OF_CENTRE = "head_of_centre"
    SENIOR_TEACHER = "senior_teacher"
    TEACHER = "teacher"
    AO_STAFF = "ao_staff"
    REGULATOR = "regulator"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ViewerKind.LEARNER: "Learner",
    ViewerKind.EXAMS_OFFICER: "Exams officer",
    ViewerKind.HEAD_OF_CENTRE: "Head of centre",
    ViewerKind.SENIOR_TEACHER: "Senior teacher",
    ViewerKind.TEACHER: "Teacher",
    ViewerKind.AO_STAFF: "Awarding organisation staff",
    ViewerKind.REGULATOR: "Regulator",
}

# Centre staff who check results during the embargo (JCQ: the exams officer, the head of
# centre and senior staff); everyone else at the centre waits for the learners' release.
EMBARGO_READERS = frozenset(
    {ViewerKind.EXAMS_OFFICER, ViewerKind.HEAD_OF_CENTRE, ViewerKind.SENIOR_TEACHER}
)
CENTRE_STAFF = EMBARGO_READERS | {ViewerKind.TEACHER}

# The key date kinds and scopes, as stored (catalogue.choices), without importing Django.
RESULTS_TO_CENTRES = "results_to_centres"
RESULTS_TO_LEARNERS = "results_to_learners"
SCOPE_ALL = "all"


@dataclass(frozen=True)
class ReleaseTimes:
    """When one level's results of one series reach centres, and learners (None: not set)."""

    to_centres: dt.datetime | None
    to_learners: dt.datetime | None


@dataclass(frozen=True)
class Situation:
    """Everything the rules look at for one viewer and one registration's result."""

    viewer: ViewerKind
    embargoed: bool
    times: ReleaseTimes
    released_at_discretion: dt.datetime | None
    now: dt.datetime

    @property
    def before_learner_release(self) -> bool:
        return self.times.to_learners is None or self.now < self.times.to_learners

    @property
    def after_centre_release(self) -> bool:
        # Without a centre release time, the embargo ends for centres when it ends for learners.
        start = self.times.to_centres or self.times.to_learners
        return start is not None and self.now >= start


@dataclass(frozen=True)
class Visibility:
    """The decision: may the viewer see the result, and must the view be recorded."""

    visible: bool
    early: bool
    rule: str
    reason: str
    viewer: ViewerKind | None = None
    # The facts decided on, for pages to explain the decision ("embargoed until ...").
    embargoed: bool = False
    times: ReleaseTimes = ReleaseTimes(to_centres=None, to_learners=None)
    released_at_discretion: dt.datetime | None = None


def release_times(
    key_dates: Iterable[tuple[str, str, dt.datetime]], *, results_day_type: str
) -> ReleaseTimes:
    """The release times for one level from a series' (kind, applies_to, at) key dates.

    A date for the level itself beats a date for all qualifications.
    """
    found: dict[tuple[str, bool], dt.datetime] = {}
    for kind, applies_to, at in key_dates:
        if applies_to == results_day_type:
            found[(kind, True)] = at
        elif applies_to == SCOPE_ALL:
            found[(kind, False)] = at

    def pick(kind: str) -> dt.datetime | None:
        return found.get((kind, True)) or found.get((kind, False))

    return ReleaseTimes(to_centres=pick(RESULTS_TO_CENTRES), to_learners=pick(RESULTS_TO_LEARNERS))


Rule = Callable[[Situation], "Visibility | None"]


def _decide(rule: Rule, visible: bool, situation: Situation, *, early: bool = False) -> Visibility:
    doc = (rule.__doc__ or "").strip().splitlines()[0]
    return Visibility(
        visible=visible, early=early and visible, rule=rule.__name__, reason=doc,
        viewer=situation.viewer, embargoed=situation.embargoed, times=situation.times,
        released_at_discretion=situation.released_at_discretion,
    )


def regulator_never_sees_learner_results(s: Situation) -> Visibility | None:
    """The regulator sees aggregates, never a learner's result."""
    if s.viewer == ViewerKind.REGULATOR:
        return _decide(regulator_never_sees_learner_results, False, s)
    return None


def ao_staff_always_see_results(s: Situation) -> Visibility | None:
    """Awarding organisation staff see their results at any time."""
    if s.viewer == ViewerKind.AO_STAFF:
        return _decide(
            ao_staff_always_see_results, True, s,
            early=s.embargoed and s.before_learner_release,
        )
    return None


def learners_see_results_from_their_release_time(s: Situation) -> Visibility | None:
    """Nothing reaches a learner before their release time."""
    if s.viewer != ViewerKind.LEARNER:
        return None
    if not s.before_learner_release:
        return _decide(learners_see_results_from_their_release_time, True, s)
    return None


def centre_may_release_results_without_an_external_result_early(
    s: Situation,
) -> Visibility | None:
    """A result issued without an external result from the series reaches the learner once the centre releases it."""  # noqa: E501
    if s.viewer != ViewerKind.LEARNER:
        return None
    released = (
        not s.embargoed
        and s.released_at_discretion is not None
        and s.now >= s.released_at_discretion
    )
    return _decide(centre_may_release_results_without_an_external_result_early, released, s)


def centre_staff_see_results_outside_the_embargo(s: Situation) -> Visibility | None:
    """The embargo covers only registrations pending an external result in the series."""
    if s.viewer in CENTRE_STAFF and not s.embargoed:
        return _decide(centre_staff_see_results_outside_the_embargo, True, s)
    return None


def senior_centre_staff_see_embargoed_results_from_the_centre_release(
    s: Situation,
) -> Visibility | None:
    """Exams officers, heads of centre and senior teachers see embargoed results from the centre release time."""  # noqa: E501
    if s.viewer in EMBARGO_READERS:
        return _decide(
            senior_centre_staff_see_embargoed_results_from_the_centre_release,
            s.after_centre_release, s, early=s.before_learner_release,
        )
    return None


def teachers_see_embargoed_results_from_the_learner_release(s: Situation) -> Visibility | None:
    """Teachers see embargoed results from the learner release time."""
    if s.viewer == ViewerKind.TEACHER:
        return _decide(
            teachers_see_embargoed_results_from_the_learner_release,
            not s.before_learner_release, s,
        )
    return None


RULES: tuple[Rule, ...] = (
    regulator_never_sees_learner_results,
    ao_staff_always_see_results,
    learners_see_results_from_their_release_time,
    centre_may_release_results_without_an_external_result_early,
    centre_staff_see_results_outside_the_embargo,
    senior_centre_staff_see_embargoed_results_from_the_centre_release,
    teachers_see_embargoed_results_from_the_learner_release,
)

def deny_by_default(s: Situation) -> Visibility | None:
    """Nobody else sees a learner's result."""
    return None


HIDDEN = Visibility(
    visible=False, early=False, rule="deny_by_default",
    reason="Nobody else sees a learner's result.",
)


def result_visibility(
    *,
    viewer: ViewerKind,
    embargoed: bool,
    times: ReleaseTimes,
    released_at_discretion: dt.datetime | None,
    now: dt.datetime,
) -> Visibility:
    """May this viewer see this registration's result now, and is it an early (embargoed) view?"""
    situation = Situation(
        viewer=viewer, embargoed=embargoed, times=times,
        released_at_discretion=released_at_discretion, now=now,
    )
    for rule in RULES:
        decision = rule(situation)
        if decision is not None:
            return decision
    return _decide(deny_by_default, False, situation)


def best_visibility(decisions: Iterable[Visibility]) -> Visibility:
    """For a person with several roles: the most open decision (a visible one, early first)."""
    best: Visibility | None = None
    for decision in decisions:
        if best is None or (decision.visible and (not best.visible or decision.early)):
            best = decision
    return best or HIDDEN


def may_release_at_discretion(*, embargoed: bool, result_issued: bool) -> str | None:
    """Why the centre may not release this result to the learner early, or None if it may."""
    if embargoed:
        return "This result waits for an external result from this series: it is embargoed."
    if not result_issued:
        return "Only an issued result can be released."
    return None


def grade_boundary_visibility(
    *, viewer: ViewerKind, times: ReleaseTimes, now: dt.datetime
) -> Visibility:
    """May this viewer see a series' approved grade boundaries now?

    Boundaries belong to the external assessments the embargo waits for, so they follow the
    rules for an embargoed result: AO staff at any time, exams officers, heads of centre and
    senior teachers from the centre release time, teachers from the learner release time.
    """
    return result_visibility(
        viewer=viewer, embargoed=True, times=times, released_at_discretion=None, now=now
    )


def result_reaches_viewer_at(decision: Visibility) -> dt.datetime | None:
    """When a result the policy hides from a viewer reaches them: the first release time at
    which the policy (asked again) lets them see it. None if it is visible already, or if no
    release time does."""
    if decision.visible or decision.viewer is None:
        return None
    times = decision.times
    for at in sorted({t for t in (times.to_centres, times.to_learners) if t is not None}):
        if result_visibility(viewer=decision.viewer, embargoed=decision.embargoed, times=times,
                             released_at_discretion=decision.released_at_discretion,
                             now=at).visible:
            return at
    return None
