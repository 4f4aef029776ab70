"""Set-based grading (bulk.py) against the reference engine: zero differences, and routing."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from resultsday.grading import (
    Catalogue,
    GradeRequest,
    GradeRequestError,
    NotConfiguredError,
    UnitRequest,
    grade,
)
from resultsday.grading.bulk import Batch, Graded, Route, grade_batch, grade_many
from resultsday.grading.tests.conftest import BUSINESS_EXT_DIP, SPECS, by_qn, ext_dip
from resultsday.grading.tests.random_requests import random_requests

FIXTURE = Path(__file__).parent / "data" / "bulk-fixture"
DIFFERENTIAL_ROWS = 100_000


def differences(requests: Sequence[GradeRequest], graded: Graded, catalogue: Catalogue) -> list[str]:
    """Every field the columns give that differs from ``engine.grade`` on the same request."""
    found = []
    for row, request in enumerate(requests):
        try:
            outcome = grade(request, catalogue)
        except (GradeRequestError, NotConfiguredError) as exc:
            if row not in graded.errors or str(graded.errors[row]) != str(exc):
                found.append(f"row {row}: the engine raised {exc!r}, bulk did not")
            continue
        if row in graded.errors:
            found.append(f"row {row}: bulk raised {graded.errors[row]!r}, the engine did not")
            continue
        bulk = (
            graded.grade[row], int(graded.points[row]), bool(graded.eligible[row]),
            bool(graded.complete[row]), int(graded.glh_at_pass[row]), graded.thresholds[row],
            graded.fallback[row], graded.counted_units(row), graded.reasons(row),
        )
        reference = (
            outcome.grade, outcome.points, outcome.eligible, outcome.complete, outcome.glh_at_pass,
            outcome.thresholds, outcome.fallback, outcome.counted_units, outcome.reasons,
        )
        if bulk != reference:
            found.append(f"row {row}: {request}\n  bulk      {bulk}\n  reference {reference}")
    return found


def test_bulk_grading_equals_the_reference_engine_on_random_registrations() -> None:
    catalogue = Catalogue.default()
    seed = int(time.time()) % 100_000  # a new sample each run; a failure names its seed
    requests = list(random_requests(catalogue, DIFFERENTIAL_ROWS, seed=seed))
    graded = grade_many(requests, catalogue)
    found = differences(requests, graded, catalogue)
    assert not found, f"seed {seed}: {len(found)} differences, e.g.\n" + "\n".join(found[:5])
    # most rows are graded in columns; the rest are routed on purpose (and counted)
    assert graded.by_reference.sum() < 0.05 * len(requests)
    assert sum(graded.routed.values()) == graded.by_reference.sum()


@pytest.fixture(scope="module")
def fixture_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The shipped specs plus TEST-ONLY sizes with external optional units and mixed sizes."""
    root = tmp_path_factory.mktemp("bulk") / "specs"
    shutil.copytree(str(SPECS), root)
    shutil.copytree(FIXTURE, root / "fixture")
    return Catalogue.load(root)


def test_bulk_grading_equals_the_reference_engine_with_external_optional_and_mixed_units(
    fixture_catalogue: Catalogue,
) -> None:
    requests = list(random_requests(fixture_catalogue, 20_000, seed=7))
    graded = grade_many(requests, fixture_catalogue)
    assert not differences(requests, graded, fixture_catalogue)
    assert graded.routed[Route.MIXED_OPTIONAL] > 0


def test_optional_units_of_different_sizes_go_to_the_reference_engine(fixture_catalogue: Catalogue) -> None:
    request = GradeRequest(
        units=tuple(UnitRequest.graded(u, "M") for u in ("1", "2", "3", "4", "6", "11")),
        qualification="000/0000/2", registered_on=date(2023, 9, 1),
    )
    graded = grade_many([request], fixture_catalogue)
    assert graded.routed == {Route.MIXED_OPTIONAL: 1}
    assert graded.outcomes[0] == grade(request, fixture_catalogue)


def test_a_fallback_to_a_size_with_mixed_optional_units_goes_to_the_reference_engine(
    fixture_catalogue: Catalogue,
) -> None:
    # unit 4 (mandatory) at U: not awarded the 720, so the 510 (mixed optional sizes) is tried
    grades = {"1": "D", "2": "D", "3": "D", "4": "U", "5": "D", "6": "D", "7": "D"}
    request = by_qn("000/0000/1", dict(grades))
    graded = grade_many([request], fixture_catalogue)
    assert graded.routed == {Route.MIXED_OPTIONAL: 1}
    assert graded.fallback[0] == grade(request, fixture_catalogue).fallback is not None


def test_it_grades_a_whole_cohort_in_columns_with_the_engines_fallback() -> None:
    awarded = by_qn(BUSINESS_EXT_DIP, ext_dip())
    short_of_glh = by_qn(BUSINESS_EXT_DIP, ext_dip(**{"8": "U", "9": "U", "10": "U"}))
    graded = grade_many([awarded, short_of_glh])
    assert not graded.by_reference.any()
    for row, request in enumerate([awarded, short_of_glh]):
        outcome = grade(request)
        assert (graded.grade[row], graded.points[row], graded.fallback[row]) == (
            outcome.grade, outcome.points, outcome.fallback)


def test_rows_the_columns_cannot_hold_are_counted_by_why() -> None:
    unknown_unit = by_qn(BUSINESS_EXT_DIP, {**ext_dip(), "99": "P"})
    old_cohort = by_qn(BUSINESS_EXT_DIP, ext_dip(), on=date(2018, 9, 1))
    internal_n = by_qn(BUSINESS_EXT_DIP, ext_dip(**{"1": "N"}))
    graded = grade_many([unknown_unit, old_cohort, internal_n])
    assert graded.routed == {Route.UNIT_OUTSIDE: 1, Route.NO_THRESHOLDS: 1, Route.INVALID_RESULT: 1}
    assert set(graded.errors) == {0, 1, 2}  # the engine's own errors, e.g. the field at fault
    assert isinstance(graded.errors[1], NotConfiguredError)


def test_a_batch_in_columns_rebuilds_each_rows_request_for_the_engine() -> None:
    batch = Batch(
        qualifications=(BUSINESS_EXT_DIP,), dates=(date(2023, 9, 1),), units=("1", "2"),
        row_qualification=np.array([0]), row_date=np.array([0]),
        attempt_row=np.array([0, 0, 0]), attempt_unit=np.array([1, 0, 1]),
        attempt_grade=np.array([1, 2, 3]), attempt_points=np.array([-1, -1, 17]),
        attempt_retake=np.array([False, True, False]),
    )
    request = batch.request(0)
    assert [(u.id, [(a.grade, a.points, a.retake) for a in u.attempts]) for u in request.units] == [
        ("1", [("P", None, True)]), ("2", [("N", None, False), ("M", 17, False)])]
    graded = grade_batch(batch)
    assert graded.complete[0] == grade(request).complete is False
