"""Tracking throughput: statuses for N registrations, reports for M centres, one big centre.

    python bench/tracking.py                                   # small: 3,000 learners, 20 centres
    python bench/tracking.py --learners 1000000 --centres 5000 --big 2000   # the issue's sizes
    DATABASE_URL=postgres://... python bench/tracking.py ...   # the targets are for PostgreSQL

Data comes from the demo seed (realistic mixes and planted problems) in a throwaway database
(a SQLite file under var/bench/ unless DATABASE_URL is set; its tables are flushed first).
Seeding is not timed. Timed: (1) the live status of every registration, through the same
`tracking_rows_chunked` the reports use; (2) a kept report (XLSX + CSV) for every centre;
(3) one report for a single centre of `--big` learners.
Targets (issue 5, on PostgreSQL): statuses <= 60 s for 1,000,000; all reports <= 5 min for
5,000 centres; one report <= 2 s for 2,000 learners.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    os.environ.setdefault("RESULTSDAY_DEMO", "1")
    if "DATABASE_URL" not in os.environ:
        path = ROOT / "var" / "bench" / "tracking.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resultsday.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _fresh(seed: int, centres: int, learners: int) -> float:
    from django.core.management import call_command

    from resultsday.core.demo import demo_seed

    call_command("flush", verbosity=0, interactive=False)
    started = time.perf_counter()
    demo_seed(seed=seed, centres=centres, learners=learners)
    return time.perf_counter() - started


def _timed(label: str, fn, target: float | None = None) -> float:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    verdict = "" if target is None else (
        f" (target {target:.1f} s: {'met' if wall <= target else 'MISSED'})")
    print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU{verdict} -> {result}")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=3000)
    parser.add_argument("--centres", type=int, default=20)
    parser.add_argument("--big", type=int, default=2000, help="Learners at the one big centre.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    _setup()

    from collections import Counter

    from django.db import connection

    from resultsday.centres.models import Centre
    from resultsday.grading import default_catalogue
    from resultsday.learners.models import Registration
    from resultsday.tracking.choices import ReportTrigger
    from resultsday.tracking.selectors import tracking_rows_chunked
    from resultsday.tracking.services import tracking_report_create, tracking_reports_generate_all

    default_catalogue()  # loaded once per process (YAML specs); not part of the figures
    print(f"database: {connection.vendor}")
    seeded = _fresh(args.seed, args.centres, args.learners)
    n = Registration.objects.count()
    print(f"seeded {args.learners} learners at {args.centres} centres ({n} registrations) "
          f"in {seeded:.1f} s (not timed)")

    def statuses() -> str:
        counts = Counter(row.status.code.value for row in
                         tracking_rows_chunked(Registration.objects.all()))
        return ", ".join(f"{k} {v}" for k, v in counts.most_common())

    wall = _timed(f"statuses for {n} registrations", statuses,
                  target=60 * n / 1_000_000)
    print(f"  {n / wall:,.0f} statuses per second; 1,000,000 would take {1_000_000 / (n / wall):.0f} s")
    wall = _timed(f"reports for {args.centres} centres",
                  lambda: tracking_reports_generate_all(trigger=ReportTrigger.SCHEDULED),
                  target=300 * args.centres / 5000)
    print(f"  {wall / args.centres:.3f} s per centre; 5,000 centres would take "
          f"{5000 * wall / args.centres:.0f} s")

    _fresh(args.seed, 1, args.big)
    centre = Centre.objects.get()
    _timed(f"one report for a centre of {args.big} learners",
           lambda: f"{tracking_report_create(centre=centre, trigger=ReportTrigger.ON_DEMAND).row_count} rows",
           target=2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
