"""Small typed readers for configuration from the environment.

Each one fails loudly with a message that names the variable and says what to set, so a
misconfigured deployment stops at start-up instead of running with a surprising default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_str(name: str, default: str | None = None, env: Mapping[str, str] | None = None) -> str:
    environ = os.environ if env is None else env
    value = environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool = False, env: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if env is None else env
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value. Set {name} to 1 or 0 (or true/false)."
    )


def env_list(name: str, default: list[str], env: Mapping[str, str] | None = None) -> list[str]:
    environ = os.environ if env is None else env
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_demo_clock(name: str, *, demo: bool, env: Mapping[str, str] | None = None) -> str:
    """An ISO date and time to run the demo at (e.g. 2026-08-10T09:00), or "" for the real clock.

    Demo mode only: a live platform never runs on a moved clock.
    """
    import datetime as dt

    environ = os.environ if env is None else env
    raw = environ.get(name, "").strip()
    if not raw:
        return ""
    if not demo:
        raise ImproperlyConfigured(
            f"{name} moves the clock, which only the demo may do. Unset it, or set RESULTSDAY_DEMO=1."
        )
    try:
        dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a date and time. Write it as 2026-08-10T09:00 (UK time)."
        ) from None
    return raw


SUPPORTED_DATABASES = {"sqlite", "postgres", "postgresql"}


def database_from_url(url: str) -> dict[str, Any]:
    """Turn DATABASE_URL into Django's DATABASES entry, refusing anything we do not run on."""
    import dj_database_url

    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in SUPPORTED_DATABASES:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} is not a database address resultsday can use. Set it to "
            "sqlite:///path/to/file.sqlite3 or postgres://user@host:5432/name."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} could not be read ({exc}). Set it to "
            "sqlite:///path/to/file.sqlite3 or postgres://user@host:5432/name."
        ) from exc
    if scheme.startswith("postgres") and not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} names no database. Add one after the last slash, "
            "for example postgres://postgres@127.0.0.1:5432/resultsday."
        )
    if scheme == "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} names no file. Use sqlite:///var/resultsday.sqlite3."
        )
    return config
