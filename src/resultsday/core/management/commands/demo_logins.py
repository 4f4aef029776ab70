from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from resultsday.accounts.models import Membership, User
from resultsday.core.demo import DEMO_ACCESS_CODE, DEMO_PASSWORD
from resultsday.learners.models import Learner


class Command(BaseCommand):
    help = "Print a demo login for each persona (demo mode only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("Demo logins exist only in demo mode: set RESULTSDAY_DEMO=1.")
        table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
        table.add_column("Persona")
        table.add_column("Username")
        table.add_column("Where")
        first_two = list(
            Membership.objects.filter(role="exams_officer", user__is_demo=True)
            .select_related("user", "centre").order_by("centre__number")[:2]
        )
        for label, membership in zip(("centre A", "centre B"), first_two, strict=False):
            table.add_row(f"Exams officer, {label}", membership.user.username,
                          str(membership.centre))
        if first_two:
            centre = first_two[0].centre
            for role, label in [("head_of_centre", "Head of centre"), ("teacher", "Teacher")]:
                m = Membership.objects.filter(role=role, centre=centre).select_related("user").first()
                if m:
                    table.add_row(f"{label}, centre A", m.user.username, str(centre))
        for role, label in [("ao_officer", "Awarding organisation officer"),
                            ("ao_admin", "Awarding organisation administrator"),
                            ("regulator", "Regulator")]:
            m = (Membership.objects.filter(role=role, user__is_demo=True)
                 .select_related("user", "awarding_organisation").first())
            if m:
                table.add_row(label, m.user.username,
                              str(m.awarding_organisation or "all awarding organisations"))
        learner = User.objects.filter(is_demo=True, learner__isnull=False).first()
        if learner:
            table.add_row("Learner", learner.username, str(learner.learner.centre))
        by_code = (
            Learner.objects.filter(is_demo=True, access_code__isnull=False)
            .select_related("centre").order_by("pk").first()
        )
        if by_code:
            table.add_row(
                "Learner with an access code (at /my/sign-in/)",
                f"ULN {by_code.uln}, born {by_code.date_of_birth:%d/%m/%Y}, "
                f"code {DEMO_ACCESS_CODE}",
                str(by_code.centre),
            )
        Console().print(table)
        self.stdout.write("Open http://127.0.0.1:8000 and sign in with any of these.")
