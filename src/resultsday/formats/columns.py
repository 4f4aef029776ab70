"""The column specification shared by the upload reader and the template writer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SIGNED_NUMBER", "Column", "column_letter", "describe_expected_columns"]

SIGNED_NUMBER = re.compile(r"[+-](?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
"""A number with a leading sign, like -3, +2.5 or -.5: the only values starting with a formula
character that a column may allow (``Column.allow_signed_numbers``)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an import file.

    ``required``: the heading must be present and every data row needs a value. An optional
    column may be left out of the file entirely or left blank in any row.
    ``description`` and ``example`` feed the template (notes sheet and example row).
    ``allow_signed_numbers``: a value that is a number with a leading ``+`` or ``-`` (like
    ``-3`` or ``+2.5``) is accepted; any other value starting with a formula character is still
    reported (see :mod:`resultsday.formats.tabular`).
    """

    name: str
    required: bool
    description: str
    example: str = ""
    allow_signed_numbers: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip() or self.name != self.name.strip():
            raise ValueError(f"A column name must be non-blank with no surrounding spaces: {self.name!r}")


def column_letter(index: int) -> str:
    """Return the spreadsheet letter for a 0-based column index (0 -> A, 26 -> AA)."""
    if index < 0:
        raise ValueError("Column index must be 0 or more")
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def describe_expected_columns(columns: Sequence[Column]) -> str:
    """List the expected headings for messages, e.g. "ULN, Surname, UCAS Personal ID (optional)"."""
    return ", ".join(c.name if c.required else f"{c.name} (optional)" for c in columns)
