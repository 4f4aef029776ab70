"""Writing CSV and XLSX safely, and templates (resultsday.formats.safe_output)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from resultsday.formats.columns import Column
from resultsday.formats.safe_output import (
    FORMULA_TRIGGERS,
    Sheet,
    neutralise,
    template_csv,
    template_xlsx,
    write_csv,
    write_xlsx,
)

DANGEROUS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']
SAFE = ["", "Smith", "O'Neil", " =1", "1=1", "'=1", "D*D*D*"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_prefixes_a_quote_to_text_starting_with_a_formula_trigger(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", SAFE)
def test_it_leaves_other_text_alone(value: str) -> None:
    assert neutralise(value) == value


def test_the_triggers_are_owasps_list() -> None:
    assert FORMULA_TRIGGERS == ("=", "+", "-", "@", "\t", "\r")


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_cells_and_headings_are_neutralised_and_numbers_are_not() -> None:
    data = write_csv(["=Name", "Mark"], [[value, -3] for value in DANGEROUS])
    rows = parse_csv(data)
    assert rows[0] == ["'=Name", "Mark"]
    assert rows[1:] == [["'" + value, "-3"] for value in DANGEROUS]


def test_csv_writes_other_values_as_plain_text() -> None:
    data = write_csv(
        ["a", "b", "c", "d", "e", "f"], [[None, True, 2.5, Decimal("-1.50"), date(2025, 8, 14), "Brontë"]]
    )
    assert parse_csv(data)[1] == ["", "TRUE", "2.5", "-1.50", "2025-08-14", "Brontë"]


def test_csv_has_a_bom_for_excel_unless_asked_not_to_and_crlf_line_ends() -> None:
    assert write_csv(["a"], [["b"]]) == b"\xef\xbb\xbfa\r\nb\r\n"
    assert write_csv(["a"], [["b"]], bom=False) == b"a\r\nb\r\n"


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_cells_are_neutralised_and_stored_as_text_never_as_formulas() -> None:
    data = write_xlsx([Sheet("Data", ["=Name", "Mark"], [[value, -3] for value in DANGEROUS])])
    sheet = load(data)["Data"]
    assert sheet["A1"].value == "'=Name"
    for row, value in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row=row, column=1)
        # XML normalises a carriage return to a line feed when the file is read back.
        assert cell.value == "'" + value.replace("\r", "\n")
        assert cell.data_type == "s"
        assert sheet.cell(row=row, column=2).value == -3
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_xlsx_refuses_a_control_character_it_cannot_store() -> None:
    with pytest.raises(
        ValueError, match=r"Sheet 'Data' cell B2 holds a character that XLSX files cannot store"
    ):
        write_xlsx([Sheet("Data", ["a", "b"], [["ok", "bad\x01"]])])


def test_xlsx_needs_a_sheet() -> None:
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx([])


COLUMNS = (
    Column("ULN", required=True, description="The learner's ULN", example="9276308686"),
    Column("Candidate number", required=False, description="4 digits", example="0042"),
    Column("Mark", required=False, description="Raw mark", example="-3", allow_signed_numbers=True),
)


def test_csv_template_is_a_heading_row_and_an_example_row() -> None:
    assert parse_csv(template_csv(COLUMNS)) == [
        ["ULN", "Candidate number", "Mark"],
        ["9276308686", "0042", "-3"],
    ]


def test_xlsx_template_has_a_data_sheet_and_a_notes_sheet() -> None:
    workbook = load(template_xlsx(COLUMNS))
    assert workbook.sheetnames == ["Data", "Notes"]
    data = workbook["Data"]
    assert [c.value for c in data[1]] == ["ULN", "Candidate number", "Mark"]
    assert [c.value for c in data[2]] == ["9276308686", "0042", -3]
    assert data["A1"].font.bold
    assert data.freeze_panes == "A2"
    # Text format keeps leading zeros typed in later; the signed-number column stays General.
    assert [data.cell(row=2, column=i).number_format for i in (1, 2, 3)] == ["@", "@", "General"]
    assert data.column_dimensions["B"].number_format == "@"

    notes = [[c.value for c in row if c.value is not None] for row in workbook["Notes"].iter_rows()]
    assert notes[0] == ["How to fill in this template"]
    table_start = notes.index(["Column", "Required", "What to enter", "Example"])
    assert notes[table_start + 1 :] == [
        ["ULN", "Yes", "The learner's ULN", "9276308686"],
        ["Candidate number", "No", "4 digits", "0042"],
        ["Mark", "No", "Raw mark", -3],
    ]


def test_a_streamed_csv_is_the_written_csv_in_chunks() -> None:
    from resultsday.formats.safe_output import stream_csv

    rows = [[f"=name{i}", i, None] for i in range(5)]
    chunks = list(stream_csv(["a", "b", "c"], rows, rows_per_chunk=2))
    assert len(chunks) == 3 and chunks[0].startswith("\ufeff".encode())
    assert not any(chunk.startswith("\ufeff".encode()) for chunk in chunks[1:])
    assert b"".join(chunks) == write_csv(["a", "b", "c"], rows)
    assert b"'=name0" in chunks[0]
