"""External marks: raw mark -> unit grade and points (boundaries.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resultsday.grading import Boundaries, BoundaryError, UnitGrade, mark_to_result
from resultsday.grading.boundaries import linear_floor

# Boundaries quoted by a forum user from Pearson's Jan 2023 document (S23, LOW confidence).
# The N and D boundaries of Unit 7 and the N and P boundaries of Unit 1 are UNKNOWN there:
# the values marked "test-only" below are invented so the full set validates.
UNIT_7 = Boundaries(max=50, N=10, P=16, M=25, D=40)  # N 10, D 40: test-only
UNIT_1 = Boundaries(max=90, N=20, P=30, M=41, D=59)  # N 20, P 30: test-only


def test_linear_floor() -> None:
    assert linear_floor(23, 16, 25, 12, 20) == 18  # 12 + 8 * 7 / 9 = 18.2 -> 18 (S23)
    assert linear_floor(44, 41, 59, 15, 24) == 16  # 15 + 9 * 3 / 18 = 16.5 -> 16 (S23)
    assert linear_floor(16, 16, 25, 12, 20) == 12  # on the boundary: the grade minimum


def test_mark_to_result_reproduces_the_forum_figures() -> None:
    assert mark_to_result(23, UNIT_7, 120) == (UnitGrade.P, 18)
    assert mark_to_result(44, UNIT_1, 90) == (UnitGrade.M, 16)


def test_below_n_is_u_with_no_points_and_d_and_above_scores_the_d_points() -> None:
    assert mark_to_result(9, UNIT_7, 120) == (UnitGrade.U, 0)
    assert mark_to_result(10, UNIT_7, 120) == (UnitGrade.N, 8)
    assert mark_to_result(40, UNIT_7, 120) == (UnitGrade.D, 32)
    assert mark_to_result(50, UNIT_7, 120) == (UnitGrade.D, 32)


def test_boundaries_must_increase_and_fit_the_maximum() -> None:
    with pytest.raises(BoundaryError, match="must increase"):
        Boundaries(max=50, N=10, P=25, M=25, D=40)
    with pytest.raises(BoundaryError, match="must increase"):
        Boundaries(max=30, N=10, P=16, M=25, D=40)
    with pytest.raises(BoundaryError, match=r"outside 0\.\.50"):
        mark_to_result(51, UNIT_7, 120)
    with pytest.raises(KeyError, match="no points for 60-GLH external units"):
        mark_to_result(20, UNIT_7, 60)


@given(st.integers(0, 49), st.sampled_from([90, 120]))
def test_points_never_fall_as_the_mark_rises_and_stay_in_the_grade_band(mark: int, glh: int) -> None:
    lower, higher = mark_to_result(mark, UNIT_7, glh), mark_to_result(mark + 1, UNIT_7, glh)
    assert higher.points >= lower.points
    minimums = {90: (0, 6, 9, 15, 24), 120: (0, 8, 12, 20, 32)}[glh]
    rank = list(UnitGrade).index(lower.grade)
    assert lower.points >= minimums[rank]
    assert rank == 4 or lower.points < minimums[rank + 1]
