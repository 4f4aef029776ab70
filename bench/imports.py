"""Benchmark: bulk imports (issue 4). Target on PostgreSQL: <= 30 s for each of
  * 100,000 internal unit grades (CSV uploads), and
  * 100,000 external entries (JCQ E files),
each validated in full and applied all-or-nothing by the same services the pages call.

Run:  .venv/bin/python bench/imports.py [--grades N] [--entries N] [--only sqlite|postgres]

A centre holds at most 9,999 candidates (4-digit candidate numbers) and an E file or grade
upload belongs to one centre, so N is spread over as many centres as it takes; the figure is
the total import time over those files (setup and file generation are not timed). Each database
runs in its own process on a fresh database: SQLite in a temporary file, PostgreSQL in
`resultsday_bench` on the local server (DATABASE_URL_PG to change it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/resultsday_bench"
LEARNERS_PER_CENTRE = 9_000
QN = "601/7160/1"  # BTEC National Extended Diploma in Business: 4 external, 9 internal units


def _letters(n: int) -> str:
    """A name made of letters only (exam data files carry no digits in names)."""
    word = ""
    while True:
        n, r = divmod(n, 26)
        word = chr(65 + r) + word
        if n == 0:
            return "Bench" + word.lower()


def child(grades: int, entries: int) -> dict[str, float | int]:
    import datetime as dt

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resultsday.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from resultsday.assessment.services import unit_grade_upload
    from resultsday.catalogue.models import AwardingOrganisation, Qualification, Series
    from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
    from resultsday.centres.models import Centre
    from resultsday.identifiers import uci_check_letter, uln_check_digit
    from resultsday.learners.models import Entry, Learner, Registration
    from resultsday.learners.services import entries_import_edi, entries_sample_edi

    ao = AwardingOrganisation.objects.create(code="bench", name="Bench AO")
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    series = Series.objects.create(awarding_organisation=ao, code="2027-06", name="Summer 2027")
    qualification = Qualification.objects.get(qn=QN)
    structure = list(qualification.structure.select_related("unit").order_by("unit__code"))
    internal = [p.unit for p in structure if not p.unit.is_external][:9]
    external = [p.unit for p in structure if p.unit.is_external]
    uln_stem = 100_000_000

    def make_centres(count: int, learners_each: int, prefix: int) -> list[Centre]:
        nonlocal uln_stem
        centres = []
        for c in range(count):
            centre = Centre.objects.create(number=f"{prefix + c:05d}", name=f"Bench {c}")
            centre.awarding_organisations.add(ao)
            learners = []
            for n in range(1, learners_each + 1):
                while (digit := uln_check_digit(str(uln_stem))) is None:
                    uln_stem += 1
                uln = f"{uln_stem}{digit}"
                uln_stem += 1
                stem = f"{centre.number}026{n:04d}"
                learners.append(Learner(
                    centre=centre, candidate_number=f"{n:04d}", uln=uln,
                    uci=stem + uci_check_letter(stem), first_name="Sam", last_name=_letters(n),
                    date_of_birth=dt.date(2008, 1, 1)))
            Learner.objects.bulk_create(learners, batch_size=2000)
            Registration.objects.bulk_create([
                Registration(learner=learner, centre=centre, qualification=qualification,
                             series=series, registered_on=dt.date(2025, 9, 1))
                for learner in Learner.objects.filter(centre=centre)
            ], batch_size=2000)
            centres.append(centre)
        return centres

    figures: dict[str, float | int] = {"database": connection.vendor}

    # --- internal unit grades --------------------------------------------------------------
    per_learner = len(internal)
    learners_needed = -(-grades // per_learner)
    count = -(-learners_needed // LEARNERS_PER_CENTRE)
    centres = make_centres(count, -(-learners_needed // count), 10_000)
    files = []
    remaining = grades
    for centre in centres:
        lines = ["candidate_number,uln,qualification_qn,unit_number,grade,retake"]
        for learner in Learner.objects.filter(centre=centre).order_by("candidate_number"):
            for unit in internal:
                if remaining == 0:
                    break
                lines.append(f"{learner.candidate_number},{learner.uln},{QN},{unit.number},M,No")
                remaining -= 1
        files.append((centre, ("\n".join(lines) + "\n").encode()))
    start = time.perf_counter()
    applied = 0
    for centre, data in files:
        outcome = unit_grade_upload(actor=None, centre=centre, data=data, filename="grades.csv")
        assert not outcome.problems, outcome.problems[:3]
        applied += len(data.splitlines()) - 1
    figures["grades"] = applied
    figures["grades_seconds"] = round(time.perf_counter() - start, 2)
    figures["grade_files"] = len(files)

    # --- entries (E files) -----------------------------------------------------------------
    per_learner = len(external)
    learners_needed = -(-entries // per_learner)
    count = -(-learners_needed // LEARNERS_PER_CENTRE)
    centres = make_centres(count, -(-learners_needed // count), 20_000)
    edi_files = []
    made = 0
    for centre in centres:
        rows = []
        for registration in Registration.objects.filter(centre=centre).order_by("pk"):
            for unit in external:
                if made < entries:
                    rows.append(Entry(registration=registration, unit=unit, series=series))
                    made += 1
        Entry.objects.bulk_create(rows, batch_size=5000)
        edi_files.append((centre, entries_sample_edi(centre=centre, series=series,
                                                     produced_on=dt.date(2027, 1, 10))))
        Entry.objects.filter(registration__centre=centre).delete()
    start = time.perf_counter()
    for centre, data in edi_files:
        outcome = entries_import_edi(actor=None, centre=centre, data=data)
        assert not outcome.problems, outcome.problems[:3]
    figures["entries"] = Entry.objects.count()
    figures["entries_seconds"] = round(time.perf_counter() - start, 2)
    figures["entry_files"] = len(edi_files)
    return figures


def run_child(database_url: str, grades: int, entries: int) -> dict[str, float | int]:
    env = {**os.environ, "DATABASE_URL": database_url, "RESULTSDAY_DEMO": "1",
           "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--grades", str(grades), "--entries", str(entries)],
        env=env, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark on {database_url} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_postgres(url: str) -> bool:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as exc:  # the server may simply not be running on this machine
        print(f"PostgreSQL not available ({exc}); skipping it.")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grades", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.grades, args.entries)))
        return
    results = []
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_child(f"sqlite:///{tmp}/bench.sqlite3", args.grades, args.entries))
    pg = os.environ.get("DATABASE_URL_PG", PG_DEFAULT)
    if args.only in (None, "postgres") and fresh_postgres(pg):
        results.append(run_child(pg, args.grades, args.entries))
    print(f"{'database':<12}{'grades':>9}{'files':>7}{'seconds':>9}{'entries':>10}{'files':>7}"
          f"{'seconds':>9}   target <= 30 s each on PostgreSQL")
    for r in results:
        print(f"{r['database']:<12}{r['grades']:>9}{r['grade_files']:>7}{r['grades_seconds']:>9}"
              f"{r['entries']:>10}{r['entry_files']:>7}{r['entries_seconds']:>9}")


if __name__ == "__main__":
    main()
