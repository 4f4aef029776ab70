"""Times on pages read the GOV.UK way ("13 August 2026 at 9:02am"), as the govuk filters write them."""

from __future__ import annotations

import datetime as dt

import time_machine

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_record
from resultsday.testing import get_page


def test_the_audit_log_shows_times_in_words_and_keeps_the_exact_time_for_machines(
    client, world
) -> None:
    with time_machine.travel(dt.datetime(2026, 8, 13, 8, 2, 15, tzinfo=dt.UTC), tick=False):
        audit_record(actor=world.exams_officer_a, action=AuditAction.LEARNER_AMENDED,
                     summary="Amended Ada", centre=world.centre_a)
    client.force_login(world.exams_officer_a)
    page = get_page(client, "/audit/").content.decode()
    assert '<time datetime="2026-08-13T09:02:15+01:00">13 August 2026 at 9:02am</time>' in page
    assert "13 Aug 2026" not in page
