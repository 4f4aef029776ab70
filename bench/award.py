"""Benchmark: awarding a series at national scale (issue 6).

Builds N registrations (about ten unit results each: a mix of BTEC National Business sizes
and outcomes, claimed, standards verification released) in PostgreSQL with COPY, then times
`resultsday award` on them and, in the same run, `COPY (SELECT ... unit results ...) TO STDOUT`
of the same rows: the cost of merely reading the input. Prints both times and their ratio.
Targets for N = 1,000,000 on a two-core machine: award <= 60 s, ratio <= 3.

Run:  .venv/bin/python bench/award.py --registrations 100000 [--sqlite]
      (PostgreSQL at DATABASE_URL_PG, default postgres://postgres@127.0.0.1:5432/resultsday_bench_award;
       --sqlite uses a temporary SQLite file instead and times a plain SELECT for the baseline)
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/resultsday_bench_award"
QUALIFICATIONS = ["601/7155/8", "601/7159/5", "601/7161/3", "601/7157/1", "601/7160/1"]
GRADES_INTERNAL = ["U", "P", "P", "M", "M", "M", "D", "D"]
GRADES_EXTERNAL = ["U", "N", "P", "P", "M", "M", "D"]


def rd(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "resultsday", *args], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"resultsday {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    if os.environ.get("BENCH_STDERR"):
        sys.stderr.write(out.stderr[-5000:])
    return out.stdout


def build(n: int, seed: int) -> None:
    """Runs inside the Django process: base rows with the ORM, bulk rows with COPY."""

    import django

    django.setup()
    from django.db import connection, transaction

    from resultsday.catalogue.models import AwardingOrganisation, Qualification, Series
    from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
    from resultsday.centres.models import Centre, StandardsVerification

    rng = random.Random(seed)
    ao = AwardingOrganisation.objects.create(code="bench", name="Bench AO")
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    series = Series.objects.create(awarding_organisation=ao, code="2027-06", name="Summer 2027")
    quals = [Qualification.objects.get(qn=qn) for qn in QUALIFICATIONS]
    structures = {}
    for q in quals:
        placements = list(q.structure.select_related("unit"))
        mandatory = [p.unit for p in placements if p.mandatory]
        optional = [p.unit for p in placements if not p.mandatory]
        structures[q.pk] = (q, mandatory, optional)
    centres = []
    for i in range(max(1, n // 2000)):
        c = Centre.objects.create(number=f"{10000 + i:05d}", name=f"Bench centre {i}")
        centres.append(c)
        for q in quals:
            StandardsVerification.objects.get_or_create(
                centre=c, suite=q.suite, sector=q.sector, defaults={"status": "released"})
    learners, registrations, results, claims = [], [], [], []
    claimed_at = "2027-06-20 10:00:00+00"
    for i in range(1, n + 1):
        centre = centres[i % len(centres)]
        learners.append(f"{i}\t{centre.pk}\t{(i // len(centres)) % 10000:04d}\t\t\tSam\tBench\t2008-01-01\t\tf\t2026-01-01 00:00:00+00\n")
        q, mandatory, optional = structures[quals[rng.randrange(len(quals))].pk]
        registrations.append(
            f"{i}\t{i}\t{centre.pk}\t{q.pk}\t{series.pk}\t2025-09-01\tactive\tf\tf\tf\t\\N\t2026-01-01 00:00:00+00\n")
        glh = sum(u.glh or 0 for u in mandatory)
        units = list(mandatory)
        pool = optional[:]
        rng.shuffle(pool)
        for u in pool:
            if glh >= (q.size_glh or 0):
                break
            units.append(u)
            glh += u.glh or 0
        for u in units:
            grade = rng.choice(GRADES_EXTERNAL if u.is_external else GRADES_INTERNAL)
            results.append(f"{i}\t{u.pk}\t1\t{'marked' if u.is_external else 'centre'}\t{grade}\t\\N\t\\N\t\\N\tf\t2026-01-01 00:00:00+00\t\\N\n")
        claims.append(f"{i}\t{claimed_at}\t\\N\tf\n")
    tables = [
        ("learners_learner", "id, centre_id, candidate_number, uln, uci, first_name, last_name, date_of_birth, ucas_personal_id, is_demo, created_at", learners),
        ("learners_registration", "id, learner_id, centre_id, qualification_id, series_id, registered_on, status, needs_result_to_progress, ucas_applicant, is_late, topped_up_from_id, created_at", registrations),
        ("assessment_unitresult", "registration_id, unit_id, attempt, source, grade, points, raw_mark, series_id, is_retake, reported_at, reported_by_id", results),
        ("awarding_claim", "registration_id, claimed_at, claimed_by_id, is_late", claims),
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # the same rows for SQLite: booleans as 0/1, datetimes without the offset (UTC)
            plain = {"f": 0, "t": 1, "\\N": None}
            with transaction.atomic():
                for table, columns, rows in tables:
                    marks = ", ".join(["%s"] * len(columns.split(",")))
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                        [tuple(plain.get(v, v.removesuffix("+00")) for v in line.rstrip("\n").split("\t"))
                         for line in rows])
            print(f"built {n} registrations, {len(results)} unit results")
            return
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        for table, columns, rows in tables:
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(rows), 50_000):
                    copy.write("".join(rows[start:start + 50_000]))
        for table in ["learners_learner", "learners_registration"]:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")
    print(f"built {n} registrations, {len(results)} unit results")


def read_baseline(database_url: str) -> float:
    """COPY the unit results of the active registrations TO STDOUT: merely reading the input."""
    import psycopg

    query = ("COPY (SELECT u.registration_id, u.unit_id, u.grade, u.points, u.is_retake "
             "FROM assessment_unitresult u JOIN learners_registration r ON r.id = u.registration_id "
             "WHERE r.status = 'active') TO STDOUT")
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        start = time.perf_counter()
        sink = io.BytesIO()
        with cur.copy(query) as copy:
            for block in copy:
                sink.write(block)
        return time.perf_counter() - start


def read_baseline_sqlite(path: str) -> float:
    """SQLite has no COPY: the same SELECT, every row fetched."""
    import sqlite3

    query = ("SELECT u.registration_id, u.unit_id, u.grade, u.points, u.is_retake "
             "FROM assessment_unitresult u JOIN learners_registration r ON r.id = u.registration_id "
             "WHERE r.status = 'active'")
    with sqlite3.connect(path) as conn:
        start = time.perf_counter()
        for _ in conn.execute(query):
            pass
        return time.perf_counter() - start


def differential(rows: int, seed: int) -> None:
    """Bulk (grading/bulk.py) against the reference engine on `rows` random requests."""
    from resultsday.grading import Catalogue, GradeRequestError, NotConfiguredError, grade
    from resultsday.grading.bulk import grade_many
    from resultsday.grading.tests.random_requests import random_requests

    catalogue = Catalogue.default()
    total = differences = 0
    bulk_time = reference_time = 0.0
    routed: dict[str, int] = {}
    chunk = 100_000
    for start in range(0, rows, chunk):
        requests = list(random_requests(catalogue, min(chunk, rows - start), seed=seed + start))
        begin = time.perf_counter()
        graded = grade_many(requests, catalogue)
        bulk_time += time.perf_counter() - begin
        for why, count in graded.routed.items():
            routed[why] = routed.get(why, 0) + count
        begin = time.perf_counter()
        outcomes = []
        for request in requests:
            try:
                outcomes.append(grade(request, catalogue))
            except (GradeRequestError, NotConfiguredError) as exc:
                outcomes.append(exc)
        reference_time += time.perf_counter() - begin
        for row, outcome in enumerate(outcomes):
            total += 1
            if isinstance(outcome, Exception):
                same = row in graded.errors and str(graded.errors[row]) == str(outcome)
            else:
                same = row not in graded.errors and (
                    graded.grade[row], int(graded.points[row]), bool(graded.eligible[row]),
                    bool(graded.complete[row]), int(graded.glh_at_pass[row]),
                    graded.thresholds[row], graded.fallback[row], graded.counted_units(row),
                ) == (outcome.grade, outcome.points, outcome.eligible, outcome.complete,
                      outcome.glh_at_pass, outcome.thresholds, outcome.fallback,
                      outcome.counted_units)
            differences += not same
    by_reference = sum(routed.values())
    print(f"differential: {total:,} random requests, {differences} differences "
          f"(grade, points, eligible, complete, GLH at Pass, thresholds, fallback, counted units)")
    print(f"  bulk {bulk_time:.1f} s ({total / bulk_time:,.0f}/s, of which {by_reference:,} rows "
          f"routed to the reference engine: {routed}); reference {reference_time:.1f} s "
          f"({total / reference_time:,.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description="Awarding at scale")
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument("--sqlite", action="store_true",
                        help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: keep the database built by the last run; delete its "
                        "results and award again")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the award into FILE")
    parser.add_argument("--differential", type=int, default=0, metavar="ROWS",
                        help="also compare grading/bulk.py with the reference engine on ROWS "
                        "random requests (0: skip)")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.registrations, args.seed)
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RESULTSDAY_DEMO": "1", "RESULTSDAY_VAR_DIR": tmp,
               "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "resultsday.settings"}
        if args.sqlite:
            path = str(Path(tmp) / "bench.sqlite3")
            env["DATABASE_URL"] = f"sqlite:///{path}"
            rd(env, "migrate", "-v0")
            start = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--build", "--registrations",
                            str(args.registrations), "--seed", str(args.seed)], env=env, check=True)
            print(f"setup: {time.perf_counter() - start:.1f} s")
            baseline = read_baseline_sqlite(path)
            baseline_name = "SELECT unit results, every row fetched"
        else:
            url = os.environ.get("DATABASE_URL_PG", PG_DEFAULT)
            env["DATABASE_URL"] = url
            if args.reuse:
                import psycopg

                with psycopg.connect(url) as conn:
                    conn.execute("TRUNCATE awarding_qualificationresultversion, "
                                 "awarding_qualificationresult, awarding_previewchange, "
                                 "awarding_awardingrun CASCADE")
            else:
                fresh_database(url)
                rd(env, "migrate", "-v0")
                start = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--build", "--registrations",
                                str(args.registrations), "--seed", str(args.seed)], env=env,
                               check=True)
                print(f"setup: {time.perf_counter() - start:.1f} s")
            baseline = read_baseline(url)
            baseline_name = "COPY unit results TO STDOUT"
        command = ["award", "--ao", "bench", "--series", "2027-06", "--reason", "bench",
                   "--batch-size", str(args.batch_size)]
        start = time.perf_counter()
        cpu_before = _children_cpu()
        if args.profile:
            out = subprocess.run(
                [sys.executable, "-m", "cProfile", "-o", args.profile, "-m", "resultsday",
                 *command], env=env, capture_output=True, text=True, check=True).stdout
        else:
            out = rd(env, *command)
        award = time.perf_counter() - start
        award_cpu = _children_cpu() - cpu_before
    print(out.strip())
    print(f"registrations: {args.registrations:,} ({'SQLite' if args.sqlite else 'PostgreSQL'}, "
          f"batches of {args.batch_size:,})")
    print(f"award (resultsday award, whole process): {award:.1f} s "
          f"({args.registrations / award:,.0f} registrations/s; the award process used "
          f"{award_cpu:.1f} s of CPU, the database's share is not counted)")
    print(f"read baseline ({baseline_name}): {baseline:.2f} s")
    print(f"ratio award / read: {award / baseline:.1f}  (targets at 1,000,000: award <= 60 s, ratio <= 3)")
    if args.differential:
        differential(args.differential, args.seed)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
