"""A withdrawn registration has no result to show the learner, as the centre's broadsheet has none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from resultsday.learners.services import registration_withdraw
from resultsday.release.tests.helpers import issue
from resultsday.testing import World

AFTER = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)


def test_a_withdrawn_registrations_grade_reaches_neither_centre_nor_learner(
    world: World, client: Any
) -> None:
    issue(world.registration, "DD", 96)
    with time_machine.travel(AFTER, tick=False):
        client.force_login(world.learner_user)
        page = client.get("/my/").content.decode()
        assert ">DD<" in page and world.qualification.title in page  # shown while it stands
    registration_withdraw(actor=world.exams_officer_a, registration=world.registration,
                          reason="Left the course")
    with time_machine.travel(AFTER, tick=False):
        client.force_login(world.exams_officer_a)
        sheet = client.get(f"/centres/{world.centre_a.number}/results/").content.decode()
        client.force_login(world.learner_user)
        page = client.get("/my/").content.decode()
        api = client.get("/api/v1/my/results").json()
        statement = client.get("/my/statement/").content.decode()
    assert world.learner.last_name not in sheet  # no row on the broadsheet
    # (Not a bare "DD": a page's random CSRF token may hold it.)
    for shown in (page, statement):
        assert ">DD<" not in shown and world.qualification.title not in shown
    assert api["qualifications"] == []  # the learner's only registration
