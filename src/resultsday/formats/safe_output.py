"""Writing CSV and XLSX files that are safe to open in a spreadsheet, and import templates.

Every text cell written here goes through :func:`neutralise`, which follows OWASP's "CSV
Injection" guidance (https://owasp.org/www-community/attacks/CSV_Injection): a cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote so
that a spreadsheet shows it as text instead of running it as a formula. The quote is visible in
the cell; that is the price of the protection and applies to headings too.

Numbers, dates and booleans are written as values of their own type (in XLSX) or their plain
text (in CSV) and are not prefixed: a number is not a formula, and ``-3`` must stay a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.styles import Font

from resultsday.formats.columns import SIGNED_NUMBER, Column, column_letter

__all__ = [
    "FORMULA_TRIGGERS",
    "CellValue",
    "Sheet",
    "neutralise",
    "template_csv",
    "template_xlsx",
    "write_csv",
    "write_xlsx",
]

CellValue = str | int | float | Decimal | date | time | bool | None
"""What a cell may hold (``datetime`` is a ``date``)."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters OWASP lists as starting a formula (CSV Injection page)."""

TEXT_FORMAT = "@"
"""Excel's Text number format: stops Excel turning 0042 into 42 in template columns."""


def neutralise(text: str) -> str:
    """Return ``text`` with a leading single quote if it starts with a formula trigger (OWASP)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return value.isoformat()


def write_csv(header: Sequence[str], rows: Iterable[Sequence[CellValue]], *, bom: bool = True) -> bytes:
    """Write a CSV file (UTF-8, CRLF line ends, minimal quoting) with every text cell neutralised.

    ``bom`` adds a UTF-8 byte-order mark, which Excel needs to show non-ASCII characters
    (such as accented names) correctly; :func:`resultsday.formats.tabular.read_table` accepts
    files with or without it.
    """
    return b"".join(stream_csv(header, rows, bom=bom, rows_per_chunk=None))


def stream_csv(
    header: Sequence[str], rows: Iterable[Sequence[CellValue]], *, bom: bool = True,
    rows_per_chunk: int | None = 2000,
) -> Iterator[bytes]:
    """`write_csv` in chunks of `rows_per_chunk` rows (None: one chunk), for a download too big
    to hold in memory (a `StreamingHttpResponse`)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    first = True
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_text(value) for value in row])
        if rows_per_chunk is not None and n % rows_per_chunk == 0:
            yield _chunk(buffer, bom and first)
            first = False
    yield _chunk(buffer, bom and first)


def _chunk(buffer: io.StringIO, bom: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8-sig" if bom else "utf-8")


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: a bold, frozen heading row, then ``rows``.

    ``text_columns`` (0-based) get Excel's Text format, so values typed in later keep their
    leading zeros.
    """

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[CellValue]]
    text_columns: Collection[int] = field(default_factory=frozenset)


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """Write an XLSX workbook with every text cell neutralised and stored as text.

    Raises ValueError naming the sheet and cell if a value holds a control character that XLSX
    cannot store (rather than dropping it silently).
    """
    if not sheets:
        raise ValueError("A workbook needs at least one sheet")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(title=spec.title)
        widths: dict[int, int] = {}
        all_rows: list[Sequence[CellValue]] = [list(spec.header), *spec.rows]
        for row_index, row in enumerate(all_rows, start=1):
            for col_index, value in enumerate(row):
                _write_cell(sheet, spec.title, row_index, col_index, value)
                cell = sheet.cell(row=row_index, column=col_index + 1)
                if row_index == 1:
                    cell.font = bold
                if col_index in spec.text_columns:
                    cell.number_format = TEXT_FORMAT
                shown = len(str(cell.value)) if cell.value is not None else 0
                widths[col_index] = max(widths.get(col_index, 0), shown)
        for col_index, width in widths.items():
            dimension = sheet.column_dimensions[column_letter(col_index)]
            dimension.width = min(max(width + 2, 10), 80)
            if col_index in spec.text_columns:
                dimension.number_format = TEXT_FORMAT
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_cell(sheet: Any, title: str, row: int, col: int, value: CellValue) -> None:
    # ``sheet`` is an openpyxl Worksheet; openpyxl ships no type information.
    target = sheet.cell(row=row, column=col + 1)
    try:
        if isinstance(value, str):
            target.value = neutralise(value)
            # Belt and braces: a string cell is never stored as a formula.
            target.data_type = "s"
        else:
            target.value = value
    except Exception as exc:  # openpyxl's IllegalCharacterError
        raise ValueError(
            f"Sheet {title!r} cell {column_letter(col)}{row} holds a character that XLSX files "
            f"cannot store: {value!r}"
        ) from exc


# ------------------------------------------------------------------------------------------
# Templates
# ------------------------------------------------------------------------------------------

_TEMPLATE_NOTES = (
    "Keep the headings in row 1 as they are. Columns can be in any order.",
    "Row 2 is an example: replace it with your own rows.",
    "Optional columns can be left blank, or deleted.",
    "Do not enter formulas, or values that start with =, +, - or @ "
    "(except numbers, where the notes below allow them).",
    "Save the file as an Excel workbook (.xlsx) or as CSV UTF-8, then upload it.",
)


def _example_value(column: Column) -> CellValue:
    # A signed-number example is written as a number: as text it would be neutralised to '-3.
    if column.allow_signed_numbers and SIGNED_NUMBER.fullmatch(column.example):
        return Decimal(column.example)
    return column.example


def _example_row(columns: Sequence[Column]) -> list[CellValue]:
    return [_example_value(column) for column in columns]


def template_csv(columns: Sequence[Column]) -> bytes:
    """A CSV template: the heading row and one example row (from ``Column.example``)."""
    return write_csv([c.name for c in columns], [_example_row(columns)])


def template_xlsx(
    columns: Sequence[Column], *, sheet_title: str = "Data", notes_title: str = "Notes"
) -> bytes:
    """An XLSX template: a data sheet (headings, one example row) and a notes sheet that lists
    each column, whether it is required, what to enter and the example.

    Columns that are not signed numbers are formatted as Text so that identifiers keep their
    leading zeros when typed in Excel.
    """
    text_columns = frozenset(i for i, c in enumerate(columns) if not c.allow_signed_numbers)
    data = Sheet(
        title=sheet_title,
        header=[c.name for c in columns],
        rows=[_example_row(columns)],
        text_columns=text_columns,
    )
    notes_rows: list[Sequence[CellValue]] = [[note] for note in _TEMPLATE_NOTES]
    notes_rows.append([])
    notes_rows.append(["Column", "Required", "What to enter", "Example"])
    notes_rows.extend(
        [c.name, "Yes" if c.required else "No", c.description, _example_value(c)] for c in columns
    )
    notes = Sheet(title=notes_title, header=["How to fill in this template"], rows=notes_rows)
    return write_xlsx([data, notes])
