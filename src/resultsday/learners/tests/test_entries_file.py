"""Entries from an uploaded JCQ entries (E) file: checked first, applied all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.catalogue.choices import KeyDateKind
from resultsday.catalogue.models import KeyDate
from resultsday.formats.edi import (
    EntryRecord,
    OptionEntry,
    read_entries,
    write_entries,
)
from resultsday.identifiers import edi_candidate_name
from resultsday.learners.models import Entry, Learner
from resultsday.learners.services import (
    EntryWanted,
    RegistrationError,
    entries_create,
    entries_import_edi,
    entries_sample_edi,
    entry_create,
)
from resultsday.testing import World, get_page, make_learner, make_registration


def record(learner: Learner, *codes: str, **changes: str) -> EntryRecord:
    values = {
        "centre_number": learner.centre.number,
        "candidate_number": learner.candidate_number,
        "candidate_name": edi_candidate_name(learner.last_name.upper(),
                                             learner.first_name.upper()).value,
        "uln": learner.uln, "uci": learner.uci,
        "entries": tuple(OptionEntry(c) for c in codes),
    }
    values.update(changes)
    return EntryRecord(**values)  # type: ignore[arg-type]


def e_file(records: list[EntryRecord], centre_number: str = "10001", series: str = "06",
           year: str = "26") -> bytes:
    return write_entries(records, centre_number=centre_number, ab_id="RD", series=series,
                         year=year, sequence=1, produced_on=dt.date(2026, 1, 10))


def upload(world: World, data: bytes, filename: str | None = "E10001RD.X01"):  # type: ignore[no-untyped-def]
    return entries_import_edi(
        actor=world.exams_officer_a, centre=world.centre_a, data=data, filename=filename
    )


def messages_of(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.message for p in outcome.problems]


def test_a_good_file_enters_every_candidate_and_audits_each_entry(world) -> None:
    other = make_learner(world.centre_a, first_name="Grace", last_name="Hopper")
    make_registration(other, world.qualification)
    outcome = upload(world, e_file([record(world.learner, "2"), record(other, "000002")]))
    assert outcome.problems == []
    assert (outcome.entered, outcome.unchanged, outcome.late) == (2, 0, 0)
    entries = Entry.objects.filter(registration__centre=world.centre_a)
    assert {e.unit.code for e in entries} == {"T2"}
    assert {e.series.code for e in entries} == {"2026-06"}
    assert AuditEvent.objects.filter(action=AuditAction.ENTRY_CREATED).count() == 2


def test_uploading_the_same_file_again_changes_nothing(world) -> None:
    data = e_file([record(world.learner, "2")])
    upload(world, data)
    events = AuditEvent.objects.count()
    outcome = upload(world, data)
    assert outcome.problems == []
    assert (outcome.entered, outcome.unchanged) == (0, 1)
    assert Entry.objects.count() == 1 and AuditEvent.objects.count() == events


def test_entries_from_a_file_after_the_entry_deadline_are_late(world) -> None:
    KeyDate.objects.create(series=world.registration.series, kind=KeyDateKind.ENTRY_DEADLINE,
                           at=timezone.make_aware(dt.datetime(2026, 2, 21, 17, 0)))
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC), tick=False):
        outcome = upload(world, e_file([record(world.learner, "2")]))
    assert outcome.late == 1 and Entry.objects.get().is_late


def _assert_refused(
    world: World, data: bytes, message: str, line: int | None = None,
    filename: str = "E10001RD.X01",
) -> None:
    outcome = upload(world, data, filename)
    assert message in messages_of(outcome), messages_of(outcome)
    if line is not None:
        assert any(p.line == line and p.message == message for p in outcome.problems)
    assert not Entry.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ENTRY_CREATED).exists()


def test_a_file_whose_centre_trailer_count_is_wrong_is_refused_and_nothing_applied(world) -> None:
    lines = e_file([record(world.learner, "2")]).decode().split("\r\n")
    trailer = lines[3]  # header, centre header, detail, centre trailer, file trailer
    lines[3] = trailer[:7] + "0000009" + trailer[14:]
    _assert_refused(
        world, "\r\n".join(lines).encode(),
        "The centre trailer on line 4 says its centre block has 9 records, but it has 3 "
        "(lines 2 to 4): the file may be incomplete or changed: export it again",
    )


def test_a_file_from_another_centre_is_refused_and_nothing_applied(world) -> None:
    data = e_file([record(world.learner_b, "2")], centre_number="20002")
    _assert_refused(
        world, data, filename="E20002RD.X01", message="This file is for centre 20002, not your centre 10001: upload an entries "
        "file from your own centre", line=1,
    )


def test_an_unknown_candidate_is_refused_and_nothing_applied(world) -> None:
    stranger = record(world.learner, "2", candidate_number="9998", uln="", uci="")
    data = e_file([record(world.learner, "2"), stranger])
    _assert_refused(
        world, data, "Line 4: there is no candidate 9998 at your centre: register the learner "
        "first, or correct the candidate number", line=4,
    )


def test_an_internal_unit_is_refused_and_nothing_applied(world) -> None:
    _assert_refused(
        world, e_file([record(world.learner, "2", "1")]),
        "Line 3: entry code 1 is Unit 1 Unit T1, which is internally assessed: only external "
        "units have entries, so remove it", line=3,
    )


def test_an_unknown_entry_code_is_refused_and_nothing_applied(world) -> None:
    _assert_refused(
        world, e_file([record(world.learner, "2", "ZZ9")]),
        "Line 3: there is no unit with entry code ZZ9: the entry code is the unit number from "
        "the specification, like 2 or 31", line=3,
    )


def test_a_duplicate_entry_is_refused_and_nothing_applied(world) -> None:
    data = e_file([record(world.learner, "2"), record(world.learner, "02")])
    _assert_refused(
        world, data, f"Line 4: candidate {world.learner.candidate_number} is entered for entry "
        "code 02 on line 3 too: remove one of them", line=4,
    )


def test_a_uln_that_is_not_the_candidates_is_refused(world) -> None:
    other_uln = world.learner_b.uln
    _assert_refused(
        world, e_file([record(world.learner, "2", uln=other_uln)]),
        f"Line 3: candidate {world.learner.candidate_number} is {world.learner.full_name}, "
        f"whose ULN is not {other_uln}: check the candidate number, or correct the learner's "
        "details",
    )


def _hopper(world: World, **details: str) -> Learner:
    other = make_learner(world.centre_a, first_name=details.pop("first_name", "Grace"),
                         last_name=details.pop("last_name", "Hopper"))
    for name, value in details.items():
        setattr(other, name, value)
    other.save()
    make_registration(other, world.qualification)
    return other


def test_a_record_whose_name_is_not_the_candidates_is_refused(world) -> None:
    other = _hopper(world)
    _assert_refused(
        world, e_file([record(other, "2", candidate_name="SMITH:JOHN")]),
        f"Line 3, candidate name: candidate {other.candidate_number} is HOPPER:GRACE, not "
        "SMITH:JOHN: check the candidate number, or correct the learner's details", line=3,
    )


def test_a_record_whose_date_of_birth_is_not_the_candidates_is_refused(world) -> None:
    other = _hopper(world, date_of_birth=dt.date(2008, 5, 6))
    _assert_refused(
        world, e_file([record(other, "2", date_of_birth="010199")]),
        f"Line 3, date of birth: candidate {other.candidate_number} (HOPPER:GRACE) was born on "
        "6 May 2008 (060508), not 010199: check the candidate number, or correct the learner's "
        "details", line=3,
    )


def test_a_record_with_another_persons_name_and_birth_date_gives_both_problems(world) -> None:
    other = _hopper(world)
    outcome = upload(world, e_file([
        record(other, "2", candidate_name="SMITH:JOHN", date_of_birth="010199", uln="", uci="")
    ]))
    assert [(p.line, p.field) for p in outcome.problems] == [
        (3, "candidate name"), (3, "date of birth")
    ]
    assert outcome.entered == 0 and not Entry.objects.exists()


def test_a_date_of_birth_of_000000_is_not_compared(world) -> None:
    outcome = upload(world, e_file([record(world.learner, "2", date_of_birth="000000")]))
    assert outcome.problems == [] and outcome.entered == 1


def test_the_candidates_own_date_of_birth_is_accepted(world) -> None:
    birth = world.learner.date_of_birth.strftime("%d%m%y")
    outcome = upload(world, e_file([record(world.learner, "2", date_of_birth=birth)]))
    assert outcome.problems == [] and outcome.entered == 1


@pytest.mark.parametrize(("first_name", "last_name", "in_file"), [
    ("Grace", "Hopper", "hopper:grace"),  # case
    ("Mary Jane", "O'Neil-Smith", "ONEIL SMITH:MARYJANE"),  # spaces and punctuation
    ("Zoë", "Brontë", "BRONTE:ZOE"),  # accents taken off
    ("Zoë", "Brontë", "BRONT:ZO"),  # accented letters left out
    ("Łukasz", "Wiśniewski", "WISNIEWSKI:LUKASZ"),  # letters with no accent to take off
    ("Søren", "Ødegaard", "ODEGAARD:SOREN"),
    ("Ada", "Yıldız", "YILDIZ:ADA"),  # dotless i, as upper-casing writes it
    ("Alexandra Catherine Elizabeth", "Montgomery-Smythe", "MONTGOMERY-SMYTHE:ALEXANDRA"),
])
def test_names_are_compared_by_their_letters(world, first_name, last_name, in_file) -> None:
    other = _hopper(world, first_name=first_name, last_name=last_name)
    outcome = upload(world, e_file([record(other, "2", candidate_name=in_file)]))
    assert outcome.problems == [] and outcome.entered == 1


def test_a_shorter_form_of_the_forenames_is_accepted_only_for_a_name_too_long_for_the_file(
    world,
) -> None:
    other = _hopper(world, first_name="Grace Brewster")
    outcome = upload(world, e_file([record(other, "2", candidate_name="HOPPER:GRACE")]))
    assert [p.field for p in outcome.problems] == ["candidate name"]


@pytest.mark.parametrize("label", ["ULN", "UCI"])
def test_an_identifier_the_candidate_does_not_have_is_refused_not_dropped(world, label) -> None:
    other = _hopper(world, **{label.lower(): ""})
    given = {"ULN": "1000000019", "UCI": "100010260042A"}[label]
    _assert_refused(
        world, e_file([record(other, "2", **{label.lower(): given})]),
        f"Line 3, {label}: the file gives {given} for candidate {other.candidate_number} (Grace "
        f"Hopper), who has no {label} in their details: add the {label} to the learner's "
        "details first, or check the candidate number", line=3,
    )
    other.refresh_from_db()
    assert getattr(other, label.lower()) == ""


def test_a_series_we_do_not_know_is_refused(world) -> None:
    _assert_refused(
        world, e_file([record(world.learner, "2")], series="01", year="27"),
        "Line 3: there is no series 2027-01 of Demo Awarding Organisation: check the series "
        "and year in the file header",
    )


def test_every_problem_in_a_file_is_reported_at_once(world) -> None:
    stranger = record(world.learner, "2", candidate_number="9998", uln="", uci="")
    outcome = upload(world, e_file([record(world.learner, "1"), stranger]))
    assert [p.line for p in outcome.problems] == [3, 4]


def test_a_renamed_file_that_still_looks_like_an_edi_file_is_refused(world) -> None:
    outcome = upload(world, e_file([record(world.learner, "2")]), filename="E10001RD.X07")
    assert any("must not be renamed" in m for m in messages_of(outcome))
    assert upload(world, e_file([record(world.learner, "2")]), filename="entries.txt").applied


def test_the_sample_file_holds_the_centres_entries_and_reads_back_unchanged(world) -> None:
    upload(world, e_file([record(world.learner, "2")]))
    data = entries_sample_edi(centre=world.centre_a, series=world.registration.series,
                              produced_on=dt.date(2026, 1, 10))
    edi = read_entries(data, filename="E10001RD.X01")
    assert edi.ok and [r.candidate_number for r in edi.records] == [
        world.learner.candidate_number
    ]
    assert [e.code for e in edi.records[0].entries] == ["2"]
    outcome = upload(world, data)
    assert (outcome.entered, outcome.unchanged, outcome.problems) == (0, 1, [])


# ---- the page ------------------------------------------------------------------------------


def test_the_upload_page_enters_a_good_file_and_shows_the_counts(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/entries/upload/"
    page = get_page(client, url).content.decode()
    assert "the unit number as printed in the specification" in page
    data = e_file([record(world.learner, "2")])
    response = client.post(url, {"file": SimpleUploadedFile("E10001RD.X01", data)})
    page = response.content.decode()
    assert response.status_code == 200 and "Entries uploaded" in page
    assert '<dd class="govuk-summary-list__value" id="entered">1</dd>' in page


def test_the_upload_page_lists_problems_and_applies_nothing(client, world) -> None:
    client.force_login(world.exams_officer_a)
    data = e_file([record(world.learner_b, "2")], centre_number="20002")
    response = client.post(f"/centres/{world.centre_a.number}/entries/upload/",
                           {"file": SimpleUploadedFile("E20002RD.X01", data)})
    page = response.content.decode()
    assert "<title>Error: " in page and 'id="problems"' in page
    assert "This file is for centre 20002, not your centre 10001" in page
    assert "Nothing has been entered." in page
    assert not Entry.objects.exists()


def test_the_sample_download_is_an_e_file_named_for_the_centre(client, world) -> None:
    client.force_login(world.exams_officer_a)
    response = get_page(client, f"/centres/{world.centre_a.number}/entries/sample/?series=2026-06")
    assert response["Content-Disposition"] == 'attachment; filename="E10001RD.X01"'
    assert read_entries(response.content).ok
    get_page(client, f"/centres/{world.centre_a.number}/entries/sample/?series=1999-01",
             status=404)


def test_the_sample_file_of_a_learner_with_a_dotless_i_uploads_back_unchanged(
    client, world
) -> None:
    world.learner.last_name = "Yıldız"
    world.learner.save()
    upload(world, e_file([record(world.learner, "2", candidate_name="YILDIZ:ADA")]))
    client.force_login(world.exams_officer_a)
    sample = get_page(
        client, f"/centres/{world.centre_a.number}/entries/sample/?series=2026-06").content
    outcome = upload(world, sample)
    assert outcome.problems == [] and (outcome.entered, outcome.unchanged) == (0, 1)


def _last_event_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_file_audits_each_new_entry_and_not_the_entries_already_held(world) -> None:
    other = make_learner(world.centre_a, first_name="Grace", last_name="Hopper")
    other_registration = make_registration(other, world.qualification)
    upload(world, e_file([record(world.learner, "2")]))
    start = _last_event_pk()
    outcome = upload(world, e_file([record(world.learner, "2"), record(other, "2")]))
    assert (outcome.entered, outcome.unchanged) == (1, 1)
    [event] = AuditEvent.objects.filter(pk__gt=start)
    entry = Entry.objects.get(registration=other_registration)
    assert (event.action, event.object_id) == (AuditAction.ENTRY_CREATED, str(entry.pk))
    assert (event.actor, event.centre, event.awarding_organisation) == (
        world.exams_officer_a, world.centre_a, world.ao)
    assert event.summary == f"{other} entered for Unit 2 Unit T2 in {entry.series.name}"
    assert event.after == {
        "registration": other_registration.pk, "qualification": world.qualification.qn,
        "unit": "T2", "series": "2026-06", "status": "entered", "is_late": False,
    }


def test_a_file_takes_the_same_queries_for_many_candidates_as_for_one(world) -> None:
    learners = [make_learner(world.centre_a, last_name=f"Learner{'abcdef'[i]}") for i in range(6)]
    for learner in learners:
        make_registration(learner, world.qualification)
    with CaptureQueriesContext(connection) as one:
        assert upload(world, e_file([record(learners[0], "2")])).entered == 1
    with CaptureQueriesContext(connection) as five:
        assert upload(world, e_file([record(x, "2") for x in learners[1:]])).entered == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_entries_made_together_are_audited_as_one_by_one_would_be(world) -> None:
    other = make_learner(world.centre_a, first_name="Grace", last_name="Hopper")
    other_registration = make_registration(other, world.qualification)
    unit = world.qualification.structure.get(unit__code="T2").unit
    series = world.registration.series
    entry_create(actor=world.exams_officer_a, registration=world.registration, unit=unit,
                 series=series)
    entries_create(actor=world.exams_officer_a, wanted=[
        EntryWanted(registration=other_registration, unit=unit, series=series)
    ])
    alone, together = AuditEvent.objects.filter(action=AuditAction.ENTRY_CREATED).order_by("pk")
    fields = ["actor", "actor_label", "centre", "awarding_organisation", "object_type", "reason",
              "ip_address"]
    assert [getattr(alone, f) for f in fields] == [getattr(together, f) for f in fields]
    assert together.after["registration"] == other_registration.pk
    assert together.before is None and together.at is not None


def test_the_same_entry_twice_in_one_batch_is_refused_and_nothing_written(world) -> None:
    unit = world.qualification.structure.get(unit__code="T2").unit
    wanted = EntryWanted(registration=world.registration, unit=unit,
                         series=world.registration.series)
    with pytest.raises(RegistrationError) as refused:
        entries_create(actor=world.exams_officer_a, wanted=[wanted, wanted])
    assert refused.value.message == (
        f"{world.learner.full_name} is already entered for Unit 2 Unit T2 in "
        f"{world.registration.series.name}"
    )
    assert not Entry.objects.exists()
