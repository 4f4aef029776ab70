"""Every worked example in btec-worked-examples.json gets its published grade and points.

Rows marked "published" are Pearson's own examples (S1 Examples 1-3); the others are DERIVED
from S1's rules and tables and say so in their ``source``. Each row is graded twice: with the
structure given inline (as in the file) and by naming the catalogue qualification.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from resultsday.grading import Catalogue, GradeRequest, UnitRequest, grade
from resultsday.grading.tests.conftest import COHORT_2023, worked_examples

QN_BY_SIZE = {180: "601/7155/8", 360: "601/7159/5", 510: "601/7161/3", 720: "601/7157/1", 1080: "601/7160/1"}
EXAMPLES = worked_examples()


def example_id(row: dict[str, Any]) -> str:
    kind = "published" if row["published"] else "derived"
    return f"{kind}-{row['size_glh']}-{row['expected_grade']}-{row['expected_points']}"


def unit_id(name: str) -> str | None:
    found = re.match(r"Unit (\d+)", name)
    return found.group(1) if found else None


def inline_request(row: dict[str, Any]) -> GradeRequest:
    units = []
    for i, unit in enumerate(row["units"]):
        number = unit_id(unit["name"])
        units.append(
            UnitRequest.graded(
                number or f"optional-{i}",
                unit["grade"],
                glh=unit["glh"],
                assessment=unit["assessment"],
                mandatory=unit["mandatory"],
                title=unit["name"].split(" ", 2)[2] if number else None,
            )
        )
    return GradeRequest(
        tuple(units), suite="btec-nationals-2016", size_glh=row["size_glh"], registered_on=COHORT_2023
    )


def expected_glh_at_pass(row: dict[str, Any]) -> int | None:
    found = re.search(r"counted units = (\d+)|(\d+) GLH at P/N", row["notes"])
    return int(found.group(1) or found.group(2)) if found else None


@pytest.mark.parametrize("row", EXAMPLES, ids=example_id)
def test_worked_example_inline(row: dict[str, Any]) -> None:
    outcome = grade(inline_request(row))
    assert (outcome.grade, outcome.points) == (row["expected_grade"], row["expected_points"])
    if (glh := expected_glh_at_pass(row)) is not None:
        assert outcome.glh_at_pass == glh


@pytest.mark.parametrize(
    "row", [r for r in EXAMPLES if all(unit_id(u["name"]) for u in r["units"])], ids=example_id
)
def test_worked_example_by_qualification(row: dict[str, Any], catalogue: Catalogue) -> None:
    qn = QN_BY_SIZE[row["size_glh"]]
    structure = catalogue.qualification(qn).structure
    assert structure is not None
    for unit in row["units"]:  # the example's structure agrees with the shipped one
        spec = structure.units[unit_id(unit["name"]) or ""]
        assert (spec.glh, spec.assessment, spec.mandatory) == (
            unit["glh"],
            unit["assessment"],
            unit["mandatory"],
        )
    request = GradeRequest(
        tuple(UnitRequest.graded(unit_id(u["name"]) or "", u["grade"]) for u in row["units"]),
        qualification=qn,
        registered_on=COHORT_2023,
    )
    outcome = grade(request)
    assert (outcome.grade, outcome.points) == (row["expected_grade"], row["expected_points"])


def test_the_extended_certificate_example_with_any_listed_optional_unit() -> None:
    row = next(r for r in EXAMPLES if r["size_glh"] == 360)
    for optional in ("8", "14", "22", "23", "27"):  # the Extended Certificate's optional units
        grades = {"1": "M", "2": "M", "3": "M", optional: "D"}
        request = GradeRequest(
            tuple(UnitRequest.graded(k, v) for k, v in grades.items()),
            qualification=QN_BY_SIZE[360],
            registered_on=COHORT_2023,
        )
        outcome = grade(request)
        assert (outcome.grade, outcome.points) == (row["expected_grade"], row["expected_points"])


def test_example_3_is_unclassified_by_the_900_glh_rule_and_falls_back_to_the_diploma() -> None:
    row = next(r for r in EXAMPLES if r["published"] and r["expected_grade"] == "U")
    request = GradeRequest(
        tuple(UnitRequest.graded(unit_id(u["name"]) or "", u["grade"]) for u in row["units"]),
        qualification=QN_BY_SIZE[1080],
        registered_on=COHORT_2023,
    )
    outcome = grade(request)
    assert outcome.reasons[0].startswith("minimum glh at pass: 840 GLH at Pass or above")
    assert outcome.fallback is not None
    # Diploma: units 1-6 (P 9, M 15, P 12, M 15, P 9, M 20) + best optionals 8 M, 10 M = 100: MP
    assert (outcome.fallback.qualification, outcome.fallback.grade, outcome.fallback.points) == (
        "601/7157/1",
        "MP",
        100,
    )


def test_example_9_names_unit_4_managing_an_event_below_p() -> None:
    row = next(r for r in EXAMPLES if r["expected_points"] == 264)
    reasons = "\n".join(grade(inline_request(row)).reasons)
    assert "unit 4 Managing an Event (mandatory internal) is U" in reasons
    assert "need P or above" in reasons
