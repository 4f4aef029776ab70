from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from resultsday.config import database_from_url, env_bool


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "RESULTSDAY_DEMO", "DATABASE_URL", "DEBUG"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import resultsday.settings"],
        env=clean, capture_output=True, text=True, check=False,
    )


def test_it_refuses_to_start_without_a_secret_outside_demo_mode() -> None:
    result = _start({})
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_it_starts_in_demo_mode_without_a_secret(tmp_path) -> None:
    result = _start({"RESULTSDAY_DEMO": "1", "RESULTSDAY_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr


def test_it_refuses_a_short_secret() -> None:
    result = _start({"SECRET_KEY": "short"})
    assert "SECRET_KEY is too short" in result.stderr


def test_it_refuses_a_malformed_database_url_at_start_up() -> None:
    result = _start({"SECRET_KEY": "x" * 50, "DATABASE_URL": "mysql//nope"})
    assert result.returncode != 0
    assert "DATABASE_URL='mysql//nope' is not a database address" in result.stderr


@pytest.mark.parametrize("url", ["oracle://x/y", "nonsense", "postgres://postgres@127.0.0.1:5432/"])
def test_database_urls_we_cannot_use_are_refused_with_what_to_set(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url)


def test_postgres_and_sqlite_urls_are_read() -> None:
    assert database_from_url("postgres://postgres@127.0.0.1:5432/rd")["NAME"] == "rd"
    assert database_from_url("sqlite:///var/x.sqlite3")["ENGINE"].endswith("sqlite3")


def test_a_yes_no_setting_that_is_neither_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", env={"DEBUG": "maybe"})
    assert env_bool("DEBUG", env={"DEBUG": "yes"}) is True


def test_the_demo_clock_is_refused_outside_demo_mode_and_must_be_a_date_and_time() -> None:
    from resultsday.config import env_demo_clock

    assert env_demo_clock("RESULTSDAY_DEMO_CLOCK", demo=False, env={}) == ""
    assert env_demo_clock("RESULTSDAY_DEMO_CLOCK", demo=True,
                          env={"RESULTSDAY_DEMO_CLOCK": "2026-08-10T09:00"}) == "2026-08-10T09:00"
    with pytest.raises(ImproperlyConfigured, match="only the demo"):
        env_demo_clock("RESULTSDAY_DEMO_CLOCK", demo=False,
                       env={"RESULTSDAY_DEMO_CLOCK": "2026-08-10T09:00"})
    with pytest.raises(ImproperlyConfigured, match="2026-08-10T09:00"):
        env_demo_clock("RESULTSDAY_DEMO_CLOCK", demo=True, env={"RESULTSDAY_DEMO_CLOCK": "10 Aug"})


def test_the_demo_clock_moves_the_whole_process_to_uk_time() -> None:
    import datetime as dt

    from django.utils import timezone

    from resultsday.core.apps import demo_clock_start

    traveller = demo_clock_start("2026-08-10T09:00")
    try:
        now = timezone.localtime(timezone.now())
        assert (now.date(), now.hour) == (dt.date(2026, 8, 10), 9)
    finally:
        traveller.stop()  # type: ignore[attr-defined]
    assert timezone.now().year >= 2026 and timezone.now() > dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _database_options(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"RESULTSDAY_DEMO", "DEBUG"}}
    clean.update({"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/rd",
                  **env})
    result = subprocess.run(
        [sys.executable, "-c",
         "from resultsday import settings; print(settings.DATABASES['default'].get('OPTIONS'))"],
        env=clean, capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def test_postgres_prepares_repeated_statements_unless_told_not_to() -> None:
    assert _database_options({}) == "{'server_side_binding': True, 'prepare_threshold': 5}"
    assert _database_options({"DATABASE_PREPARED_STATEMENTS": "0"}) == "None"


@pytest.mark.django_db
def test_a_repeated_query_is_prepared_once_on_postgres(django_user_model) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    user = django_user_model.objects.create(username="prepared")
    for _ in range(6):
        assert django_user_model.objects.get(pk=user.pk) == user
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "accounts_user"' in statement for statement in prepared), prepared
