"""External assessment: raw mark -> unit grade -> points.

A grade boundary is the minimum raw mark for a grade (S2). Points at each boundary are the
suite's minimum points for that grade (S1 p.353, S2); between two boundaries Pearson awards
points "on a sliding scale between the grade boundaries based on the number of raw marks" (S2).
The exact formula, its rounding, the points below the N boundary and above the D boundary are
UNKNOWN (btec-grading.md §5). The suite names the interpolation rule it uses; the only one
shipped is ``linear_floor``, the reading of a forum user (S23, low confidence), with our own
documented assumptions for the two ends of the scale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from resultsday.grading.errors import GradingError
from resultsday.grading.grades import UNIT_GRADE_ORDER, UnitGrade

if TYPE_CHECKING:
    from resultsday.grading.model import PointsSuite

#: ``f(mark, lower_boundary, upper_boundary, lower_points, upper_points) -> points``
Interpolation = Callable[[int, int, int, int, int], int]


class BoundaryError(GradingError, ValueError):
    """Grade boundaries or a raw mark are not valid."""


@dataclass(frozen=True, slots=True)
class Boundaries:
    """The grade boundaries of one external assessment in one series.

    Boundaries must strictly increase (N < P < M < D), start above 0 and not exceed ``max``.
    """

    max: int
    N: int
    P: int
    M: int
    D: int

    def __post_init__(self) -> None:
        if not 0 < self.N < self.P < self.M < self.D <= self.max:
            raise BoundaryError(
                "boundaries must increase (0 < N < P < M < D <= max); got "
                f"N {self.N}, P {self.P}, M {self.M}, D {self.D}, max {self.max}"
            )

    def by_rank(self) -> tuple[int, int, int, int]:
        """Boundaries for N, P, M and D (unit grade ranks 1 to 4)."""
        return (self.N, self.P, self.M, self.D)


class MarkResult(NamedTuple):
    """A unit grade and its points, from a raw mark."""

    grade: UnitGrade
    points: int


def linear_floor(mark: int, lower: int, upper: int, lower_points: int, upper_points: int) -> int:
    """Linear interpolation between the surrounding boundaries, rounded down (S23, low).

    points = lower_points + floor((upper_points - lower_points) * (mark - lower) / (upper - lower))

    Integer arithmetic, so the rounding is exact. For ``lower <= mark < upper`` the result is at
    least ``lower_points`` (the grade minimum) and below ``upper_points`` (the next grade's).
    Checked against the two worked figures quoted in S23 (18 and 16 points).
    """
    return lower_points + (upper_points - lower_points) * (mark - lower) // (upper - lower)


#: The interpolation rules a suite may name in ``external_points.interpolation``.
INTERPOLATIONS: dict[str, Interpolation] = {"linear_floor": linear_floor}


def convert_mark(
    raw_mark: int,
    boundaries: Boundaries,
    points_by_rank: Sequence[int | None],
    interpolate: Interpolation,
) -> MarkResult:
    """Convert a raw mark with the given boundaries and points at each grade boundary.

    Assumptions (the reference says UNKNOWN): a mark below the N boundary is U and scores 0;
    a mark at or above the D boundary scores exactly the D points (no points above Distinction).
    """
    if not 0 <= raw_mark <= boundaries.max:
        raise BoundaryError(f"raw mark {raw_mark} is outside 0..{boundaries.max}")
    marks = boundaries.by_rank()
    if raw_mark < marks[0]:
        return MarkResult(UnitGrade.U, 0)
    top = len(marks)  # rank of D
    rank = top
    while marks[rank - 1] > raw_mark:
        rank -= 1
    points = [p if p is not None else 0 for p in points_by_rank]
    if rank == top:
        return MarkResult(UNIT_GRADE_ORDER[top], points[top])
    value = interpolate(raw_mark, marks[rank - 1], marks[rank], points[rank], points[rank + 1])
    return MarkResult(UNIT_GRADE_ORDER[rank], value)


def mark_to_result(
    raw_mark: int,
    boundaries: Boundaries,
    glh: int,
    *,
    suite: PointsSuite | None = None,
) -> MarkResult:
    """Unit grade and points for a raw mark in an external unit of ``glh`` guided learning hours.

    Uses the suite's external points table and its named interpolation rule; the default suite
    is BTEC Nationals (2016) from the shipped catalogue.
    """
    if suite is None:
        from resultsday.grading.catalogue import default_catalogue

        suite = default_catalogue().points_suite("btec-nationals-2016")
    return convert_mark(raw_mark, boundaries, suite.external_points(glh), suite.interpolate)
