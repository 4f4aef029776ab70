"""Tracking throughput on PostgreSQL: every status, every centre's report, one big centre's report.

    .venv/bin/python bench/tracking.py                                    # 20,000 registrations
    .venv/bin/python bench/tracking.py --registrations 1000000 --centres 5000   # the issue's sizes
    .venv/bin/python bench/tracking.py --registrations 1000000 --centres 5000 --build-only
    .venv/bin/python bench/tracking.py --reuse --parallel 2    # time the database built before

Run it under `flock /tmp/resultsday-bench.lock` on a shared machine (one benchmark at a time).

Builds a fresh PostgreSQL database (DATABASE_URL_PG, default
postgres://postgres@127.0.0.1:5432/resultsday_bench_tracking) with COPY, like bench/award.py:
`--registrations` learners at `--centres` centres, one of which has `--big` learners, with the
demo seed's mix of situations (core/demo.py's scenario shares and grade distributions: units
missing, entries missing, invalid combinations, top-ups, withdrawals, last year's claims, held
standards verification, undeclared checkpoints). Building is not timed. Timed, on the clock
of 10 June 2027 (after checkpoint 1, before the claim deadline):

1. the live status of every registration (`tracking.bulk.tracked_registrations`);
2. a kept report (XLSX + CSV) for every centre (`tracking_reports_generate_all`, one pass);
3. one report for the big centre (`tracking_report_create`).

With `--parallel N` the first two are timed twice on the same data: in one process, then split
in N parts run in N processes with a connection each (statuses by registration id range,
`tracking.bulk.status_totals`; reports by centre range, as `tracking-report --all --parallel
N` runs them). CPU is this process's plus its children's (PostgreSQL's own is not counted).

Targets (issue 5, PostgreSQL, 1,000,000 registrations): statuses <= 60 s; reports for 5,000
centres <= 5 min; one report for a centre of 2,000 learners <= 2 s. Each line prints the rate
and what the target size would take at that rate.

`--reuse` keeps the database an earlier run built (a million learners take about 6 minutes to
build) and reads its sizes from it; `--steps` and `--no-serial` time only part of the list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/resultsday_bench_tracking"
BATCH = 50_000  # registrations generated and copied at a time
BIG_CENTRE = 20000  # the first centre's number; it holds the --big learners


def _built(url: str) -> bool:
    """Whether the database exists and holds an earlier run's registrations."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM learners_registration)").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def _fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("RESULTSDAY_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resultsday.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    roll = rng.random()
    for name, share in weighted:
        if roll < share:
            return name
        roll -= share
    return weighted[-1][0]


def build(registrations: int, centres: int, big: int, seed: int) -> tuple[int, int, int]:
    """Catalogue, centres and series with the ORM; learners and everything per learner by COPY."""
    from django.db import connection

    from resultsday.catalogue.models import AwardingOrganisation, Qualification, Unit
    from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
    from resultsday.centres.models import Centre
    from resultsday.core import demo

    rng = random.Random(seed)
    ao = AwardingOrganisation.objects.create(code="bench", name="Bench AO")
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    current = demo._series(ao, demo.CURRENT_SERIES)
    previous = demo._series(ao, "2026-06")
    quals = list(Qualification.objects.filter(awarding_organisation=ao, size_glh__isnull=False)
                 .order_by("qn"))
    weights = [1.0 + (q.size_glh or 0) / 360 for q in quals]
    plans: dict[int, tuple[list[tuple[int, bool, int]], list[tuple[int, bool, int]]]] = {}
    suite_units: dict[int, list[int]] = {}
    for q in quals:
        placements = list(q.structure.select_related("unit").order_by("-mandatory", "unit__code"))
        plans[q.pk] = ([(p.unit_id, p.unit.is_external, p.unit.glh or 0) for p in placements
                        if p.mandatory],
                       [(p.unit_id, p.unit.is_external, p.unit.glh or 0) for p in placements
                        if not p.mandatory])
    for q in quals:
        inside = {u for u, _, _ in plans[q.pk][0] + plans[q.pk][1]}
        suite_units[q.pk] = list(Unit.objects.filter(suite_id=q.suite_id, assessment="internal")
                                 .exclude(pk__in=inside).values_list("pk", flat=True))
    smaller = {q.pk: [s for s in quals if s.suite_id == q.suite_id and s.sector == q.sector
                      and (s.size_glh or 0) < (q.size_glh or 0)] for q in quals}
    centre_rows = Centre.objects.bulk_create(
        [Centre(number=f"{BIG_CENTRE + i:05d}", name=f"Bench centre {i}") for i in range(centres)],
        batch_size=2000)
    centre_ids = [c.pk for c in centre_rows]
    programmes = sorted({(q.suite_id, q.sector) for q in quals})

    tables: dict[str, tuple[str, list[str]]] = {
        "learners_learner": ("id, centre_id, candidate_number, uln, uci, first_name, last_name, "
                             "date_of_birth, ucas_personal_id, is_demo, created_at", []),
        "learners_registration": ("id, learner_id, centre_id, qualification_id, series_id, "
                                  "registered_on, status, needs_result_to_progress, "
                                  "ucas_applicant, is_late, topped_up_from_id, created_at", []),
        "assessment_unitresult": ("registration_id, unit_id, attempt, source, grade, points, "
                                  "raw_mark, series_id, is_retake, reported_at", []),
        "learners_entry": ("registration_id, unit_id, series_id, status, is_late, entered_at",
                           []),
        "awarding_claim": ("registration_id, claimed_at, is_late", []),
        "tracking_checkpointlearner": ("checkpoint_id, registration_id, expects_result, "
                                       "needs_to_progress, predicted_grade, added_late, "
                                       "outstanding, confirmed_at", []),
        "centres_standardsverification": ("centre_id, suite_id, sector, status, updated_at", []),
        "tracking_checkpoint": ("id, centre_id, series_id, kind, declared_name, declared_at, "
                                "created_at", []),
    }
    stamp = "2026-11-02 10:00:00+00"

    def flush(cursor: Any) -> None:
        for table, (columns, rows) in tables.items():
            if rows:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write("".join(rows))
                rows.clear()

    checkpoint_of: dict[tuple[int, int], int] = {}
    for index, centre_id in enumerate(centre_ids):
        for suite_id, sector in programmes:
            held = index % 5 == 2 and (suite_id, sector) == programmes[-1]
            status = rng.choice(["not_yet_sampled", "outstanding", "centre_action"]) if held \
                else "released"
            tables["centres_standardsverification"][1].append(
                f"{centre_id}\t{suite_id}\t{sector}\t{status}\t{stamp}\n")
        for series in (current, previous):
            if index % 4 == 3 and series == current:
                continue  # this centre has not confirmed checkpoint 1 yet
            pk = checkpoint_of[(centre_id, series.pk)] = len(checkpoint_of) + 1
            tables["tracking_checkpoint"][1].append(
                f"{pk}\t{centre_id}\t{series.pk}\tcheckpoint_1\tHead of centre\t{stamp}\t{stamp}\n")

    reg_id = 0
    results = 0
    seated: Counter[int] = Counter()
    with connection.cursor() as cursor:
        flush(cursor)
        for i in range(1, registrations + 1):
            centre_id = centre_ids[0] if i <= big else centre_ids[1 + i % max(1, centres - 1)]
            scenario = _pick(rng, [*demo.SCENARIOS, ("on_track", 1.0)])
            q = rng.choices(quals, weights=weights)[0]
            series = previous if scenario == "completed_last_year" else current
            registered = f"{2024 if series == previous else 2025}-09-{rng.randrange(1, 29):02d}"
            ucas = rng.random() < 0.4
            seated[centre_id] += 1  # candidate numbers are per centre
            tables["learners_learner"][1].append(
                f"{i}\t{centre_id}\t{seated[centre_id] % 10000:04d}\t\t\tSam\tBench{i % 997}\t2008-01-01\t"
                f"{'1234567890' if ucas else ''}\tf\t{stamp}\n")
            status = "withdrawn" if scenario == "withdrawn" else "active"
            progress = "t" if rng.random() < 0.6 else "f"
            regs = [(q, status, "t" if ucas else "f")]
            moved: set[int] = set()
            if scenario == "top_up_needed" and smaller[q.pk]:
                small = rng.choice(smaller[q.pk])
                regs.append((small, "active", "f"))
                moved = {u for u, _, _ in plans[small.pk][0][:2]}
            for number, (qual, reg_status, ucas_flag) in enumerate(regs):
                reg_id += 1
                late = "t" if scenario == "late_registration" and number == 0 else "f"
                tables["learners_registration"][1].append(
                    f"{reg_id}\t{i}\t{centre_id}\t{qual.pk}\t{series.pk}\t{registered}\t"
                    f"{reg_status}\t{progress}\t{ucas_flag}\t{late}\t\\N\t{stamp}\n")
                checkpoint = checkpoint_of.get((centre_id, series.pk))
                if checkpoint and reg_status == "active":
                    tables["tracking_checkpointlearner"][1].append(
                        f"{checkpoint}\t{reg_id}\tt\t{progress}\t\tf\t[]\t{stamp}\n")
                mandatory, optional = plans[qual.pk]
                if number == 1:  # the smaller registration holds the moved units
                    chosen = [u for u in mandatory if u[0] in moved]
                else:
                    chosen = [u for u in mandatory if u[0] not in moved]
                    glh = sum(g for _, _, g in mandatory)
                    pool = optional[:]
                    rng.shuffle(pool)
                    for unit in pool:
                        if glh >= (qual.size_glh or 0):
                            break
                        chosen.append(unit)
                        glh += unit[2]
                internal = [u for u in chosen if not u[1]]
                external = [u for u in chosen if u[1]]
                skip: set[int] = set()
                if scenario == "internal_units_missing" and internal and number == 0:
                    skip = {u for u, _, _ in rng.sample(internal, k=min(2, len(internal)))}
                if scenario == "external_entry_missing" and external and number == 0:
                    skip = {rng.choice(external)[0]}
                rows = tables["assessment_unitresult"][1]
                for unit_id, _, _ in internal:
                    if unit_id in skip:
                        continue
                    grade = _pick(rng, demo.INTERNAL_GRADES)
                    rows.append(f"{reg_id}\t{unit_id}\t1\tcentre\t{grade}\t\\N\t\\N\t\\N\tf\t{stamp}\n")
                    if grade == "U" and rng.random() < 0.5:
                        rows.append(f"{reg_id}\t{unit_id}\t2\tcentre\tP\t\\N\t\\N\t\\N\tt\t{stamp}\n")
                for unit_id, _, _ in external:
                    if unit_id in skip:
                        continue
                    if series == previous or rng.random() < 0.3:
                        grade = _pick(rng, demo.EXTERNAL_GRADES)
                        rows.append(f"{reg_id}\t{unit_id}\t1\tmarked\t{grade}\t\\N\t\\N\t"
                                    f"{previous.pk}\tf\t{stamp}\n")
                    else:
                        tables["learners_entry"][1].append(
                            f"{reg_id}\t{unit_id}\t{series.pk}\tentered\tf\t{stamp}\n")
                if scenario == "invalid_unit_combination" and number == 0 and suite_units[qual.pk]:
                    rows.append(f"{reg_id}\t{rng.choice(suite_units[qual.pk])}\t1\tcentre\tM\t"
                                f"\\N\t\\N\t\\N\tf\t{stamp}\n")
                if scenario == "completed_last_year":
                    roll = rng.random()
                    if roll >= 0.15:
                        claim_late = roll < 0.30
                        tables["awarding_claim"][1].append(
                            f"{reg_id}\t{'2026-07-20' if claim_late else '2026-06-20'} "
                            f"10:00:00+00\t{'t' if claim_late else 'f'}\n")
            if i % BATCH == 0:
                results += len(tables["assessment_unitresult"][1])
                flush(cursor)
        results += len(tables["assessment_unitresult"][1])
        flush(cursor)
        for table in ("learners_learner", "learners_registration", "tracking_checkpoint"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")
    return reg_id, results, centre_ids[0]


def _cpu() -> float:
    """CPU seconds of this process and of its children that have finished."""
    own, children = (resource.getrusage(resource.RUSAGE_SELF),
                     resource.getrusage(resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(label: str, fn: Callable[[], str], target: float | None = None) -> float:
    wall, cpu = time.perf_counter(), _cpu()
    result = fn()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    verdict = "" if target is None else (
        f" (target {target:.1f} s: {'met' if wall <= target else 'MISSED'})")
    print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU{verdict} -> {result}", flush=True)
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--registrations", type=int, default=20_000,
                        help="Learners (a few get a second registration: top-ups).")
    parser.add_argument("--centres", type=int, default=100)
    parser.add_argument("--big", type=int, default=2000, help="Learners at the one big centre.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=1, metavar="N",
                        help="Also time statuses and reports split across N processes.")
    parser.add_argument("--reuse", action="store_true",
                        help="Keep the database an earlier run built (its sizes, not these "
                        "options'); build only if it holds none.")
    parser.add_argument("--build-only", action="store_true",
                        help="Build the database and stop (then time it with --reuse).")
    parser.add_argument("--steps", default="statuses,reports,one",
                        help="What to time, comma-separated (default: all three).")
    parser.add_argument("--no-serial", action="store_true",
                        help="With --parallel N: time only the N processes, not one as well.")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL_PG", PG_DEFAULT)
    reuse = args.reuse and _built(url)
    if not reuse:
        _fresh_database(url)
    _setup(url)

    import time_machine
    from django.utils import timezone

    from resultsday.centres.models import Centre
    from resultsday.grading import default_catalogue
    from resultsday.tracking.bulk import status_totals
    from resultsday.tracking.choices import ReportTrigger
    from resultsday.tracking.models import TrackingReport
    from resultsday.tracking.services import tracking_report_create, tracking_reports_generate_all

    default_catalogue()  # loaded once per process (YAML specs); not part of the figures
    if reuse:
        from resultsday.assessment.models import UnitResult
        from resultsday.learners.models import Learner, Registration

        args.registrations, args.centres = Learner.objects.count(), Centre.objects.count()
        n, results = Registration.objects.count(), UnitResult.objects.count()
        big_id = Centre.objects.get(number=f"{BIG_CENTRE:05d}").pk
        args.big = Learner.objects.filter(centre_id=big_id).count()
        print(f"reused {args.registrations:,} learners, {n:,} registrations, {results:,} unit "
              f"results at {args.centres:,} centres", flush=True)
    else:
        started = time.perf_counter()
        n, results, big_id = build(args.registrations, args.centres,
                                   min(args.big, args.registrations), args.seed)
        print(f"built {args.registrations:,} learners, {n:,} registrations, {results:,} unit "
              f"results at {args.centres:,} centres in {time.perf_counter() - started:.0f} s "
              "(not timed)", flush=True)
    if args.build_only:
        return 0
    moment = timezone.make_aware(dt.datetime(2027, 6, 10, 12))
    ways = [1] + ([args.parallel] if args.parallel > 1 else [])
    if args.no_serial and args.parallel > 1:
        ways = [args.parallel]
    steps = set(args.steps.split(","))
    with time_machine.travel(moment, tick=False):
        for processes in ways if "statuses" in steps else []:
            def statuses(processes: int = processes) -> str:
                counts = status_totals(now=moment, processes=processes)
                return ", ".join(f"{k.value} {v}" for k, v in counts.most_common())

            wall = _timed(f"statuses for {n:,} registrations, {processes} process(es)", statuses,
                          target=60 * n / 1_000_000)
            print(f"  {n / wall:,.0f} registrations per second; 1,000,000 would take "
                  f"{1_000_000 * wall / n:.0f} s (target 60 s)")
        for processes in ways if "reports" in steps else []:
            TrackingReport.objects.all().delete()  # a week's reports are kept once: start afresh

            def reports(processes: int = processes) -> str:
                run = tracking_reports_generate_all(trigger=ReportTrigger.SCHEDULED, now=moment,
                                                    processes=processes)
                failed = f", {len(run.failed)} failed" if run.failed else ""
                return f"{run.made} reports{failed}"

            wall = _timed(f"reports for {args.centres:,} centres ({n:,} registrations), "
                          f"{processes} process(es)", reports, target=300 * n / 1_000_000)
            print(f"  {n / wall:,.0f} registrations per second, {wall / args.centres:.3f} s per "
                  f"centre; 1,000,000 registrations at 5,000 centres would take "
                  f"{1_000_000 * wall / n:.0f} s (target 300 s)")
        big = Centre.objects.get(pk=big_id)
        if "one" not in steps:
            return 0
        _timed(f"one report for a centre of {args.big:,} learners",
               lambda: f"{tracking_report_create(centre=big, trigger=ReportTrigger.ON_DEMAND).row_count} rows",
               target=2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
