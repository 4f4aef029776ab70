"""Awarding runs in real processes: killed with SIGKILL and resumed; two workers on one run.

These start `resultsday` as separate processes on their own database (not the test database,
which other processes cannot see), so they exercise exactly what an operator would run.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def _env(tmp: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update({"RESULTSDAY_DEMO": "1", "RESULTSDAY_VAR_DIR": str(tmp),
                "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT / "src")})
    return env


def _rd(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "resultsday", *args], env=env,
                          capture_output=True, text=True, check=True, timeout=300)


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "resultsday", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


RESULTS_SQL = (
    "SELECT r.registration_id, r.status, r.grade, r.points, r.reason, r.version "
    "FROM awarding_qualificationresult r ORDER BY r.registration_id"
)


def _sqlite_results(path: Path) -> tuple[list[tuple[object, ...]], int]:
    with sqlite3.connect(path) as db:
        rows = db.execute(RESULTS_SQL).fetchall()
        versions = db.execute("SELECT COUNT(*) FROM awarding_qualificationresultversion").fetchone()[0]
    return rows, versions


def test_a_run_killed_with_sigkill_and_resumed_gives_exactly_the_uninterrupted_results(
    tmp_path: Path,
) -> None:
    db = tmp_path / "crash.sqlite3"
    env = _env(tmp_path, f"sqlite:///{db}")
    _rd(env, "migrate", "-v0")
    _rd(env, "seed", "--seed", "3", "--centres", "2", "--learners", "300")
    reference = tmp_path / "reference.sqlite3"
    shutil.copy(db, reference)
    _rd(_env(tmp_path, f"sqlite:///{reference}"), "award", "--ao", "demo-ao", "--series",
        "2027-06", "--batch-size", "1")
    expected = _sqlite_results(reference)

    worker = _start(env, "award", "--ao", "demo-ao", "--series", "2027-06", "--batch-size", "1")
    processed = total = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db, timeout=1) as conn:
                row = conn.execute(
                    "SELECT processed, total FROM awarding_awardingrun ORDER BY id DESC LIMIT 1"
                ).fetchone()
        except sqlite3.OperationalError:
            row = None
        if row and row[0] >= 20:
            processed, total = row
            break
        time.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert 0 < processed < total, "the run must be killed part-way through"

    with sqlite3.connect(db) as conn:
        run_id, status = conn.execute(
            "SELECT id, status FROM awarding_awardingrun ORDER BY id DESC LIMIT 1").fetchone()
    assert status == "running"
    _rd(env, "award", "--resume", str(run_id), "--batch-size", "7")
    assert _sqlite_results(db) == expected


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="two workers sharing a run is a PostgreSQL guarantee: runs in CI's PostgreSQL pass",
)
def test_two_workers_on_postgresql_share_one_run_without_overlap(tmp_path: Path) -> None:
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"resultsday_two_workers_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = _env(tmp_path, f"{base}/{name}")
        _rd(env, "migrate", "-v0")
        _rd(env, "seed", "--seed", "3", "--centres", "2", "--learners", "300")
        # Queue the run without working it, then let two processes work it at once.
        out = _rd(env, "shell", "-c", (
            "from resultsday.awarding.services import awarding_run_start;"
            "from resultsday.catalogue.models import Series;"
            "s=Series.objects.get(code='2027-06', awarding_organisation__code='demo-ao');"
            "print(awarding_run_start(series=s, actor=None, reason='two', enqueue=False).pk)"
        ))
        run_id = out.stdout.strip().splitlines()[-1]
        workers = [_start(env, "award", "--resume", run_id, "--batch-size", "3") for _ in range(2)]
        for w in workers:
            _, err = w.communicate(timeout=300)
            assert w.returncode == 0, err
        with psycopg.connect(f"{base}/{name}") as conn:
            total, processed, status = conn.execute(
                "SELECT total, processed, status FROM awarding_awardingrun WHERE id = %s",
                (int(run_id),)).fetchone()
            versions, results, duplicates = conn.execute(
                "SELECT (SELECT COUNT(*) FROM awarding_qualificationresultversion),"
                " (SELECT COUNT(*) FROM awarding_qualificationresult),"
                " (SELECT COUNT(*) FROM (SELECT result_id, version FROM "
                "  awarding_qualificationresultversion GROUP BY 1, 2 HAVING COUNT(*) > 1) d)"
            ).fetchone()
        assert (status, processed) == ("finished", total)
        assert versions == results == total and duplicates == 0
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
