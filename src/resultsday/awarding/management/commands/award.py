from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from resultsday.awarding.choices import RunMode, RunPolicy
from resultsday.awarding.models import AwardingRun
from resultsday.awarding.services import (
    BATCH_SIZE,
    AwardingError,
    awarding_run_execute,
    awarding_run_start,
)
from resultsday.catalogue.models import Series


class Command(BaseCommand):
    help = (
        "Award a series in this process, with a progress bar: every registration expecting a "
        "result is evaluated to issued, pending, withheld or unclassified/fallback, and a new "
        "result version is written only where the result changes. `--resume RUN` finishes an "
        "interrupted run from its checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--series", help="Series code, e.g. 2027-06.")
        parser.add_argument("--ao", help="Awarding organisation code (needed if several AOs "
                            "have a series with this code).")
        parser.add_argument("--policy", choices=[p.value for p in RunPolicy],
                            default=RunPolicy.STANDARD.value)
        parser.add_argument("--reason", default="Awarding run from the command line.")
        parser.add_argument("--preview", action="store_true",
                            help="Show what would change; write no result.")
        parser.add_argument("--resume", type=int, help="The id of an interrupted run.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                            help=f"Registrations per batch (default {BATCH_SIZE}).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume"]:
            run = AwardingRun.objects.filter(pk=options["resume"]).first()
            if run is None:
                raise CommandError(f"No awarding run has the id {options['resume']}.")
        else:
            try:
                run = awarding_run_start(
                    series=self._series(options), actor=None, reason=options["reason"],
                    policy=RunPolicy(options["policy"]), enqueue=False,
                    mode=RunMode.PREVIEW if options["preview"] else RunMode.COMMIT,
                )
            except AwardingError as exc:
                raise CommandError(exc.message) from exc
        console = Console(stderr=True)
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                      transient=not console.is_terminal) as bar:
            task = bar.add_task(f"Awarding {run.series}", total=run.total or 1,
                                completed=run.processed)
            run = awarding_run_execute(
                run_id=run.pk, batch_size=options["batch_size"],
                progress=lambda r: bar.update(task, completed=r.processed),
            )
        counts = "; ".join(f"{label}: {value}" for label, value in run.count_rows)
        self.stdout.write(f"Run {run.pk} {run.get_status_display().lower()}: "
                          f"{run.processed} registrations. {counts}")

    def _series(self, options: dict[str, Any]) -> Series:
        if not options["series"]:
            raise CommandError("Give --series CODE (or --resume RUN).")
        found = Series.objects.filter(code=options["series"])
        if options["ao"]:
            found = found.filter(awarding_organisation__code=options["ao"])
        series = list(found[:2])
        if not series:
            raise CommandError(f"No series has the code {options['series']!r}.")
        if len(series) > 1:
            raise CommandError("Several awarding organisations have this series: give --ao.")
        return series[0]

