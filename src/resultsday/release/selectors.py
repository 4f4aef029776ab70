"""Reads for results release: release times, and the policy's decision for many results at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from resultsday.accounts.access import principal_for
from resultsday.accounts.choices import AO_ROLES, CENTRE_ROLES, Role
from resultsday.accounts.models import Membership
from resultsday.catalogue.choices import Assessment, KeyDateKind
from resultsday.catalogue.models import AwardingOrganisation, KeyDate
from resultsday.learners.choices import EntryStatus
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


def embargoed_views_for_ao(ao: AwardingOrganisation) -> QuerySet[EmbargoedView]:
    return EmbargoedView.objects.filter(awarding_organisation=ao).select_related(
        "user", "centre", "registration__learner", "registration__qualification"
    )
