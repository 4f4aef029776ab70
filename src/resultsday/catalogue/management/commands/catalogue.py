from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resultsday.catalogue.models import AwardingOrganisation
from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
from resultsday.grading.errors import SpecError


class Command(BaseCommand):
    help = "Catalogue tasks. `resultsday catalogue load [DIR] --ao CODE` loads grading spec files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Validate and load a directory of spec files.")
        load.add_argument("directory", nargs="?", help="Default: the shipped specifications.")
        load.add_argument("--ao", required=True, help="Code of the awarding organisation.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ao = AwardingOrganisation.objects.get(code=options["ao"])
        except AwardingOrganisation.DoesNotExist:
            raise CommandError(
                f"No awarding organisation has the code {options['ao']!r}. Create it in the "
                "admin first."
            ) from None
        directory = Path(options["directory"]) if options["directory"] else shipped_specs_dir()
        if isinstance(directory, Path) and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory of spec files.")
        try:
            summary = catalogue_load(directory=directory, awarding_organisation=ao, actor=None)
        except SpecError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Loaded {summary.suites} suites, {summary.qualifications} qualifications and "
            f"{summary.units} unit placements for {ao.name}."
        )
