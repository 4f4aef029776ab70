"""Reads for results release: release times, and the policy's decision for many results at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from resultsday.accounts.access import principal_for
from resultsday.accounts.choices import AO_ROLES, CENTRE_ROLES, Role
from resultsday.accounts.models import Membership
from resultsday.accounts.permissions import Permission
from resultsday.catalogue.choices import Assessment, KeyDateKind, KeyDateScope
from resultsday.catalogue.models import AwardingOrganisation, KeyDate
from resultsday.core.ordering import natural_key
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Registration
from resultsday.release.models import DiscretionaryRelease, EmbargoedView
from resultsday.release.policy import (
    HIDDEN,
    ReleaseTimes,
    ViewerKind,
    Visibility,
    best_visibility,
    release_times,
    result_visibility,
)

#: The registrations that have a result to show: not one withdrawn, nor one topped up into
#: another (the learner's page, statement and API, and the centre's broadsheet alike).
RESULT_REGISTRATION_STATUSES = (RegistrationStatus.ACTIVE, RegistrationStatus.CERTIFICATED)


@dataclass(frozen=True)
class Viewer:
    """The kinds a user looks at results as: by centre, by AO, as a learner, as the regulator."""

    user_id: int | None
    at_centre: dict[int, frozenset[ViewerKind]] = field(default_factory=dict)
    ao_ids: frozenset[int] = frozenset()
    learner_id: int | None = None
    is_regulator: bool = False

    def kinds_for(self, registration: Registration) -> set[ViewerKind]:
        kinds = set(self.at_centre.get(registration.centre_id, ()))
        if registration.qualification.awarding_organisation_id in self.ao_ids:
            kinds.add(ViewerKind.AO_STAFF)
        if self.learner_id is not None and registration.learner_id == self.learner_id:
            kinds.add(ViewerKind.LEARNER)
        if self.is_regulator:
            kinds.add(ViewerKind.REGULATOR)
        return kinds


def viewer_for(user: Any) -> Viewer:
    """One query for the memberships; the learner link comes from the request's principal."""
    if user is None or not user.is_authenticated:
        return Viewer(user_id=None)
    at_centre: dict[int, set[ViewerKind]] = defaultdict(set)
    ao_ids: set[int] = set()
    is_regulator = False
    for role, centre_id, ao_id in Membership.objects.filter(user_id=user.pk).values_list(
        "role", "centre_id", "awarding_organisation_id"
    ):
        if role in CENTRE_ROLES and centre_id is not None:
            at_centre[centre_id].add(ViewerKind(role))
        elif role in AO_ROLES and ao_id is not None:
            ao_ids.add(ao_id)
        elif role == Role.REGULATOR:
            is_regulator = True
    return Viewer(
        user_id=user.pk,
        at_centre={k: frozenset(v) for k, v in at_centre.items()},
        ao_ids=frozenset(ao_ids),
        learner_id=principal_for(user).learner_id,
        is_regulator=is_regulator,
    )


def release_times_by_series(series_ids: Iterable[int]) -> dict[tuple[int, str], ReleaseTimes]:
    """Release times keyed by (series id, results-day type), from one read of the key dates."""
    dates: dict[int, list[tuple[str, str, dt.datetime]]] = defaultdict(list)
    for series_id, kind, applies_to, at in KeyDate.objects.filter(
        series_id__in=set(series_ids),
        kind__in=[KeyDateKind.RESULTS_TO_CENTRES, KeyDateKind.RESULTS_TO_LEARNERS],
    ).values_list("series_id", "kind", "applies_to", "at"):
        dates[series_id].append((kind, applies_to, at))
    return _TimesLookup(dates)


class _TimesLookup(dict[tuple[int, str], ReleaseTimes]):
    def __init__(self, dates: dict[int, list[tuple[str, str, dt.datetime]]]) -> None:
        super().__init__()
        self._dates = dates

    def __missing__(self, key: tuple[int, str]) -> ReleaseTimes:
        series_id, results_day_type = key
        times = release_times(self._dates.get(series_id, []), results_day_type=results_day_type)
        self[key] = times
        return times


def embargoed_registration_ids(registration_ids: Iterable[int]) -> set[int]:
    """Registrations pending an external result in their series: entered for an external unit."""
    return set(
        Entry.objects.filter(
            registration_id__in=set(registration_ids),
            status=EntryStatus.ENTERED,
            unit__assessment=Assessment.EXTERNAL,
        )
        .filter(series_id=F("registration__series_id"))
        .values_list("registration_id", flat=True)
    )


def result_visibilities(
    *, user: Any, registrations: Sequence[Registration], now: dt.datetime | None = None
) -> dict[int, Visibility]:
    """The policy's decision for each registration's result, keyed by registration id.

    A fixed number of queries whatever the number of registrations (memberships, key dates,
    entries, discretionary releases); registrations need `qualification` selected.
    """
    if not registrations:
        return {}
    now = now or timezone.now()
    viewer = viewer_for(user)
    ids = [r.pk for r in registrations]
    times = release_times_by_series(r.series_id for r in registrations)
    embargoed = embargoed_registration_ids(ids)
    released = dict(
        DiscretionaryRelease.objects.filter(registration_id__in=ids).values_list(
            "registration_id", "released_at"
        )
    )
    decisions: dict[int, Visibility] = {}
    for registration in registrations:
        kinds = viewer.kinds_for(registration)
        if not kinds:
            decisions[registration.pk] = HIDDEN
            continue
        series_times = times[(registration.series_id, registration.qualification.results_day_type)]
        decisions[registration.pk] = best_visibility(
            result_visibility(
                viewer=kind, embargoed=registration.pk in embargoed, times=series_times,
                released_at_discretion=released.get(registration.pk), now=now,
            )
            for kind in sorted(kinds)
        )
    return decisions


@dataclass(frozen=True)
class ResultHistory:
    """A result's versions, oldest first, each with its awarding run (and the run's reason)."""

    versions: list[Any]  # awarding.models.QualificationResultVersion
    # Whether the viewer may open the runs' pages (AO staff who run awarding for the AO).
    can_open_runs: bool


def result_history(*, user: Any, registration: Registration) -> ResultHistory:
    """The history of a registration's result for the learner pages, in one query. Call only
    for a result the viewer may see (the release policy's decision)."""
    from resultsday.awarding.models import QualificationResultVersion

    result = getattr(registration, "result", None)
    if result is None:
        return ResultHistory(versions=[], can_open_runs=False)
    versions = list(
        QualificationResultVersion.objects.filter(result=result)
        .select_related("run", "changed_by").order_by("version")
    )
    ao_id = registration.qualification.awarding_organisation_id
    return ResultHistory(
        versions=versions,
        can_open_runs=ao_id in principal_for(user).ao_ids(Permission.AO_AWARDING_RUN),
    )


def embargoed_views_for_ao(ao: AwardingOrganisation) -> QuerySet[EmbargoedView]:
    return EmbargoedView.objects.filter(awarding_organisation=ao).select_related(
        "user", "centre", "registration__learner", "registration__qualification"
    )


# ---- a learner's own results: stored rows, policy applied at read time ------------------------


@dataclass(frozen=True)
class StoredUnitResult:
    """One reported unit result, as a learner's results show it."""

    unit: str
    assessment: str
    assessment_label: str
    is_external: bool
    attempt: int
    is_retake: bool
    grade: str
    grade_label: str
    unit_number: str = ""
    unit_title: str = ""


@dataclass(frozen=True)
class StoredResult:
    """One registration with its stored (awarded) result and the facts the policy decides on.

    Holds no decision: whether the learner may see the result depends on the clock, so it is
    worked out on every read by `learner_results_shown`.
    """

    registration_id: int
    qualification_title: str
    qualification_qn: str
    series_code: str
    series_name: str
    status: str
    status_label: str
    result_status: str | None
    result_status_label: str
    grade: str
    points: int | None
    embargoed: bool
    released_at_discretion: dt.datetime | None
    times: ReleaseTimes
    units: tuple[StoredUnitResult, ...]
    # For the statement of results and "what to do next".
    qualification_level: str = ""
    awarding_organisation_id: int = 0
    awarding_organisation_name: str = ""
    ucas_applicant: bool = False
    post_results_deadline: dt.datetime | None = None
    decline_grade_deadline: dt.datetime | None = None


@dataclass(frozen=True)
class LearnerResults:
    """Everything a learner's results page and API show, before the policy is applied."""

    learner_id: int
    full_name: str
    centre_name: str
    registrations: tuple[StoredResult, ...]
    uln: str = ""
    candidate_number: str = ""
    centre_id: int = 0
    centre_number: str = ""


def learner_results(*, learner_id: int) -> LearnerResults:
    """A learner's registrations, stored results, unit results and release facts: four queries.

    Results are computed by awarding runs and stored; nothing is recomputed here. The value is
    plain data (safe to cache) and holds no visibility decision.
    """
    return learner_results_many(learner_ids=[learner_id])[learner_id]


def learner_results_many(*, learner_ids: Sequence[int]) -> dict[int, LearnerResults]:
    """`learner_results` for many learners at once, in the same four queries (to warm a cache).

    Rows are read as values, not model instances: on results day every first look at a
    learner's results comes here. A learner id that does not exist is left out.
    """
    from resultsday.assessment.choices import UnitGrade
    from resultsday.assessment.models import UnitResult
    from resultsday.awarding.choices import ResultStatus
    from resultsday.learners.choices import RegistrationStatus
    from resultsday.learners.models import Learner

    ids = sorted(set(learner_ids))
    learners = Learner.objects.filter(pk__in=ids).order_by().values_list(
        "pk", "first_name", "last_name", "uln", "candidate_number", "centre_id", "centre__name",
        "centre__number",
    )
    pending_external = Entry.objects.filter(
        registration_id=OuterRef("pk"), status=EntryStatus.ENTERED,
        unit__assessment=Assessment.EXTERNAL, series_id=OuterRef("series_id"),
    )
    registrations = list(
        # Not a withdrawn registration, nor one topped up into another: neither has a result
        # of its own to show, as the centre's broadsheet leaves them out.
        Registration.objects.filter(learner_id__in=ids, status__in=RESULT_REGISTRATION_STATUSES)
        .annotate(embargoed=Exists(pending_external))
        .order_by("-created_at", "-pk")
        .values(
            "pk", "learner_id", "series_id", "status", "ucas_applicant", "embargoed",
            "qualification__title", "qualification__qn", "qualification__level",
            "qualification__results_day_type", "qualification__awarding_organisation_id",
            "qualification__awarding_organisation__name", "series__code", "series__name",
            "result__status", "result__grade", "result__points",
            "discretionary_release__released_at",
        )
    )
    units: dict[int, list[StoredUnitResult]] = defaultdict(list)
    for registration_id, number, title, assessment, attempt, is_retake, grade in (
        UnitResult.objects.filter(registration__learner_id__in=ids)
        .order_by()
        .values_list(
            "registration_id", "unit__number", "unit__title", "unit__assessment", "attempt",
            "is_retake", "grade",
        )
    ):
        units[registration_id].append(
            StoredUnitResult(
                unit=f"Unit {number} {title}", assessment=assessment,
                assessment_label=Assessment(assessment).label,
                is_external=assessment == Assessment.EXTERNAL, attempt=attempt,
                is_retake=is_retake, grade=grade, grade_label=UnitGrade(grade).label,
                unit_number=number, unit_title=title,
            )
        )
    for unit_list in units.values():
        # "Unit 2" before "Unit 11" (the database orders the numbers as text).
        unit_list.sort(key=lambda u: (
            natural_key(u.unit_number), natural_key(u.unit_title), u.attempt))
    dates = _series_dates({r["series_id"] for r in registrations})
    stored: dict[int, list[StoredResult]] = defaultdict(list)
    for r in registrations:
        series_id, day = r["series_id"], r["qualification__results_day_type"]
        result_status = r["result__status"]
        stored[r["learner_id"]].append(
            StoredResult(
                registration_id=r["pk"], qualification_title=r["qualification__title"],
                qualification_qn=r["qualification__qn"], series_code=r["series__code"],
                series_name=r["series__name"], status=r["status"],
                status_label=RegistrationStatus(r["status"]).label,
                result_status=result_status,
                result_status_label=ResultStatus(result_status).label if result_status else "",
                grade=r["result__grade"] or "",
                points=r["result__points"],
                embargoed=r["embargoed"],
                released_at_discretion=r["discretionary_release__released_at"],
                times=release_times(dates.get(series_id, []), results_day_type=day),
                units=tuple(units.get(r["pk"], ())),
                qualification_level=r["qualification__level"],
                awarding_organisation_id=r["qualification__awarding_organisation_id"],
                awarding_organisation_name=r["qualification__awarding_organisation__name"],
                ucas_applicant=r["ucas_applicant"],
                post_results_deadline=_pick_date(
                    dates, series_id, KeyDateKind.POST_RESULTS_DEADLINE, day
                ),
                decline_grade_deadline=_pick_date(
                    dates, series_id, KeyDateKind.DECLINE_GRADE_DEADLINE, day
                ),
            )
        )
    return {
        pk: LearnerResults(
            learner_id=pk, full_name=f"{first_name} {last_name}", centre_name=centre_name,
            registrations=tuple(stored.get(pk, ())), uln=uln, candidate_number=candidate_number,
            centre_id=centre_id, centre_number=centre_number,
        )
        for pk, first_name, last_name, uln, candidate_number, centre_id, centre_name,
        centre_number in learners
    }


_LEARNER_DATES = (
    KeyDateKind.RESULTS_TO_CENTRES, KeyDateKind.RESULTS_TO_LEARNERS,
    KeyDateKind.POST_RESULTS_DEADLINE, KeyDateKind.DECLINE_GRADE_DEADLINE,
)


def _series_dates(series_ids: set[int]) -> dict[int, list[tuple[str, str, dt.datetime]]]:
    """The key dates a learner's results show, (kind, applies_to, at) by series: one query."""
    dates: dict[int, list[tuple[str, str, dt.datetime]]] = defaultdict(list)
    if series_ids:
        for series_id, kind, applies_to, at in KeyDate.objects.filter(
            series_id__in=series_ids, kind__in=_LEARNER_DATES
        ).order_by().values_list("series_id", "kind", "applies_to", "at"):
            dates[series_id].append((kind, applies_to, at))
    return dates


def _pick_date(
    dates: dict[int, list[tuple[str, str, dt.datetime]]], series_id: int, kind: str,
    results_day_type: str,
) -> dt.datetime | None:
    """A level's own date beats the one for all qualifications (as for the release times)."""
    found = {applies_to: at for k, applies_to, at in dates.get(series_id, ()) if k == kind}
    return found.get(results_day_type) or found.get(KeyDateScope.ALL)


@dataclass(frozen=True)
class ShownResult:
    """One registration as the learner may see it now: the decision, and what it lets through."""

    registration: StoredResult
    visibility: Visibility
    units: tuple[StoredUnitResult, ...]

    @property
    def result_visible(self) -> bool:
        return self.visibility.visible and self.registration.result_status is not None


# What the policy decides one of a learner's results on: embargoed, the centre and learner
# release times, the discretionary release. Plain values, cheap to cache and read back.
ReleaseFacts = tuple[bool, dt.datetime | None, dt.datetime | None, dt.datetime | None]


def learner_release_facts(results: LearnerResults) -> tuple[ReleaseFacts, ...]:
    """The facts the policy decides each of a learner's results on, in registration order."""
    return tuple(
        (s.embargoed, s.times.to_centres, s.times.to_learners, s.released_at_discretion)
        for s in results.registrations
    )


def learner_visibility(facts: ReleaseFacts, *, now: dt.datetime) -> Visibility:
    """The policy's decision on one of a learner's own results at `now`."""
    embargoed, to_centres, to_learners, released_at_discretion = facts
    return result_visibility(
        viewer=ViewerKind.LEARNER, embargoed=embargoed,
        times=ReleaseTimes(to_centres=to_centres, to_learners=to_learners),
        released_at_discretion=released_at_discretion, now=now,
    )


def learner_results_decisions(facts: Sequence[ReleaseFacts], *, now: dt.datetime) -> str:
    """Which of a learner's results the policy lets them see at `now`, as "1"/"0" per
    registration: what `learner_results_shown` decides, from the facts alone."""
    return "".join("1" if learner_visibility(f, now=now).visible else "0" for f in facts)


def learner_results_shown(results: LearnerResults, *, now: dt.datetime) -> list[ShownResult]:
    """Apply the visibility policy to a learner's own results at `now` (no queries).

    The overall result and external unit results appear only when the policy lets the learner
    see the result; internal unit grades are the centre's own reports and always show.
    A learner's view is never an early one, so there is nothing to record.
    """
    shown = []
    for stored, facts in zip(results.registrations, learner_release_facts(results), strict=True):
        decision = learner_visibility(facts, now=now)
        units = stored.units if decision.visible else tuple(
            u for u in stored.units if not u.is_external
        )
        shown.append(ShownResult(registration=stored, visibility=decision, units=units))
    return shown


def learner_results_shown_to(
    results: LearnerResults, *, viewer: Viewer, now: dt.datetime
) -> list[ShownResult]:
    """As `learner_results_shown`, for any viewer: the learner themselves, centre staff, AO staff.

    Each registration gets the most open decision over the viewer's kinds (a person may hold
    several roles). No queries: `viewer` comes from `viewer_for`. Early (embargoed) views
    among the decisions must be recorded by the caller (`release.services`).
    """
    shown = []
    for stored in results.registrations:
        kinds: set[ViewerKind] = set(viewer.at_centre.get(results.centre_id, ()))
        if stored.awarding_organisation_id in viewer.ao_ids:
            kinds.add(ViewerKind.AO_STAFF)
        if viewer.learner_id is not None and viewer.learner_id == results.learner_id:
            kinds.add(ViewerKind.LEARNER)
        if viewer.is_regulator:
            kinds.add(ViewerKind.REGULATOR)
        decision = best_visibility(
            result_visibility(
                viewer=kind, embargoed=stored.embargoed, times=stored.times,
                released_at_discretion=stored.released_at_discretion, now=now,
            )
            for kind in sorted(kinds)
        )
        units = stored.units if decision.visible else tuple(
            u for u in stored.units if not u.is_external
        )
        shown.append(ShownResult(registration=stored, visibility=decision, units=units))
    return shown
