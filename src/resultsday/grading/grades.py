"""The vocabulary of grading: unit grades, assessment types and other closed choices."""

from __future__ import annotations

from enum import StrEnum


class UnitGrade(StrEnum):
    """A unit grade, lowest first (S1 p.9, p.336). D* never exists at unit level."""

    U = "U"
    N = "N"  # Near Pass: external units only (S1 p.336; S4, S5)
    P = "P"
    M = "M"
    D = "D"


#: Unit grades from lowest to highest; a grade's position is its rank.
UNIT_GRADE_ORDER: tuple[UnitGrade, ...] = tuple(UnitGrade)

#: The unit grades' letters by rank, as plain strings.
GRADE_NAMES: tuple[str, ...] = tuple(grade.value for grade in UNIT_GRADE_ORDER)

#: Rank of each unit grade (U = 0 ... D = 4). Keys are also plain strings because
#: ``UnitGrade`` is a ``StrEnum``.
RANK: dict[str, int] = {grade: rank for rank, grade in enumerate(UNIT_GRADE_ORDER)}


class Assessment(StrEnum):
    """How a unit is assessed."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class ResultsDayType(StrEnum):
    """Which results day a qualification's results are released on."""

    LEVEL3 = "level3"
    LEVEL1_2 = "level1_2"


class Mechanism(StrEnum):
    """How a suite turns unit results into a qualification grade."""

    POINTS = "points"  # BTEC Nationals: points per unit grade, thresholds on the total
    UMS = "ums"  # BTEC Tech Awards (2022): raw marks -> UMS per series, thresholds on the total


class Confidence(StrEnum):
    """How sure the reference is of a fact (legend in btec-grading.md)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
