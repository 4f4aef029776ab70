from __future__ import annotations

import signal
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

# The signals django-tasks-db's worker takes over for a graceful shutdown.
_WORKER_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGQUIT")
                        if hasattr(signal, name))


class Command(BaseCommand):
    help = (
        "Run a background task worker (awarding runs, reports, imports). Start as many as you "
        "like, on any host: they claim work from the same database queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between polls of an empty queue.")
        parser.add_argument("--batch", action="store_true",
                            help="Run the tasks waiting now, then stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        extra = ["--batch"] if options["batch"] else []
        # db_worker installs its shutdown handlers and leaves them when it returns (--batch):
        # put back what the process had, or a later SIGTERM in this process (a pool of forked
        # workers being terminated, say) would be taken for a worker's shutdown.
        previous = {number: signal.getsignal(number) for number in _WORKER_SIGNALS}
        try:
            call_command(
                "db_worker",
                "--queue-name", options["queue_name"],
                "--interval", str(options["interval"]),
                "--no-reload",
                *extra,
            )
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
