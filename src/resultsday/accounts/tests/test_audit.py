"""Who reads which audit events: a centre's staff their centre's, AO staff their own AO's."""

from __future__ import annotations

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.services import audit_record
from resultsday.awarding.services import claim_submit
from resultsday.testing import World, get_page, make_user


def test_another_aos_admin_reads_none_of_a_shared_centres_events(client, world: World) -> None:
    world.centre_a.awarding_organisations.add(world.other_ao)  # the centre works with both
    claim_submit(registration=world.registration, actor=world.exams_officer_a)
    audit_record(actor=world.exams_officer_a, action=AuditAction.LEARNER_AMENDED,
                 summary="Registered Ada on the first AO qualification", centre=world.centre_a,
                 awarding_organisation=world.ao)
    client.force_login(make_user("other_ao_admin", role=Role.AO_ADMIN, ao=world.other_ao))
    page = get_page(client, "/audit/").content.decode()
    assert "Lovelace" not in page and "first AO qualification" not in page
    client.force_login(make_user("ao_admin", role=Role.AO_ADMIN, ao=world.ao))
    page = get_page(client, "/audit/").content.decode()
    assert "first AO qualification" in page
    assert "Full award claimed" in page  # a claim on the AO's qualification is its business
    client.force_login(world.exams_officer_a)
    page = get_page(client, "/audit/").content.decode()
    assert "Lovelace" in page and "first AO qualification" in page


def test_ao_staff_read_their_own_aos_events_at_any_centre(client, world: World) -> None:
    audit_record(actor=None, action=AuditAction.LEARNER_AMENDED, summary="At centre B",
                 centre=world.centre_b, awarding_organisation=world.ao)
    client.force_login(make_user("ao_admin", role=Role.AO_ADMIN, ao=world.ao))
    assert "At centre B" in get_page(client, "/audit/").content.decode()
