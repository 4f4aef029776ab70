from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resultsday.centres.models import Centre
from resultsday.tracking.choices import ReportTrigger
from resultsday.tracking.services import (
    tracking_report_create,
    tracking_reports_enqueue,
    tracking_reports_generate_all,
)


class Command(BaseCommand):
    help = (
        "Generate tracking reports. `--centre N --out FILE` writes one centre's report to FILE "
        "(.xlsx for the workbook, .csv for the learner data) and keeps it for the dashboard. "
        "`--all` makes the weekly report for every centre: schedule it with cron, e.g. "
        "`0 6 * * 1 resultsday tracking-report --all` (django-tasks has no scheduler), or "
        "`--all --enqueue` to hand the work to the task workers. `--parallel N` splits the "
        "centres into N parts of about equal registrations: run in N processes here, or, with "
        "--enqueue, queued as N tasks for any number of workers. A centre's weekly report is "
        "kept once a week: run again, only the missing ones are made."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--centre", help="Centre number (5 digits).")
        parser.add_argument("--out", type=Path, help="Where to write the file (.xlsx or .csv).")
        parser.add_argument("--all", action="store_true", help="Every centre (the weekly run).")
        parser.add_argument("--enqueue", action="store_true",
                            help="With --all: queue the work for `resultsday worker`.")
        parser.add_argument("--parallel", type=int, default=1, metavar="N",
                            help="With --all: split the centres into N parts (N processes, "
                            "or N tasks with --enqueue).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            parallel: int = options["parallel"]
            if parallel < 1:
                raise CommandError("--parallel must be 1 or more.")
            if options["enqueue"]:
                tasks = tracking_reports_enqueue(parts=parallel)
                self.stdout.write(f"Queued the tracking reports for every centre as {tasks} "
                                  f"task{'s' if tasks != 1 else ''}.")
                return
            run = tracking_reports_generate_all(trigger=ReportTrigger.SCHEDULED,
                                                processes=parallel)
            self.stdout.write(f"Generated {run.made} tracking reports.")
            if run.failed:
                raise CommandError(f"{len(run.failed)} tracking report(s) failed (see the log), "
                                   f"centres {', '.join(run.failed)}.")
            return
        if not options["centre"]:
            raise CommandError("Give --centre N (with --out FILE), or --all.")
        centre = Centre.objects.filter(number=options["centre"]).first()
        if centre is None:
            raise CommandError(f"No centre has the number {options['centre']}.")
        out: Path | None = options["out"]
        if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("--out must end in .xlsx or .csv.")
        report = tracking_report_create(centre=centre, trigger=ReportTrigger.ON_DEMAND)
        if out is not None:
            out.write_bytes(bytes(report.csv if out.suffix.lower() == ".csv" else report.xlsx))
            self.stdout.write(f"Wrote {out} ({report.row_count} registrations).")
        else:
            self.stdout.write(f"Report {report.pk} kept ({report.row_count} registrations).")
