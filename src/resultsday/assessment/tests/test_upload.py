from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import AuditEvent
from resultsday.assessment.models import UnitResult
from resultsday.assessment.services import UNIT_GRADE_COLUMNS, unit_grade_upload
from resultsday.assessment.tests.helpers import (
    attempts,
    claim,
    internal_unit,
    second_learner_on_bigger_qualification,
    unit_outside,
)
from resultsday.formats.safe_output import Sheet, write_xlsx
from resultsday.formats.tabular import read_table
from resultsday.testing import World, get_page, make_learner, make_registration

HEADER = [c.name for c in UNIT_GRADE_COLUMNS]


def _row(world: World, **changes: str) -> dict[str, str]:
    row = {
        "candidate_number": world.learner.candidate_number, "uln": world.learner.uln,
        "qualification_qn": world.qualification.qn, "unit_number": "1", "grade": "D",
        "retake": "No",
    }
    row.update(changes)
    return row


def _csv(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _upload(world: World, data: bytes, filename: str = "grades.csv"):  # type: ignore[no-untyped-def]
    return unit_grade_upload(
        actor=world.exams_officer_a, centre=world.centre_a, data=data, filename=filename
    )


def _state() -> tuple[list[tuple[int, int, int, str, bool]], int]:
    results = list(UnitResult.objects.order_by("pk").values_list(
        "registration_id", "unit_id", "attempt", "grade", "is_retake"
    ))
    return results, AuditEvent.objects.count()


def test_a_good_file_records_every_grade(world) -> None:
    other = second_learner_on_bigger_qualification(world)
    outcome = _upload(world, _csv([
        _row(world),
        _row(world, candidate_number=other.learner.candidate_number, uln="",
             qualification_qn=other.qualification.qn, grade="p"),
    ]))
    assert outcome.problems == []
    assert (outcome.recorded, outcome.changed, outcome.unchanged) == (1, 1, 0)
    assert attempts(world.registration, internal_unit(world)) == [(1, "D", False)]
    assert attempts(other, internal_unit(world)) == [(1, "P", False)]


def test_uploading_the_same_file_again_changes_nothing(world) -> None:
    data = _csv([_row(world, grade="P", retake="Yes")])
    first = _upload(world, data)
    assert first.problems == [] and first.recorded == 1
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False), (2, "P", True)]
    before = _state()
    again = _upload(world, data)
    assert again.problems == [] and (again.recorded, again.changed, again.unchanged) == (0, 0, 1)
    assert _state() == before


def test_a_file_changing_a_claimed_learners_grade_counts_it(world) -> None:
    claim(world.registration)
    outcome = _upload(world, _csv([_row(world)]))
    assert outcome.problems == [] and outcome.changed_after_claim == 1


def test_an_xlsx_file_is_read_like_a_csv(world) -> None:
    row = _row(world)
    data = write_xlsx([Sheet("Data", HEADER, [[row[h] for h in HEADER]],
                             text_columns=range(len(HEADER)))])
    outcome = _upload(world, data, "grades.xlsx")
    assert outcome.problems == [] and outcome.changed == 1


def _two_learners(world: World) -> bytes:
    other = second_learner_on_bigger_qualification(world)
    return _csv([
        _row(world),
        _row(world, candidate_number=other.learner.candidate_number, uln="",
             qualification_qn=other.qualification.qn, grade="M", retake="Yes"),
    ])


BAD_FILES = {
    "missing column": (
        lambda w: _csv([_row(w)], [h for h in HEADER if h != "grade"]),
        (1, "grade", "The 'grade' column is missing: add a column headed 'grade'."),
    ),
    "unknown learner": (
        lambda w: _csv([_row(w, candidate_number="9999", uln="")]),
        (2, "candidate_number", "Row 2: there is no candidate 9999 at your centre: check the "
            "candidate number"),
    ),
    "another centre's learner": (
        lambda w: _csv([_row(w, candidate_number=w.learner_b.candidate_number, uln="")]),
        (2, "candidate_number", lambda w: f"Row 2: there is no candidate "
            f"{w.learner_b.candidate_number} at your centre"),
    ),
    "ULN of someone else": (
        lambda w: _csv([_row(w, uln=w.learner_b.uln)]),
        (2, "uln", lambda w: f"Row 2: candidate {w.learner.candidate_number} is Ada Lovelace, "
            "whose ULN is different: check the candidate number and the ULN"),
    ),
    "no registration on the qualification": (
        lambda w: _csv([_row(w, qualification_qn="601/7158/5")]),
        (2, "qualification_qn", lambda w: f"Row 2: Ada Lovelace (candidate "
            f"{w.learner.candidate_number}) has no active registration on 601/7158/5: check the "
            "QN, or register them first"),
    ),
    "unit not in the qualification": (
        lambda w: (unit_outside(w), _csv([_row(w, unit_number="9")]))[1],
        (2, "unit_number", "Row 2: Unit 9 Unit T9 is not in Test qualification 601/7157/7 "
            "(601/7157/7): check the unit number"),
    ),
    "unit that does not exist": (
        lambda w: _csv([_row(w, unit_number="77")]),
        (2, "unit_number", "Row 2: There is no unit 77 in Test qualification 601/7157/7 "
            "(601/7157/7): check the unit number"),
    ),
    "external unit": (
        lambda w: _csv([_row(w, unit_number="2")]),
        (2, "unit_number", "Row 2: Unit 2 Unit T2 is externally assessed"),
    ),
    "not a grade": (
        lambda w: _csv([_row(w, grade="A*")]),
        (2, "grade", "Row 2: Enter a grade: U, P, M or D"),
    ),
    "near pass": (
        lambda w: _csv([_row(w, grade="N")]),
        (2, "grade", "Row 2: Near Pass (N) is only for externally assessed units"),
    ),
    "retake above a pass": (
        _two_learners,
        (3, "grade", "Row 3: A retake can achieve at most a Pass: Unit 1 Unit T1 cannot be M on "
            "a retake"),
    ),
    "retake not yes or no": (
        lambda w: _csv([_row(w, retake="Maybe")]),
        (2, "retake", "Row 2: Enter Yes or No for retake"),
    ),
    "duplicate rows": (
        lambda w: _csv([_row(w), _row(w, grade="P")]),
        (3, "unit_number", "Row 3: this repeats row 2: remove one of them"),
    ),
    "formula cell": (
        lambda w: _csv([_row(w, grade="=1+1")]),
        (2, "grade", "grade in row 2 (cell E2)"),
    ),
    "empty file": (
        lambda w: b"",
        (None, None, "The selected file is empty"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_precise_message_and_nothing_applied(world, case) -> None:
    build, (row, field, message) = BAD_FILES[case]
    data = build(world)
    if callable(message):
        message = message(world)
    before = _state()
    outcome = _upload(world, data)
    assert any(
        p.row == row and p.field == field and p.message.startswith(message)
        for p in outcome.problems
    ), [p.message for p in outcome.problems]
    assert (outcome.recorded, outcome.changed) == (0, 0)
    assert _state() == before


def test_a_repeated_row_gets_its_other_problems_too(world) -> None:
    outcome = _upload(world, _csv([_row(world), _row(world, grade="X")]))
    assert [(p.row, p.field, p.message) for p in outcome.problems] == [
        (3, "unit_number", "Row 3: this repeats row 2: remove one of them"),
        (3, "grade", "Row 3: Enter a grade: U, P, M or D"),
    ]


def test_every_bad_row_is_reported_not_only_the_first(world) -> None:
    outcome = _upload(world, _csv([
        _row(world, grade="X"), _row(world, candidate_number="9999", uln=""),
        _row(world, unit_number="2"),
    ]))
    assert [(p.row, p.field) for p in outcome.problems] == [
        (2, "grade"), (3, "candidate_number"), (4, "unit_number"),
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_downloads_and_reads_back_as_its_example_row(client, world, kind) -> None:
    client.force_login(world.exams_officer_a)
    response = get_page(client, f"/centres/{world.centre_a.number}/unit-grades/template.{kind}")
    assert "attachment" in response["Content-Disposition"]
    table = read_table(response.content, f"template.{kind}", UNIT_GRADE_COLUMNS)
    assert table.problems == ()
    assert [list(r.values) for r in table.rows] == [HEADER]
    if kind == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames == ["Data", "Notes"]


def test_the_upload_page_lists_problems_then_shows_counts(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/unit-grades/upload/"
    get_page(client, url)
    bad = client.post(url, {"file": SimpleUploadedFile("g.csv", _csv([_row(world, grade="X")]))})
    page = bad.content.decode()
    assert "<title>Error: " in page and 'id="problems"' in page
    assert "The file has 1 problem: fix it and upload the file again. No grades have been saved." in page
    good = client.post(url, {"file": SimpleUploadedFile("g.csv", _csv([_row(world)]))})
    assert '<dd class="govuk-summary-list__value" id="grades-changed">1</dd>' in good.content.decode()
    again = client.post(url, {"file": SimpleUploadedFile("g.csv", _csv([_row(world)]))})
    assert '<dd class="govuk-summary-list__value" id="unchanged">1</dd>' in again.content.decode()


def test_a_teacher_cannot_upload_grades(client, world) -> None:
    client.force_login(world.teacher_a)
    url = f"/centres/{world.centre_a.number}/unit-grades/upload/"
    response = client.post(url, {"file": SimpleUploadedFile("g.csv", _csv([_row(world)]))})
    assert response.status_code == 403
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False)]


def _other_row(other, grade: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"candidate_number": other.learner.candidate_number, "uln": "",
            "qualification_qn": other.qualification.qn, "unit_number": "1", "grade": grade,
            "retake": "No"}


def _events_after(pk: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=pk).order_by("pk"))


def _last_event_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_an_upload_audits_each_change_with_before_and_after_and_nothing_unchanged(world) -> None:
    other = second_learner_on_bigger_qualification(world)
    unit = internal_unit(world)
    start = _last_event_pk()
    outcome = _upload(world, _csv([_row(world, grade="D"), _other_row(other, "P")]))
    assert (outcome.recorded, outcome.changed, outcome.unchanged) == (1, 1, 0)
    changed, recorded = _events_after(start)
    corrected = UnitResult.objects.get(registration=world.registration, unit=unit)
    assert (changed.action, changed.object_id) == (AuditAction.UNIT_RESULT_CHANGED, str(corrected.pk))
    assert changed.before == {"attempt": 1, "grade": "M", "is_retake": False}
    assert changed.after == {"attempt": 1, "grade": "D", "is_retake": False,
                             "changed_after_claim": False}
    assert (changed.actor, changed.centre) == (world.exams_officer_a, world.centre_a)
    assert changed.awarding_organisation == world.ao
    assert changed.summary.endswith(f"{unit} on {world.qualification.qn} changed from M to D")
    new = UnitResult.objects.get(registration=other, unit=unit)
    assert (recorded.action, recorded.object_id) == (AuditAction.UNIT_RESULT_RECORDED, str(new.pk))
    assert recorded.before is None and recorded.after["grade"] == "P"

    start = _last_event_pk()
    again = _upload(world, _csv([_row(world, grade="D"), _other_row(other, "M")]))
    assert (again.recorded, again.changed, again.unchanged) == (0, 1, 1)
    [event] = _events_after(start)
    assert event.object_id == str(new.pk)
    assert (event.before["grade"], event.after["grade"]) == ("P", "M")


def test_a_retake_in_an_upload_adds_an_attempt_and_flags_a_change_after_claim(world) -> None:
    claim(world.registration)
    start = _last_event_pk()
    outcome = _upload(world, _csv([_row(world, grade="P", retake="Yes")]))
    assert (outcome.recorded, outcome.changed_after_claim) == (1, 1)
    assert attempts(world.registration, internal_unit(world)) == [(1, "M", False), (2, "P", True)]
    [event] = _events_after(start)
    assert event.action == AuditAction.UNIT_RESULT_RECORDED
    assert event.after == {"attempt": 2, "grade": "P", "is_retake": True, "changed_after_claim": True}
    assert event.summary.endswith("(retake, attempt 2); changed after claim")


def test_an_upload_takes_the_same_queries_for_many_rows_as_for_one(world) -> None:
    registrations = [
        make_registration(make_learner(world.centre_a, last_name=f"Learner{'abcdef'[i]}"),
                          world.qualification)
        for i in range(6)
    ]

    def rows(chosen):  # type: ignore[no-untyped-def]
        return _csv([{**_other_row(r, "P"), "uln": r.learner.uln} for r in chosen])

    with CaptureQueriesContext(connection) as one:
        assert _upload(world, rows(registrations[:1])).recorded == 1
    with CaptureQueriesContext(connection) as five:
        assert _upload(world, rows(registrations[1:])).recorded == 5
    assert len(five.captured_queries) == len(one.captured_queries)
    assert AuditEvent.objects.filter(action=AuditAction.UNIT_RESULT_RECORDED).count() >= 6
