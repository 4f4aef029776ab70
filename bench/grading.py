"""Grading engine throughput: outcomes per second in one process.

    python bench/grading.py                       # 1,000,000 seeded random requests, then the CLI
    python bench/grading.py -n 200000 --seed 7 --no-cli
    python bench/grading.py -n 0 --write-jsonl var/grade-100k.jsonl   # CLI timing only; keep its input

Requests are generated before timing (in chunks, so memory stays bounded) and only
``grade()`` is timed. The CLI timing writes 100,000 requests as JSON Lines, runs
`resultsday grade FILE --json` on them as a subprocess (the demo settings: no database), and
compares its wall clock with grading the same requests in this process plus the process
start-up (`resultsday grade` of a one-line file); target: within 2x. The mix aims at a real cohort: every shipped qualification, mostly
P/M/D with a few U and N, some external points and resits, some internal retakes, 3% of
learners with a result still to come, a few surplus optional units and a few inline-structure requests.
Target: at least 50,000 outcomes per second.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from resultsday.grading import (
    Assessment,
    Attempt,
    Catalogue,
    GradeRequest,
    UnitGrade,
    UnitRequest,
    default_catalogue,
    grade,
)
from resultsday.grading.model import Structure, UnitDef

TARGET_PER_SECOND = 50_000
CLI_TARGET_RATIO = 2.0  # `resultsday grade` within 2x of in-process grading plus start-up
CHUNK = 100_000

INTERNAL = ([UnitGrade.U, UnitGrade.P, UnitGrade.M, UnitGrade.D], [2, 38, 35, 25])
EXTERNAL = ([UnitGrade.U, UnitGrade.N, UnitGrade.P, UnitGrade.M, UnitGrade.D], [1.5, 5, 38, 33, 22.5])
OPTIONAL = ([UnitGrade.U, UnitGrade.P, UnitGrade.M, UnitGrade.D], [4, 38, 35, 23])
# Registration dates: cohorts since the 1 November 2019 table; IT also has 2016-2019 cohorts.
DATES = [date(2020, 9, 1), date(2021, 9, 1), date(2022, 9, 1), date(2023, 9, 1)]
IT_DATES = [date(2017, 9, 1), date(2018, 9, 1)]


class RequestFactory:
    """Seeded random requests. Unit objects are shared between requests (they are immutable)."""

    def __init__(self, catalogue: Catalogue, seed: int) -> None:
        self.rng = random.Random(seed)
        self.catalogue = catalogue
        self.qualifications = sorted(catalogue.qualifications.values(), key=lambda q: q.qn)
        self.it_qns = {q.qn for q in self.qualifications if q.sector == "information-technology"}
        self._units: dict[tuple[str, UnitGrade | None, bool], UnitRequest] = {}

    def _grade(self, unit: UnitDef) -> UnitGrade:
        grades, weights = (
            (EXTERNAL if unit.assessment is Assessment.EXTERNAL else INTERNAL) if unit.mandatory else OPTIONAL
        )
        return self.rng.choices(grades, weights)[0]

    def _unit(self, unit: UnitDef, inline: bool) -> UnitRequest:
        rng = self.rng
        roll = rng.random()
        external = unit.assessment is Assessment.EXTERNAL
        structure = (
            {"glh": unit.glh, "assessment": unit.assessment, "mandatory": unit.mandatory} if inline else {}
        )
        if external and roll < 0.05:  # resit: two attempts, best counts
            attempts = (Attempt(grade=self._grade(unit)), Attempt(grade=self._grade(unit)))
            return UnitRequest(unit.id, attempts, **structure)
        if external and roll < 0.15:  # points from the mark conversion, within the grade's band
            grade_ = self._grade(unit)
            if grade_ is UnitGrade.U:
                return UnitRequest(unit.id, (Attempt(grade=grade_),), **structure)
            low = unit.points[list(UnitGrade).index(grade_)] or 0
            higher = [p for p in unit.points[list(UnitGrade).index(grade_) + 1 :] if p is not None]
            points = rng.randrange(low, higher[0]) if higher else low
            return UnitRequest(unit.id, (Attempt(grade=grade_, points=points),), **structure)
        if not external and roll < 0.04:  # an internal retake (capped at P)
            attempts = (Attempt(grade=UnitGrade.U), Attempt(grade=self._grade(unit), retake=True))
            return UnitRequest(unit.id, attempts, **structure)
        grade_ = self._grade(unit)
        if inline:
            return UnitRequest(unit.id, (Attempt(grade=grade_),), **structure)
        key = (unit.id, grade_, False)
        found = self._units.get(key)
        if found is None:
            found = self._units[key] = UnitRequest(unit.id, (Attempt(grade=grade_),))
        return found

    def request(self) -> GradeRequest:
        rng = self.rng
        qualification = rng.choice(self.qualifications)
        structure: Structure | None = qualification.structure
        assert structure is not None
        inline = rng.random() < 0.05
        optional_count = structure.optional_glh // (structure.optional_unit_glh or 1)
        if structure.optional and rng.random() < 0.05:
            optional_count += 1  # a surplus optional unit: the best ones count
        chosen = rng.sample(structure.optional, min(optional_count, len(structure.optional)))
        units = [self._unit(u, inline) for u in (*structure.mandatory, *chosen)]
        if rng.random() < 0.03:  # a learner with one result still to come
            i = rng.randrange(len(units))
            units[i] = UnitRequest(
                units[i].id, (), units[i].glh, units[i].assessment, units[i].mandatory, units[i].title
            )
        rng.shuffle(units)
        # the IT-only 2016 table applies to IT qualifications by QN, not to inline structures
        dates = DATES + IT_DATES if qualification.qn in self.it_qns and not inline else DATES
        on = rng.choice(dates)
        if inline:
            return GradeRequest(
                tuple(units), suite=structure.suite.id, size_glh=structure.size.glh, registered_on=on
            )
        return GradeRequest(tuple(units), qualification=qualification.qn, registered_on=on)

    def batch(self, n: int) -> list[GradeRequest]:
        return [self.request() for _ in range(n)]


def bench_grade(n: int, seed: int, catalogue: Catalogue) -> tuple[float, float, Counter[str]]:
    """Grade ``n`` seeded requests; returns (outcomes/s wall clock, outcomes/s CPU, grade counts).

    CPU time is reported too because on a shared machine the wall clock also measures the
    neighbours; the target is for the wall clock on an otherwise idle machine.
    """
    factory = RequestFactory(catalogue, seed)
    grades: Counter[str] = Counter()
    wall = cpu = 0.0
    done = 0
    while done < n:
        batch = factory.batch(min(CHUNK, n - done))
        gc.collect()
        gc.freeze()  # the generated requests are long-lived: keep the collector off them
        start, start_cpu = time.perf_counter(), time.process_time()
        for request in batch:
            grades[grade(request, catalogue).grade] += 1
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        gc.unfreeze()
        done += len(batch)
    return n / wall, n / cpu, grades


def write_cli_input(path: Path, requests: list[GradeRequest]) -> None:
    """Write requests as JSON Lines: the input for timing `resultsday grade FILE --json`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for request in requests:
            out.write(json.dumps(request.to_dict()) + "\n")


def cli_command() -> tuple[list[str], dict[str, str]]:
    """The `resultsday` console script of this interpreter's environment (or ``python -m resultsday``),
    and its environment: the demo settings, so no database or secrets are needed."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "resultsday.settings", "RESULTSDAY_DEMO": "1"}
    script = Path(sys.executable).parent / "resultsday"
    return ([str(script)] if script.exists() else [sys.executable, "-m", "resultsday"]), env


def time_cli_process(path: Path, expected_lines: int, *extra: str) -> float:
    """Wall-clock seconds of `resultsday grade FILE --json` as a subprocess (output to a file)."""
    command, env = cli_command()
    with tempfile.TemporaryFile("w+b") as out:
        start = time.perf_counter()
        done = subprocess.run([*command, "grade", str(path), "--json", *extra], stdout=out, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"`resultsday grade {path}` failed ({done.returncode}): {done.stderr.decode()[:500]}")
        out.seek(0)
        lines = sum(1 for _ in out)
    if lines != expected_lines:
        raise SystemExit(f"`resultsday grade {path}` printed {lines} outcomes, not {expected_lines}")
    return elapsed


def time_in_process(requests: list[GradeRequest], catalogue: Catalogue) -> float:
    """Seconds to grade ``requests`` in this process (as bench_grade times it)."""
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    for request in requests:
        grade(request, catalogue)
    elapsed = time.perf_counter() - start
    gc.unfreeze()
    return elapsed


def bench_cli(lines: int, seed: int, catalogue: Catalogue, keep: Path | None) -> None:
    """Time the CLI on ``lines`` requests against in-process grading plus process start-up.

    Start-up is `resultsday grade` of a one-line file (the best of three runs: Python, Django
    and the catalogue loading). Target: the CLI within 2x of (in-process grading + start-up).
    """
    requests = RequestFactory(catalogue, seed).batch(lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = keep or Path(tmp) / f"grade-{lines}.jsonl"
        write_cli_input(path, requests)
        one = Path(tmp) / "grade-1.jsonl"
        write_cli_input(one, requests[:1])
        startup = min(time_cli_process(one, 1) for _ in range(3))
        cli = time_cli_process(path, lines)
        cli_one = time_cli_process(path, lines, "--jobs", "1")
    in_process = time_in_process(requests, catalogue)
    ratio = cli / (in_process + startup)
    verdict = "meets" if ratio <= CLI_TARGET_RATIO else "BELOW"
    print(
        f"resultsday grade FILE --json, {lines:,} lines: {cli:.2f} s; in-process grading {in_process:.2f} s "
        f"+ start-up {startup:.2f} s = {in_process + startup:.2f} s; ratio {ratio:.2f} "
        f"({verdict} the target of {CLI_TARGET_RATIO:g}x)\n"
        f"  (one process, --jobs 1: {cli_one:.2f} s, ratio {cli_one / (in_process + startup):.2f}; "
        f"the default uses one process per core, {len(os.sched_getaffinity(0))} here)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="requests to grade (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--cli-lines", type=int, default=100_000, help="lines for the CLI timing (default 100,000)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI timing")
    parser.add_argument("--write-jsonl", type=Path, help="keep the CLI input (JSON Lines) in this file")
    args = parser.parse_args(argv)
    catalogue = default_catalogue()
    if args.n:
        per_second, per_cpu_second, grades = bench_grade(args.n, args.seed, catalogue)
        top = ", ".join(f"{g} {c / args.n:.1%}" for g, c in grades.most_common(6))
        verdict = "meets" if per_second >= TARGET_PER_SECOND else "BELOW"
        print(
            f"graded {args.n:,} requests: {per_second:,.0f} outcomes/s wall clock "
            f"({verdict} the target of {TARGET_PER_SECOND:,}); {per_cpu_second:,.0f} per CPU second"
        )
        print(f"most common grades: {top}", flush=True)
    if not args.no_cli:
        bench_cli(args.cli_lines, args.seed + 1, catalogue, args.write_jsonl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
