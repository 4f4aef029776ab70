"""Builders for tracking tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from resultsday.catalogue.choices import KeyDateKind
from resultsday.catalogue.models import KeyDate, Series
from resultsday.testing import World
from resultsday.tracking.choices import ReportTrigger
from resultsday.tracking.models import TrackingReport
from resultsday.tracking.services import tracking_report_create


def report_for(world: World) -> TrackingReport:
    """A kept tracking report for centre A (made once per test)."""
    report = TrackingReport.objects.filter(centre=world.centre_a).first()
    return report or tracking_report_create(centre=world.centre_a, trigger=ReportTrigger.ON_DEMAND)


def london(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def add_checkpoint_dates(series: Series) -> None:
    """Checkpoints and an entry deadline like the 2023 calendar (the test series has none)."""
    year = int(series.code[:4])
    for kind, month, day in [(KeyDateKind.ENTRY_DEADLINE, 2, 21), (KeyDateKind.CHECKPOINT_1, 5, 26),
                             (KeyDateKind.CHECKPOINT_2, 6, 23)]:
        KeyDate.objects.get_or_create(series=series, kind=kind,
                                      defaults={"at": london(year, month, day, 17)})
