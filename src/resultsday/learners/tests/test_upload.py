from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from resultsday.accounts.models import AuditEvent
from resultsday.formats.safe_output import Sheet, write_xlsx
from resultsday.formats.tabular import read_table
from resultsday.learners.models import Learner, Registration
from resultsday.learners.services import REGISTRATION_COLUMNS, registration_upload
from resultsday.testing import World, get_page, make_qualification, valid_uln

HEADER = [c.name for c in REGISTRATION_COLUMNS]


def _row(world: World, n: int = 900, **changes: str) -> dict[str, str]:
    row = {
        "candidate_number": f"{n:04d}", "uln": valid_uln(n), "uci": "", "surname": "Somerville",
        "forenames": f"Mary{chr(65 + n % 26)}", "date_of_birth": "2008-05-06",
        "qualification_qn": world.qualification.qn, "series_code": "2026-06",
        "ucas_applicant": "Yes", "needs_result_to_progress": "No",
    }
    row.update(changes)
    return row


def _csv(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(r.get(h, "") for h in header) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _upload(world: World, data: bytes, filename: str = "registrations.csv"):  # type: ignore[no-untyped-def]
    return registration_upload(
        actor=world.exams_officer_a, centre=world.centre_a, data=data, filename=filename
    )


def _counts() -> tuple[int, int, int]:
    return Learner.objects.count(), Registration.objects.count(), AuditEvent.objects.count()


def test_a_good_file_registers_every_row(world) -> None:
    outcome = _upload(world, _csv([_row(world, 900), _row(world, 901)]))
    assert outcome.problems == []
    assert (outcome.learners_created, outcome.registrations_created, outcome.unchanged) == (2, 2, 0)
    registration = Registration.objects.get(learner__candidate_number="0900")
    assert registration.ucas_applicant and not registration.needs_result_to_progress
    assert registration.centre == world.centre_a


def test_uploading_the_same_file_again_changes_nothing(world) -> None:
    data = _csv([_row(world, 900), _row(world, 901)])
    _upload(world, data)
    before = _counts()
    outcome = _upload(world, data)
    assert outcome.problems == []
    assert (outcome.registrations_created, outcome.unchanged) == (0, 2)
    assert _counts() == before


def test_a_row_for_an_existing_learner_and_registration_is_unchanged(world) -> None:
    learner = world.learner
    row = _row(world, candidate_number=learner.candidate_number, uln=learner.uln, uci=learner.uci,
               surname=learner.last_name, forenames=learner.first_name,
               date_of_birth=learner.date_of_birth.isoformat(), ucas_applicant="No")
    outcome = _upload(world, _csv([row]))
    assert outcome.problems == [] and outcome.unchanged == 1


def test_one_learner_can_be_registered_on_two_qualifications_in_one_file(world) -> None:
    other = make_qualification(world.ao, qn="601/7158/5")
    outcome = _upload(world, _csv([_row(world), _row(world, qualification_qn=other.qn)]))
    assert outcome.problems == []
    assert (outcome.learners_created, outcome.registrations_created) == (1, 2)


def test_an_xlsx_file_is_read_like_a_csv(world) -> None:
    row = _row(world)
    data = write_xlsx([Sheet("Data", HEADER, [[row[h] for h in HEADER]],
                             text_columns=range(len(HEADER)))])
    outcome = _upload(world, data, "registrations.xlsx")
    assert outcome.problems == [] and outcome.registrations_created == 1


BAD_FILES = {
    "missing column": (
        lambda w: _csv([_row(w)], [h for h in HEADER if h != "surname"]),
        (1, "surname", "The 'surname' column is missing: add a column headed 'surname'."),
    ),
    "bad ULN": (
        lambda w: _csv([_row(w, uln="123")]),
        (2, "uln", "Row 2: Enter a ULN of 10 digits (this has 3)"),
    ),
    "unknown QN": (
        lambda w: _csv([_row(w, qualification_qn="500/1522/9")]),
        (2, "qualification_qn", "Row 2: There is no qualification 500/1522/9 that your centre is "
            "approved to offer: check the QN with your awarding organisation"),
    ),
    "unknown series": (
        lambda w: _csv([_row(w, series_code="2031-01")]),
        (2, "series_code", "Row 2: There is no series 2031-01 of Demo Awarding Organisation: "
            "enter a series code like 2026-06"),
    ),
    "duplicate rows": (
        lambda w: _csv([_row(w), _row(w, 901), _row(w)]),
        (4, "candidate_number", "Row 4: this repeats row 2 (candidate 0900 on 601/7157/7): "
            "remove one of them"),
    ),
    "another centre's learner": (
        lambda w: _csv([_row(w, uln=w.learner_b.uln)]),
        (2, "uln", "Row 2: a learner with this ULN is registered on 601/7157/7 at another "
            "centre: ask that centre to withdraw them before you register them"),
    ),
    "formula cell": (
        lambda w: _csv([_row(w, surname="=1+1")]),
        (2, "surname", "surname in row 2 (cell D2)"),
    ),
    "empty file": (
        lambda w: b"",
        (None, None, "The selected file is empty"),
    ),
    "surname longer than we store": (
        lambda w: _csv([_row(w, surname="S" * 150)]),
        (2, "surname", "Row 2: The surname is 150 characters long: enter 100 characters or "
            "fewer"),
    ),
    "forenames longer than we store": (
        lambda w: _csv([_row(w, forenames="F" * 101)]),
        (2, "forenames", "Row 2: The forenames is 101 characters long: enter 100 characters "
            "or fewer"),
    ),
    "control character in the surname": (
        lambda w: _csv([_row(w, surname="Smi\x07th")]),
        (2, "surname", "surname in row 2 (cell D2) contains an invisible control character "
            "(U+0007): type the value again without it"),
    ),
    "NUL in the series code": (
        lambda w: _csv([_row(w, series_code="2026\x00-06")]),
        (2, "series_code", "series_code in row 2 (cell H2) contains an invisible control "
            "character (U+0000)"),
    ),
    "line break in the forenames": (
        lambda w: _csv([_row(w, forenames='"Mary\nAnn"')]),
        (2, "forenames", "Row 2: The forenames includes a control character (U+000A), which a "
            "name cannot contain: delete it and type the name again"),
    ),
    "rows on a second sheet": (
        lambda w: write_xlsx([
            Sheet("Data", HEADER, [[_row(w, 900)[h] for h in HEADER]]),
            Sheet("More", HEADER, [[_row(w, 901)[h] for h in HEADER]]),
        ]),
        (None, None, "Sheet 'More' has data: only the first sheet, 'Data', is read — move the "
            "rows to it and delete sheet 'More'"),
    ),
    "already registered with other details": (
        lambda w: _csv([_row(
            w, candidate_number=w.learner.candidate_number, uln=w.learner.uln,
            surname=w.learner.last_name, forenames=w.learner.first_name,
            date_of_birth=w.learner.date_of_birth.isoformat(), ucas_applicant="Yes",
        )]),
        (2, "qualification_qn", "Row 2: Ada Lovelace is already registered on 601/7157/7 for "
            "Summer 2026 with other details"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_precise_message_and_nothing_applied(world, case) -> None:
    build, (row, field, message) = BAD_FILES[case]
    # A good row alongside the bad one must not be applied either.
    before = _counts()
    data = build(world)
    outcome = _upload(world, data, "registrations.xlsx" if data[:2] == b"PK" else "r.csv")
    assert outcome.problems, case
    assert any(
        p.row == row and p.field == field and p.message.startswith(message)
        for p in outcome.problems
    ), [p.message for p in outcome.problems]
    assert outcome.registrations_created == 0
    assert _counts() == before


def test_a_good_row_in_a_file_with_a_bad_row_is_not_applied(world) -> None:
    before = _counts()
    outcome = _upload(world, _csv([_row(world, 900), _row(world, 901, uln="123")]))
    assert [p.row for p in outcome.problems] == [3]
    assert _counts() == before


def test_every_bad_row_is_reported_not_only_the_first(world) -> None:
    outcome = _upload(world, _csv([
        _row(world, 900, uln="123"), _row(world, 901, date_of_birth="06/05/2008"),
        _row(world, 902, needs_result_to_progress="Maybe"),
    ]))
    assert [(p.row, p.field) for p in outcome.problems] == [
        (2, "uln"), (3, "date_of_birth"), (4, "needs_result_to_progress")
    ]


@pytest.mark.parametrize(("column", "model_field"), [
    ("candidate_number", "candidate_number"), ("uln", "uln"), ("uci", "uci"),
    ("surname", "last_name"), ("forenames", "first_name"),
])
def test_a_value_longer_than_its_field_stores_is_refused_not_cut(world, column, model_field) -> None:
    longest = Learner._meta.get_field(model_field).max_length
    before = _counts()
    outcome = _upload(world, _csv([_row(world, **{column: "1" * (longest + 1)})]))
    assert [p.field for p in outcome.problems] == [column]
    assert _counts() == before


def test_a_name_of_100_characters_is_stored_whole(world) -> None:
    outcome = _upload(world, _csv([_row(world, surname="S" * 100, forenames="F" * 100)]))
    assert outcome.problems == []
    learner = Learner.objects.get(candidate_number="0900")
    assert (len(learner.last_name), len(learner.first_name)) == (100, 100)


def test_a_name_exam_files_cannot_carry_is_registered_with_a_warning_naming_row_and_column(
    world,
) -> None:
    outcome = _upload(world, _csv([_row(world, 900), _row(world, 901, surname="Zoë-Ångström")]))
    assert outcome.problems == [] and outcome.registrations_created == 2
    assert [(w.row, w.field, w.value) for w in outcome.warnings] == [(3, "surname", "Zoë-Ångström")]
    assert outcome.warnings[0].message.startswith(
        "Row 3, surname: The surname includes Å ë ö, which exam data files cannot carry"
    )
    assert Learner.objects.get(candidate_number="0901").last_name == "Zoë-Ångström"


def test_a_uci_doubt_is_a_warning_too(world) -> None:
    # Character 6 of a UCI is normally 0 or B: C is accepted, with a warning.
    outcome = _upload(world, _csv([_row(world, uci="10001C260042Y")]))
    assert outcome.problems == [] and outcome.registrations_created == 1
    assert [(w.row, w.field, w.value) for w in outcome.warnings] == [(2, "uci", "10001C260042Y")]
    assert outcome.warnings[0].message.startswith("Row 2, uci: Character 6 of this UCI is C")


def test_an_unknown_qn_says_its_check_character_is_not_the_expected_one(world) -> None:
    # A QN in the catalogue is right whatever its (inferred) check character, so that doubt is
    # given only when the QN is not found.
    outcome = _upload(world, _csv([_row(world, qualification_qn="601/7157/9")]))
    assert [p.message for p in outcome.problems] == [
        "Row 2: There is no qualification 601/7157/9 that your centre is approved to offer: "
        "check the QN with your awarding organisation (the last character of 601/7157/9 is not "
        "the one we expect (1): check the qualification number on the Ofqual Register)"
    ]
    assert outcome.warnings == []


def test_warnings_are_shown_with_the_problems_of_a_refused_file(world) -> None:
    outcome = _upload(world, _csv([_row(world, 900, surname="Brontë"), _row(world, 901, uln="1")]))
    assert [p.row for p in outcome.problems] == [3]
    assert [w.row for w in outcome.warnings] == [2]


def test_the_upload_page_shows_the_warnings_with_row_and_column(client, world) -> None:
    client.force_login(world.exams_officer_a)
    page = _post_page(client, world, _csv([_row(world, surname="Brontë")])).content.decode()
    assert "Registrations uploaded" in page and 'id="warnings"' in page
    assert "Row 2, surname: The surname includes ë, which exam data files cannot carry" in page
    page = _post_page(client, world, _csv([_row(world, 901)])).content.decode()
    assert 'id="warnings"' not in page


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_downloads_and_reads_back_as_its_example_row(client, world, kind) -> None:
    client.force_login(world.exams_officer_a)
    response = get_page(client, f"/centres/{world.centre_a.number}/registrations/template.{kind}")
    assert "attachment" in response["Content-Disposition"]
    table = read_table(response.content, f"template.{kind}", REGISTRATION_COLUMNS)
    assert table.problems == ()
    assert [list(r.values) for r in table.rows] == [HEADER]
    if kind == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["Data", "Notes"]


def test_the_template_example_row_is_itself_a_valid_registration(world) -> None:
    from resultsday.formats.safe_output import template_csv

    outcome = _upload(world, template_csv(REGISTRATION_COLUMNS))
    assert outcome.problems == [] and outcome.registrations_created == 1


def test_the_upload_page_lists_the_problems_in_a_table(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/registrations/upload/"
    get_page(client, url)
    upload = SimpleUploadedFile("r.csv", _csv([_row(world, uln="123")]), "text/csv")
    response = client.post(url, {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "The file has 1 problem: fix it and upload the file again. Nothing has been registered." in page
    assert 'id="problems"' in page and "Enter a ULN of 10 digits (this has 3)" in page


def test_the_upload_page_shows_the_counts_and_a_second_upload_as_unchanged(client, world) -> None:
    client.force_login(world.exams_officer_a)
    url = f"/centres/{world.centre_a.number}/registrations/upload/"
    data = _csv([_row(world, 900), _row(world, 901)])
    first = client.post(url, {"file": SimpleUploadedFile("r.csv", data, "text/csv")})
    assert '<dd class="govuk-summary-list__value" id="registrations-created">2</dd>' in first.content.decode()
    second = client.post(url, {"file": SimpleUploadedFile("r.csv", data, "text/csv")})
    page = second.content.decode()
    assert '<dd class="govuk-summary-list__value" id="registrations-created">0</dd>' in page
    assert "Already registered, unchanged" in page
    assert '<dd class="govuk-summary-list__value" id="unchanged">2</dd>' in page


def _post_page(client, world, data: bytes, filename: str = "r.csv"):  # type: ignore[no-untyped-def]
    url = f"/centres/{world.centre_a.number}/registrations/upload/"
    return client.post(url, {"file": SimpleUploadedFile(filename, data, "text/csv")})


def test_a_file_in_the_wrong_encoding_is_refused_through_the_page(client, world) -> None:
    client.force_login(world.exams_officer_a)
    data = _csv([_row(world, surname="Müller")]).decode().encode("cp1252")
    before = _counts()
    page = _post_page(client, world, data).content.decode()
    assert "UTF-8" in page and "Nothing has been registered" in page
    assert _counts() == before


def test_a_50_mb_file_is_refused_through_the_page_and_nothing_is_applied(client, world) -> None:
    client.force_login(world.exams_officer_a)
    good = _csv([_row(world, 900)])
    data = good + b"#" * (50 * 1024 * 1024)
    before = _counts()
    response = _post_page(client, world, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "too large" in page.lower() or "MB" in page
    assert _counts() == before


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_cell_that_could_run_as_a_formula_is_refused_through_the_page(
    client, world, start: str
) -> None:
    client.force_login(world.exams_officer_a)
    before = _counts()
    page = _post_page(client, world, _csv([_row(world, surname=f"{start}cmd|calc")])).content.decode()
    assert "Nothing has been registered" in page and "formula" in page.lower()
    assert _counts() == before
