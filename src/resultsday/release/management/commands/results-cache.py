from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resultsday.catalogue.models import Series
from resultsday.learners.models import Registration
from resultsday.release.cache import all_results_changed, learner_results_warm


class Command(BaseCommand):
    help = (
        "The shared results cache (REDIS_URL). `--warm --series CODE` loads the stored results "
        "of every learner registered in the series, with their results page and API answer as "
        "they show now and from each later learner release time, to run after the last "
        "awarding run and before the learner release, so that learners' first looks are "
        "served from the cache. "
        "`--clear` drops every cached result: use it if the log reports a failed invalidation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--warm", action="store_true")
        parser.add_argument("--clear", action="store_true")
        parser.add_argument("--series", help="Series code, e.g. 2027-06 (for --warm).")
        parser.add_argument("--ao", help="Awarding organisation code (needed if several AOs "
                            "have a series with this code).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["warm"] == options["clear"]:
            raise CommandError("Say --warm --series CODE, or --clear.")
        if options["clear"]:
            all_results_changed()
            self.stdout.write("Every cached result is dropped; learners' next looks read the database.")
            return
        series = self._series(options)
        learner_ids = sorted(set(
            Registration.objects.filter(series=series).values_list("learner_id", flat=True)
        ))
        start = time.perf_counter()
        stored = learner_results_warm(learner_ids=learner_ids)
        if not stored and learner_ids:
            raise CommandError("No shared cache is configured: set REDIS_URL.")
        self.stdout.write(
            f"Cached the results of {stored:,} learners in {series.name} "
            f"in {time.perf_counter() - start:.1f} s."
        )

    @staticmethod
    def _series(options: dict[str, Any]) -> Series:
        if not options["series"]:
            raise CommandError("Name the series: --series CODE.")
        found = Series.objects.filter(code=options["series"])
        if options["ao"]:
            found = found.filter(awarding_organisation__code=options["ao"])
        series = list(found[:2])
        if not series:
            raise CommandError(f"No series has the code {options['series']}.")
        if len(series) > 1:
            raise CommandError("Several awarding organisations have this series: add --ao.")
        return series[0]
