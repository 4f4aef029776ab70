"""Small builders for the registration tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from resultsday.catalogue.choices import KeyDateKind, KeyDateScope
from resultsday.catalogue.models import KeyDate, Qualification, Series
from resultsday.learners.models import Entry
from resultsday.learners.services import LearnerDetails
from resultsday.testing import World, make_qualification, valid_uln


def second_qualification(world: World) -> Qualification:
    return make_qualification(world.ao, qn="601/7158/5", size_glh=360)


def series_of(world: World) -> Series:
    return world.registration.series


def set_registration_deadline(
    series: Series, when: dt.datetime, scope: KeyDateScope = KeyDateScope.ALL
) -> KeyDate:
    return KeyDate.objects.create(
        series=series, kind=KeyDateKind.REGISTRATION_DEADLINE, applies_to=scope,
        at=timezone.make_aware(when),
    )


def new_learner_details(n: int = 900, **changes: object) -> LearnerDetails:
    values: dict[str, object] = {
        "candidate_number": f"{n:04d}", "first_name": "Mary", "last_name": "Somerville",
        "date_of_birth": dt.date(2008, 5, 6), "uln": valid_uln(n),
    }
    values.update(changes)
    return LearnerDetails(**values)  # type: ignore[arg-type]


def entry_for(world: World) -> Entry:
    """An entry for centre A's registration on its external unit (made once per test)."""
    unit = world.qualification.structure.get(unit__code="T2").unit
    entry, _ = Entry.objects.get_or_create(
        registration=world.registration, unit=unit, series=world.registration.series
    )
    return entry
