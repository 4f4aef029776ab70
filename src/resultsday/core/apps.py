from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def demo_clock_start(value: str) -> object:
    """Move this process's clock to ``value`` (UK time), ticking on from there. Demo mode only
    (settings refuse RESULTSDAY_DEMO_CLOCK otherwise); uses time-machine, a dev dependency
    that `make demo` installs."""
    try:
        import time_machine
    except ImportError:
        raise ImproperlyConfigured(
            "RESULTSDAY_DEMO_CLOCK needs time-machine: run `make demo` (it installs the dev tools)."
        ) from None
    at = dt.datetime.fromisoformat(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("Europe/London"))
    traveller = time_machine.travel(at, tick=True)
    traveller.start()
    return traveller


class CoreConfig(AppConfig):
    name = "resultsday.core"
    label = "core"
    verbose_name = "Pages"

    def ready(self) -> None:
        if settings.DEMO and settings.DEMO_CLOCK:
            demo_clock_start(settings.DEMO_CLOCK)
