from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


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
        call_command(
            "db_worker",
            "--queue-name", options["queue_name"],
            "--interval", str(options["interval"]),
            "--no-reload",
            *extra,
        )
