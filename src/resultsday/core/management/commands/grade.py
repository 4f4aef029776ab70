from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resultsday.grading.cli import run


class Command(BaseCommand):
    help = (
        "Grade one JSON request, or JSON Lines (one request per line), from FILE or - (stdin). "
        "Prints the outcome as text, or as JSON with --json (JSON Lines always print JSON, one "
        "outcome per line, in order). Invalid input: exit status 2 and a message naming the "
        "line and field. The request format is in docs/grading.md."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A file of JSON or JSON Lines, or - for standard input.")
        parser.add_argument("--json", action="store_true", help="Print the outcome as JSON.")
        parser.add_argument(
            "--jobs", type=int, default=None, metavar="N",
            help="Processes to grade with (default: one per core for files of 5,000 requests "
                 "or more). The output is the same whatever N is.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        if name == "-":
            text = sys.stdin.read()
        else:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            text = path.read_text(encoding="utf-8")
        # A short-lived process that keeps every outcome until the end: the cyclic garbage
        # collector only slows it down (measured in bench/grading.py).
        gc.freeze()
        gc.disable()
        jobs = options["jobs"]
        if jobs is not None and jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        status, output = run(text, as_json=options["json"], workers=jobs)
        if status != 0:
            self.stderr.write(output)
            raise SystemExit(status)
        self.stdout.write(output)
