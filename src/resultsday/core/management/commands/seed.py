from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from resultsday.catalogue.models import AwardingOrganisation
from resultsday.core.demo import DEMO_AO, demo_seed


class Command(BaseCommand):
    help = (
        "Build the reproducible demo data set (demo mode only): a demo AO and two more, the "
        "shipped catalogue, centres with staff, learners, registrations and unit results, "
        "with planted problems that make results late."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument("--centres", type=int, default=20)
        parser.add_argument("--learners", type=int, default=3000)
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing if the demo data already exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("The demo seed runs only in demo mode: set RESULTSDAY_DEMO=1.")
        if options["centres"] < 2 or options["learners"] < options["centres"]:
            raise CommandError("Use at least 2 centres and at least one learner per centre.")
        if AwardingOrganisation.objects.filter(code=DEMO_AO[0]).exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present: nothing to do.")
                return
            raise CommandError(
                "Demo data already exists. Delete var/resultsday.sqlite3 (or use a new "
                "DATABASE_URL) and run migrate, then seed again."
            )
        console = Console()
        with console.status("Building demo data…"):
            summary = demo_seed(
                seed=options["seed"], centres=options["centres"], learners=options["learners"]
            )
        console.print(
            f"Demo data: {summary.centres} centres, {summary.learners} learners, "
            f"{summary.registrations} registrations, {summary.unit_results} unit results, "
            f"{summary.entries} entries."
        )
        for scenario, count in sorted(summary.scenarios.items()):
            console.print(f"  {scenario.replace('_', ' ')}: {count}")
