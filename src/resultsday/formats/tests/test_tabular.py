"""Reading uploaded CSV and XLSX files (resultsday.formats.tabular)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from resultsday.formats.columns import Column, column_letter, describe_expected_columns
from resultsday.formats.safe_output import Sheet, template_csv, template_xlsx, write_csv, write_xlsx
from resultsday.formats.tabular import ImportProblem, ImportRow, ImportTable, read_table

COLUMNS = (
    Column("ULN", required=True, description="The learner's ULN", example="9276308686"),
    Column("Surname", required=True, description="Family name", example="Smith"),
    Column("Candidate number", required=False, description="4 digits", example="0042"),
    Column("Mark", required=False, description="Raw mark", example="-3", allow_signed_numbers=True),
)
EXPECTED = "ULN, Surname, Candidate number (optional), Mark (optional)"


def csv_bytes(text: str, *, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + text.replace("\n", "\r\n").encode("utf-8")


def read_csv(text: str) -> ImportTable:
    return read_table(csv_bytes(text), "upload.csv", COLUMNS)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def only_problem(table: ImportTable) -> ImportProblem:
    assert len(table.problems) == 1, table.problems
    return table.problems[0]


# ------------------------------------------------------------------------------------------
# Good files
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False])
def test_it_reads_a_utf8_csv_with_or_without_a_byte_order_mark(bom: bool) -> None:
    data = csv_bytes("ULN,Surname\n9276308686,Brontë\n", bom=bom)
    table = read_table(data, "upload.csv", COLUMNS)
    assert table.ok
    assert table.rows == (
        ImportRow(2, {"ULN": "9276308686", "Surname": "Brontë", "Candidate number": "", "Mark": ""}),
    )


def test_it_matches_headings_ignoring_case_order_and_surrounding_spaces() -> None:
    table = read_csv(" surname ,uln,MARK\nSmith,9276308686,-3\n")
    assert table.ok
    assert table.rows[0].values == {
        "ULN": "9276308686",
        "Surname": "Smith",
        "Candidate number": "",
        "Mark": "-3",
    }


def test_it_strips_only_surrounding_whitespace_and_keeps_everything_else() -> None:
    table = read_csv('ULN,Surname,Candidate number\n 9276308686\t," van der  Berg\u00a0",0042\n')
    assert table.ok
    assert table.rows[0].values["ULN"] == "9276308686"
    assert table.rows[0].values["Surname"] == "van der  Berg"
    assert table.rows[0].values["Candidate number"] == "0042"


def test_it_skips_blank_rows_but_keeps_spreadsheet_row_numbers() -> None:
    table = read_csv("ULN,Surname\n9276308686,Smith\n,\n\n1000000043,Jones\n")
    assert table.ok
    assert [row.number for row in table.rows] == [2, 5]


def test_it_numbers_csv_rows_as_a_spreadsheet_does_when_a_cell_holds_a_line_break() -> None:
    table = read_csv('ULN,Surname\n9276308686,"Smith\nJones"\n1000000043,Brown\n')
    assert table.ok
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values["Surname"] == "Smith\r\nJones"


def test_it_reads_an_xlsx_and_turns_cells_into_text_without_changing_them() -> None:
    data = xlsx_bytes(
        [
            ["ULN", "Surname", "Candidate number", "Mark"],
            [9276308686, "Smith", "0042", 12.0],
            [],
            [1000000043, "Jones", 7, 2.5],
            [1748529632, True, None, datetime(2025, 8, 14)],
        ]
    )
    table = read_table(data, "upload.XLSX", COLUMNS)
    assert table.ok
    assert table.rows == (
        ImportRow(2, {"ULN": "9276308686", "Surname": "Smith", "Candidate number": "0042", "Mark": "12"}),
        ImportRow(4, {"ULN": "1000000043", "Surname": "Jones", "Candidate number": "7", "Mark": "2.5"}),
        ImportRow(5, {"ULN": "1748529632", "Surname": "TRUE", "Candidate number": "", "Mark": "2025-08-14"}),
    )


def test_a_csv_template_reads_back_as_its_example_row() -> None:
    table = read_table(template_csv(COLUMNS), "template.csv", COLUMNS)
    assert table.ok
    assert table.rows == (
        ImportRow(2, {"ULN": "9276308686", "Surname": "Smith", "Candidate number": "0042", "Mark": "-3"}),
    )


def test_an_xlsx_template_reads_back_as_its_example_row() -> None:
    table = read_table(template_xlsx(COLUMNS), "template.xlsx", COLUMNS)
    assert table.ok
    assert table.rows == (
        ImportRow(2, {"ULN": "9276308686", "Surname": "Smith", "Candidate number": "0042", "Mark": "-3"}),
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_written_files_round_trip(kind: str) -> None:
    header = ["ULN", "Surname", "Candidate number"]
    rows: list[list[str | int | None]] = [
        ["9276308686", "Smith", "0001"],
        ["1000000043", "Ó Briain, Dara", None],
    ]
    if kind == "csv":
        data = write_csv(header, rows)
    else:
        data = write_xlsx([Sheet("Data", header, rows, text_columns={0, 2})])
    table = read_table(data, f"export.{kind}", COLUMNS)
    assert table.ok
    assert [row.values for row in table.rows] == [
        {"ULN": "9276308686", "Surname": "Smith", "Candidate number": "0001", "Mark": ""},
        {"ULN": "1000000043", "Surname": "Ó Briain, Dara", "Candidate number": "", "Mark": ""},
    ]


# ------------------------------------------------------------------------------------------
# Whole-file problems
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "a.csv"),
        (b" \r\n\r\n", "a.csv"),
        (b"\xef\xbb\xbf", "a.csv"),
        (b"", "a.xlsx"),
        (b",,\r\n,,\r\n", "a.csv"),
    ],
)
def test_it_rejects_an_empty_file(data: bytes, filename: str) -> None:
    assert only_problem(read_table(data, filename, COLUMNS)) == ImportProblem(
        None, None, None, "The selected file is empty"
    )


def test_it_rejects_a_file_with_headings_and_no_data() -> None:
    assert only_problem(read_csv("ULN,Surname\n")).message == (
        "The selected file has no rows of data under the headings"
    )


def test_it_rejects_a_file_over_the_default_size_of_10_mb() -> None:
    data = b"ULN,Surname\r\n" + b"x" * (10 * 1024 * 1024)
    assert only_problem(read_table(data, "big.csv", COLUMNS)).message == (
        "The selected file must be smaller than 10 MB"
    )


def test_the_size_limit_can_be_configured() -> None:
    data = csv_bytes("ULN,Surname\n9276308686,Smith\n")
    assert read_table(data, "a.csv", COLUMNS, max_bytes=len(data)).ok
    assert only_problem(read_table(data, "a.csv", COLUMNS, max_bytes=20)).message == (
        "The selected file must be smaller than 20 bytes"
    )


def test_it_rejects_a_csv_that_is_not_utf8_and_says_how_to_save_it() -> None:
    data = "ULN,Surname\r\n9276308686,Smith\r\n1000000043,Brontë\r\n".encode("cp1252")
    assert only_problem(read_table(data, "a.csv", COLUMNS)) == ImportProblem(
        None,
        None,
        None,
        "The selected file must be saved as CSV UTF-8 (line 3 has a character in another "
        "encoding): in Excel, choose File > Save As and pick 'CSV UTF-8 (Comma delimited)'",
    )


def test_it_rejects_a_utf16_csv() -> None:
    data = "ULN,Surname\r\n".encode("utf-16")
    assert only_problem(read_table(data, "a.csv", COLUMNS)).message == (
        "The selected file must be saved as CSV UTF-8, not UTF-16: in Excel, choose File > "
        "Save As and pick 'CSV UTF-8 (Comma delimited)'"
    )


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("a.txt", b"ULN\r\n", "The selected file must be a CSV or an Excel (.xlsx) file"),
        ("a", b"ULN\r\n", "The selected file must be a CSV or an Excel (.xlsx) file"),
        (
            "a.xls",
            b"\xd0\xcf\x11\xe0",
            "The selected file is an old Excel (.xls) workbook: save it as .xlsx or as CSV UTF-8",
        ),
        (
            "a.xlsx",
            b"ULN,Surname\r\n",
            "The selected file could not be opened as an Excel workbook: save it again as .xlsx, "
            "or as CSV UTF-8",
        ),
        (
            "a.csv",
            b"PK\x03\x04rest-of-a-zip",
            "The selected file is an Excel workbook with a .csv name: save it as CSV UTF-8, or "
            "upload it with its .xlsx name",
        ),
    ],
)
def test_it_rejects_files_of_the_wrong_type(filename: str, data: bytes, message: str) -> None:
    assert only_problem(read_table(data, filename, COLUMNS)).message == message


def test_it_rejects_a_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert only_problem(read_table(buffer.getvalue(), "a.xlsx", COLUMNS)).message.startswith(
        "The selected file could not be opened as an Excel workbook"
    )


def test_it_refuses_a_workbook_that_unpacks_too_large() -> None:
    data = xlsx_bytes([["ULN", "Surname"], ["9276308686", "Smith"]])
    problem = only_problem(read_table(data, "a.xlsx", COLUMNS, max_unpacked_bytes=1000))
    assert problem.message.endswith("more than the 1000 bytes we accept: split it into smaller files")


def test_it_reports_a_misplaced_quote_with_its_row() -> None:
    problem = only_problem(read_csv('ULN,Surname\n9276308686,Smith\n1000000043,"Jo"nes\n'))
    assert problem == ImportProblem(
        3,
        None,
        None,
        "Row 3 could not be read (a quote mark may be out of place, or the file may not be a "
        "CSV): check the row and save the file again as CSV UTF-8",
    )


# ------------------------------------------------------------------------------------------
# Headings
# ------------------------------------------------------------------------------------------


def test_it_names_a_missing_column_and_lists_the_expected_ones() -> None:
    assert only_problem(read_csv("ULN\n9276308686\n")) == ImportProblem(
        1,
        "Surname",
        None,
        f"The 'Surname' column is missing: add a column headed 'Surname'. The headings must be: {EXPECTED}",
    )


def test_it_names_an_unknown_column_and_its_letter() -> None:
    assert only_problem(read_csv("ULN,Surname,Grade\n9276308686,Smith,D\n")) == ImportProblem(
        1,
        "Grade",
        "Grade",
        f"Column C has the heading 'Grade', which is not one we expect. The headings must be: {EXPECTED}",
    )


def test_it_names_a_duplicated_column_and_both_letters() -> None:
    assert only_problem(read_csv("ULN,Surname,uln\n9276308686,Smith,9276308686\n")) == ImportProblem(
        1,
        "ULN",
        "ULN",
        f"The heading 'ULN' appears more than once (columns A and C): keep one of them. "
        f"The headings must be: {EXPECTED}",
    )


def test_it_collects_every_heading_problem_at_once_and_returns_no_rows() -> None:
    table = read_csv("Surname,Surname,Forename\nSmith,Smith,Jo\n")
    assert table.rows == ()
    assert [p.message.split(".")[0] for p in table.problems] == [
        "Column C has the heading 'Forename', which is not one we expect",
        "The heading 'Surname' appears more than once (columns A and B): keep one of them",
        "The 'ULN' column is missing: add a column headed 'ULN'",
    ]


def test_it_asks_for_headings_in_row_1() -> None:
    assert only_problem(read_csv("\nULN,Surname\n9276308686,Smith\n")).message == (
        f"Put the column headings in row 1. The headings must be: {EXPECTED}"
    )


def test_it_reports_a_value_in_a_column_with_no_heading() -> None:
    problem = only_problem(read_csv("ULN,Surname\n9276308686,Smith,extra\n"))
    assert problem == ImportProblem(
        2,
        None,
        "extra",
        "Row 2 has a value in column C, which has no heading: remove the value, or give the "
        f"column one of the expected headings ({EXPECTED})",
    )


# ------------------------------------------------------------------------------------------
# Cells
# ------------------------------------------------------------------------------------------


def test_it_reports_each_blank_required_cell_with_its_row() -> None:
    table = read_csv("ULN,Surname\n,Smith\n9276308686,\n")
    assert [(p.row, p.field, p.message) for p in table.problems] == [
        (2, "ULN", "Enter the ULN in row 2"),
        (3, "Surname", "Enter the Surname in row 3"),
    ]
    assert len(table.rows) == 2


@pytest.mark.parametrize("value", ["=1+1", "+44 7700 900123", "-Smith", "@SUM(A1)", "  =HYPERLINK(x)"])
def test_it_reports_text_that_a_spreadsheet_could_run_as_a_formula(value: str) -> None:
    table = read_csv(f'ULN,Surname\n9276308686,"{value}"\n')
    first = value.strip()[0]
    assert only_problem(table) == ImportProblem(
        2,
        "Surname",
        value.strip(),
        f"Surname in row 2 (cell B2) starts with {first}, which a spreadsheet could run as a "
        f"formula: remove the {first}",
    )


@pytest.mark.parametrize("value", ["-3", "+2.5", "-.5", "-0"])
def test_a_column_that_allows_signed_numbers_accepts_them(value: str) -> None:
    table = read_csv(f"ULN,Surname,Mark\n9276308686,Smith,{value}\n")
    assert table.ok
    assert table.rows[0].values["Mark"] == value


def test_a_column_that_allows_signed_numbers_still_reports_other_formula_text() -> None:
    problem = only_problem(read_csv("ULN,Surname,Mark\n9276308686,Smith,-2+3\n"))
    assert problem.message == (
        "Mark in row 2 (cell C2) starts with -, which a spreadsheet could run as a formula: "
        "enter a number, or remove the -"
    )


def test_it_reports_an_xlsx_formula_cell() -> None:
    data = xlsx_bytes([["ULN", "Surname"], ["9276308686", '=UPPER("smith")']])
    assert only_problem(read_table(data, "a.xlsx", COLUMNS)) == ImportProblem(
        2,
        "Surname",
        '=UPPER("smith")',
        "Surname in row 2 (cell B2) is a formula: replace it with the value itself (copy the "
        "cells, then use Paste Special > Values)",
    )


def test_it_reports_an_xlsx_error_cell() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ULN", "Surname"])
    sheet.append(["9276308686", "x"])
    sheet["B2"].value = "#N/A"
    sheet["B2"].data_type = "e"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert only_problem(read_table(buffer.getvalue(), "a.xlsx", COLUMNS)).message == (
        "Surname in row 2 (cell B2) shows the error #N/A: correct the cell"
    )


def test_it_collects_problems_from_every_row() -> None:
    table = read_csv("ULN,Surname\n=1,Smith\n9276308686,\n@x,+y\n")
    assert [(p.row, p.field) for p in table.problems] == [
        (2, "ULN"),
        (3, "Surname"),
        (4, "ULN"),
        (4, "Surname"),
    ]


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_it_reports_an_invisible_control_character_in_a_cell(character: str) -> None:
    table = read_table(csv_bytes(f"ULN,Surname\n9276308686,Smi{character}th\n"), "a.csv", COLUMNS)
    problem = only_problem(table)
    assert (problem.row, problem.field, problem.value) == (2, "Surname", f"Smi{character}th")
    assert problem.message == (
        f"Surname in row 2 (cell B2) contains an invisible control character "
        f"(U+{ord(character):04X}): type the value again without it"
    )


def test_it_names_every_invisible_control_character_in_a_cell_once() -> None:
    assert only_problem(read_csv("ULN,Surname\n9276308686,\x07S\x01m\x07\n")).message == (
        "Surname in row 2 (cell B2) contains invisible control characters (U+0007, U+0001): "
        "type the value again without them"
    )


# ---- workbooks with more than one sheet ----------------------------------------------------


def _workbook(*sheets: tuple[str, list[list[object]]], hidden: str = "") -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title == hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_SHEET = ("Data", [["ULN", "Surname"], ["9276308686", "Smith"]])


def test_it_refuses_a_workbook_with_rows_on_another_sheet_and_returns_no_rows() -> None:
    data = _workbook(GOOD_SHEET, ("More", [["ULN", "Surname"], ["1000000043", "Jones"]]))
    table = read_table(data, "a.xlsx", COLUMNS)
    assert table.rows == ()
    assert only_problem(table) == ImportProblem(
        None, None, None,
        "Sheet 'More' has data: only the first sheet, 'Data', is read — move the rows to it and "
        "delete sheet 'More'",
    )


def test_it_reports_every_other_sheet_with_data_even_a_hidden_one() -> None:
    data = _workbook(
        GOOD_SHEET, ("Empty", [[None, "  "]]), ("Lists", [[], [None, None, "x"]]),
        ("More", [["1"]]), hidden="Lists",
    )
    assert [p.message.split(" has data")[0] for p in read_table(data, "a.xlsx", COLUMNS).problems] == [
        "Sheet 'Lists' (hidden)", "Sheet 'More'",
    ]


def test_it_lists_the_first_sheets_problems_with_the_other_sheets() -> None:
    data = _workbook(("Data", [["ULN", "Surname"], ["=1", "Smith"]]), ("More", [["x"]]))
    table = read_table(data, "a.xlsx", COLUMNS)
    assert [(p.row, p.field) for p in table.problems] == [(None, None), (2, "ULN")]
    assert table.rows == ()


def test_when_the_first_sheet_is_empty_it_says_only_where_the_data_is() -> None:
    data = _workbook(("Sheet1", []), GOOD_SHEET)
    assert only_problem(read_table(data, "a.xlsx", COLUMNS)).message.startswith(
        "Sheet 'Data' has data: only the first sheet, 'Sheet1', is read"
    )


def test_empty_sheets_and_the_templates_notes_sheet_are_not_reported() -> None:
    data = _workbook(GOOD_SHEET, ("Sheet2", []), ("Blank", [[None, ""]]))
    assert read_table(data, "a.xlsx", COLUMNS).ok
    # The template's notes sheet describes the columns: it is not data (see also the template
    # round trip above).
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(COLUMNS)))
    assert [s.title for s in workbook.worksheets] == ["Data", "Notes"]
    workbook["Data"].append(["1000000043", "Jones"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [r.values["Surname"] for r in read_table(buffer.getvalue(), "t.xlsx", COLUMNS).rows] == [
        "Smith", "Jones",
    ]


# ------------------------------------------------------------------------------------------
# Column spec helpers
# ------------------------------------------------------------------------------------------


def test_column_letters_follow_the_spreadsheet() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_expected_columns_are_listed_with_optional_ones_marked() -> None:
    assert describe_expected_columns(COLUMNS) == EXPECTED


def test_a_column_name_cannot_have_surrounding_spaces() -> None:
    with pytest.raises(ValueError, match="surrounding spaces"):
        Column(" ULN", required=True, description="")
