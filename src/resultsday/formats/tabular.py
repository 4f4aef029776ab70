"""Reading uploaded CSV and XLSX files into rows for imports.

:func:`read_table` takes the uploaded bytes, the file name and the expected columns, and returns
every data row with its spreadsheet row number plus every problem found. Problems are collected,
not raised one at a time, so a person can fix the whole file in one go. If there are any
problems the caller should import nothing and show them all.

What the reader does to values, and nothing more:

- It removes whitespace around each value (spaces, tabs, line breaks, non-breaking spaces).
  Whitespace inside a value is kept.
- XLSX cells that are not text become text: whole numbers without a decimal point (Excel
  stores 12 and 12.0 the same way), other numbers as Python's shortest exact decimal, dates as
  ISO 8601 (``2025-08-14``, or ``2025-08-14T09:30:00`` with a time), TRUE/FALSE for booleans.
- It does not change case, does not add leading zeros Excel may have dropped, and does not
  remove characters. Whatever it cannot take as it is, it reports.

The rules for encodings, sizes and formula characters are this project's own choices (informed
by GOV.UK file-upload guidance and OWASP's CSV injection page), not rules from the exam
exchange formats, which say nothing about CSV or XLSX uploads.
"""

from __future__ import annotations

import csv
import enum
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import NamedTuple

import openpyxl

from resultsday.formats.columns import (
    SIGNED_NUMBER,
    Column,
    column_letter,
    describe_expected_columns,
)
from resultsday.formats.text import size_text
from resultsday.identifiers import character_words, control_characters

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_UNPACKED_BYTES",
    "FORMULA_PREFIXES",
    "ImportProblem",
    "ImportRow",
    "ImportTable",
    "read_table",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest upload accepted by default: 10 MB."""

DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""Largest total size of the files inside an XLSX (a ZIP archive) once unpacked. A guard
against decompression bombs; 200 MB is comfortably above a 10 MB workbook of plain data."""

FORMULA_PREFIXES = ("=", "+", "-", "@")
"""Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV Injection")."""

_ZIP_MAGIC = b"PK\x03\x04"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One problem in an upload.

    ``row`` is the 1-based spreadsheet row (1 is the heading row), or None for a problem with
    the whole file. ``field`` is the column name, where there is one; ``value`` the value found.
    """

    row: int | None
    field: str | None
    value: str | None
    message: str


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A data row: its 1-based spreadsheet row number and a value for every expected column
    (an optional column missing from the file reads as "")."""

    number: int
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ImportTable:
    rows: tuple[ImportRow, ...]
    problems: tuple[ImportProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Kind(enum.Enum):
    VALUE = "value"
    FORMULA = "formula"
    ERROR = "error"


class _Cell(NamedTuple):
    text: str
    kind: _Kind = _Kind.VALUE


class _RawRow(NamedTuple):
    number: int
    cells: list[_Cell]


class _Grid(NamedTuple):
    rows: list[_RawRow]  # of a CSV, or of a workbook's first sheet
    other_sheets: tuple[ImportProblem, ...]  # one for each other sheet that holds data


_BLANK = _Cell("")


def _file_problem(message: str) -> ImportTable:
    return ImportTable(rows=(), problems=(ImportProblem(None, None, None, message),))


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> ImportTable:
    """Read an uploaded ``.csv`` (UTF-8, with or without a byte-order mark) or ``.xlsx`` file.

    Row 1 must hold the column headings. Headings are matched to ``columns`` ignoring case and
    surrounding spaces; columns may be in any order. Unknown, duplicated or missing required
    headings are all reported and no rows are returned. Rows that are entirely blank are
    skipped (their numbers are still counted). For XLSX, the first worksheet is read; any other
    sheet holding data (apart from our template's notes sheet) is reported and no rows are
    returned, since its rows would otherwise be left out.

    Each cell is reported if it holds a formula, an error value (like #N/A), a blank in a
    required column, an invisible control character (C0 other than tab and line breaks, DEL,
    C1), or text starting with = + - or @ (unless the column allows signed numbers and the
    value is one). Values in columns without a heading are reported too.
    """
    if not columns:
        raise ValueError("read_table needs at least one expected column")
    if len(data) > max_bytes:
        return _file_problem(f"The selected file must be smaller than {size_text(max_bytes)}")
    if not data.strip():
        return _file_problem("The selected file is empty")

    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        if data.startswith(_ZIP_MAGIC):
            return _file_problem(
                "The selected file is an Excel workbook with a .csv name: "
                "save it as CSV UTF-8, or upload it with its .xlsx name"
            )
        csv_rows = _csv_rows(data)
        grid = csv_rows if isinstance(csv_rows, ImportProblem) else _Grid(csv_rows, ())
    elif suffix == ".xlsx":
        grid = _xlsx_rows(data, max_unpacked_bytes=max_unpacked_bytes)
    elif suffix == ".xls":
        return _file_problem(
            "The selected file is an old Excel (.xls) workbook: save it as .xlsx or as CSV UTF-8"
        )
    else:
        return _file_problem("The selected file must be a CSV or an Excel (.xlsx) file")

    if isinstance(grid, ImportProblem):
        return ImportTable(rows=(), problems=(grid,))
    if not grid.other_sheets:
        return _rows_from_grid(grid.rows, columns)
    # Data on another sheet: nothing is imported. The first sheet's problems are listed too,
    # unless it is empty (the rows are all elsewhere), so the file can be fixed in one go.
    first = () if _blank(grid.rows) else _rows_from_grid(grid.rows, columns).problems
    return ImportTable(rows=(), problems=grid.other_sheets + first)


# ------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[_RawRow] | ImportProblem:
    save_as = "in Excel, choose File > Save As and pick 'CSV UTF-8 (Comma delimited)'"
    if data.startswith(_UTF16_BOMS):
        return ImportProblem(
            None, None, None, f"The selected file must be saved as CSV UTF-8, not UTF-16: {save_as}"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ImportProblem(
            None,
            None,
            None,
            f"The selected file must be saved as CSV UTF-8 (line {line} has a character in "
            f"another encoding): {save_as}",
        )
    if not text.strip():
        return ImportProblem(None, None, None, "The selected file is empty")
    rows: list[_RawRow] = []
    # strict=True: a misplaced quote mark is an error to report, not something to guess around.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            rows.append(_RawRow(number, [_Cell(value) for value in record]))
    except csv.Error:
        return ImportProblem(
            number + 1,
            None,
            None,
            f"Row {number + 1} could not be read (a quote mark may be out of place, or the "
            "file may not be a CSV): check the row and save the file again as CSV UTF-8",
        )
    return rows


# ------------------------------------------------------------------------------------------
# XLSX
# ------------------------------------------------------------------------------------------


_TEMPLATE_NOTES_HEADING = "How to fill in this template"
"""Cell A1 of the notes sheet of our XLSX templates (``safe_output.template_xlsx``): the one
sheet besides the first that may hold something."""


def _sheet_has_data(sheet: object) -> bool:
    for row in sheet.iter_rows(values_only=True):  # type: ignore[attr-defined]
        for value in row:
            if value is not None and (not isinstance(value, str) or value.strip()):
                return True
    return False


def _other_sheet_problems(workbook: object) -> tuple[ImportProblem, ...]:
    """Only the first sheet is read, so rows on any other sheet would be left out without a
    word: each other sheet holding data is reported (a template's notes sheet is not)."""
    sheets = workbook.worksheets  # type: ignore[attr-defined]
    first = sheets[0].title
    problems = []
    for sheet in sheets[1:]:
        sheet.reset_dimensions()
        first_cell = next(sheet.iter_rows(max_row=1, max_col=1, values_only=True), (None,))[0]
        if first_cell == _TEMPLATE_NOTES_HEADING or not _sheet_has_data(sheet):
            continue
        hidden = "" if getattr(sheet, "sheet_state", "visible") == "visible" else " (hidden)"
        problems.append(
            ImportProblem(
                None,
                None,
                None,
                f"Sheet '{sheet.title}'{hidden} has data: only the first sheet, '{first}', is "
                f"read — move the rows to it and delete sheet '{sheet.title}'",
            )
        )
    return tuple(problems)


def _xlsx_rows(data: bytes, *, max_unpacked_bytes: int) -> _Grid | ImportProblem:
    cannot_open = ImportProblem(
        None,
        None,
        None,
        "The selected file could not be opened as an Excel workbook: save it again as .xlsx, or as CSV UTF-8",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return cannot_open
    if unpacked > max_unpacked_bytes:
        return ImportProblem(
            None,
            None,
            None,
            f"The selected workbook is {size_text(unpacked)} once opened, more than the "
            f"{size_text(max_unpacked_bytes)} we accept: split it into smaller files",
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for damaged files; all mean "cannot open"
        return cannot_open
    try:
        sheet = workbook.worksheets[0]
        # The stored dimensions can be wrong in files from other programs; without this reset
        # rows beyond the stored size would be dropped silently.
        sheet.reset_dimensions()
        rows = [
            _RawRow(number, [_xlsx_cell(cell) for cell in row])
            for number, row in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1)
        ]
        other_sheets = _other_sheet_problems(workbook)
    except Exception:
        return cannot_open
    finally:
        workbook.close()
    return _Grid(rows, other_sheets)


def _xlsx_cell(cell: object) -> _Cell:
    value = getattr(cell, "value", None)
    data_type = getattr(cell, "data_type", None)
    if value is None:
        return _BLANK
    if data_type == "f":
        return _Cell(str(value), _Kind.FORMULA)
    if data_type == "e":
        return _Cell(str(value), _Kind.ERROR)
    return _Cell(_xlsx_value_text(value))


def _xlsx_value_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


# ------------------------------------------------------------------------------------------
# Headings and rows (shared by CSV and XLSX)
# ------------------------------------------------------------------------------------------


def _blank(raw_rows: Sequence[_RawRow]) -> bool:
    return all(not cell.text.strip() for raw in raw_rows for cell in raw.cells)


def _rows_from_grid(raw_rows: list[_RawRow], columns: Sequence[Column]) -> ImportTable:
    expected = describe_expected_columns(columns)
    if not raw_rows or _blank(raw_rows[:1]):
        if _blank(raw_rows):
            return _file_problem("The selected file is empty")
        return ImportTable(
            rows=(),
            problems=(
                ImportProblem(
                    1,
                    None,
                    None,
                    f"Put the column headings in row 1. The headings must be: {expected}",
                ),
            ),
        )

    positions, header_problems = _match_headings(raw_rows[0].cells, columns, expected)
    if header_problems:
        return ImportTable(rows=(), problems=tuple(header_problems))

    problems: list[ImportProblem] = []
    rows: list[ImportRow] = []
    mapped = set(positions.values())
    for raw in raw_rows[1:]:
        if _blank([raw]):
            continue
        values: dict[str, str] = {}
        for column in columns:
            index = positions.get(column.name)
            cell = raw.cells[index] if index is not None and index < len(raw.cells) else _BLANK
            value = cell.text.strip()
            values[column.name] = value
            if index is None:
                continue  # an optional column left out of the file reads as blank
            problem = _cell_problem(column, raw.number, column_letter(index), cell, value)
            if problem is not None:
                problems.append(problem)
        for index, cell in enumerate(raw.cells):
            if index not in mapped and cell.text.strip():
                problems.append(
                    ImportProblem(
                        raw.number,
                        None,
                        cell.text.strip(),
                        f"Row {raw.number} has a value in column {column_letter(index)}, which "
                        "has no heading: remove the value, or give the column one of the "
                        f"expected headings ({expected})",
                    )
                )
        rows.append(ImportRow(number=raw.number, values=values))

    if not rows and not problems:
        problems.append(
            ImportProblem(None, None, None, "The selected file has no rows of data under the headings")
        )
    return ImportTable(rows=tuple(rows), problems=tuple(problems))


def _match_headings(
    header: list[_Cell], columns: Sequence[Column], expected: str
) -> tuple[dict[str, int], list[ImportProblem]]:
    by_key = {column.name.casefold(): column for column in columns}
    positions: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    problems: list[ImportProblem] = []
    for index, cell in enumerate(header):
        heading = cell.text.strip()
        if not heading:
            continue  # values under a blank heading are reported row by row
        column = by_key.get(heading.casefold())
        if column is None:
            problems.append(
                ImportProblem(
                    1,
                    heading,
                    heading,
                    f"Column {column_letter(index)} has the heading '{heading}', which is not "
                    f"one we expect. The headings must be: {expected}",
                )
            )
        elif column.name in positions:
            duplicates.setdefault(column.name, [positions[column.name]]).append(index)
        else:
            positions[column.name] = index
    for name, indexes in duplicates.items():
        letters = " and ".join(column_letter(i) for i in indexes)
        problems.append(
            ImportProblem(
                1,
                name,
                name,
                f"The heading '{name}' appears more than once (columns {letters}): keep one "
                f"of them. The headings must be: {expected}",
            )
        )
    for column in columns:
        if column.required and column.name not in positions:
            problems.append(
                ImportProblem(
                    1,
                    column.name,
                    None,
                    f"The '{column.name}' column is missing: add a column headed "
                    f"'{column.name}'. The headings must be: {expected}",
                )
            )
    return positions, problems


def _cell_problem(column: Column, row: int, letter: str, cell: _Cell, value: str) -> ImportProblem | None:
    where = f"{column.name} in row {row} (cell {letter}{row})"
    if cell.kind is _Kind.FORMULA:
        return ImportProblem(
            row,
            column.name,
            value,
            f"{where} is a formula: replace it with the value itself "
            "(copy the cells, then use Paste Special > Values)",
        )
    if cell.kind is _Kind.ERROR:
        return ImportProblem(row, column.name, value, f"{where} shows the error {value}: correct the cell")
    if not value:
        if column.required:
            return ImportProblem(row, column.name, value, f"Enter the {column.name} in row {row}")
        return None
    # Control characters other than tab and line breaks: invisible, so nobody typed one on
    # purpose; XLSX files cannot store most of them and PostgreSQL cannot store or even look
    # up text holding NUL. Tabs and line breaks show in a cell; each field's checks decide.
    controls = control_characters(value, keep_line_breaks=True)
    if controls:
        what, it = character_words(controls, "invisible control character")
        return ImportProblem(
            row,
            column.name,
            value,
            f"{where} contains {what} ({', '.join(controls)}): type the value again without {it}",
        )
    if value.startswith(FORMULA_PREFIXES):
        if column.allow_signed_numbers and SIGNED_NUMBER.fullmatch(value):
            return None
        first = value[0]
        advice = (
            f"enter a number, or remove the {first}" if column.allow_signed_numbers else f"remove the {first}"
        )
        return ImportProblem(
            row,
            column.name,
            value,
            f"{where} starts with {first}, which a spreadsheet could run as a formula: {advice}",
        )
    return None
