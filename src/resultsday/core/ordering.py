"""Natural order for the numbers people read: "Unit 2" before "Unit 11"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[str | int, ...]:
    """A sort key in which runs of digits compare as numbers and the rest as text, ignoring
    case: 2 < 10 < 10a < 11. `re.split` with a group always puts text at even positions and
    digits at odd ones, so two keys never compare a number with a string."""
    return tuple(
        int(part) if i % 2 else part.casefold() for i, part in enumerate(_DIGITS.split(text))
    )


class _UnitLike(Protocol):
    number: str
    title: str


def unit_order_key(unit: _UnitLike) -> tuple[tuple[str | int, ...], tuple[str | int, ...]]:
    """Units as a specification lists them: by their printed number, naturally."""
    return natural_key(unit.number), natural_key(unit.title)


def in_unit_order(unit_results: Iterable[Any]) -> list[Any]:
    """Unit results (anything with a `unit` and an `attempt`) by unit number, then attempt."""
    return sorted(unit_results, key=lambda r: (unit_order_key(r.unit), r.attempt))
