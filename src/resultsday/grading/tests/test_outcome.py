"""The outcome's JSON (the `resultsday grade --json` contract) and text forms."""

from __future__ import annotations

import json

from resultsday.grading import Outcome, grade
from resultsday.grading.tests.conftest import BUSINESS_EXT_DIP, by_qn, ext_dip

CONTRACT = {
    "grade",
    "points",
    "eligible",
    "reasons",
    "counted_units",
    "glh_at_pass",
    "next_grade",
    "fallback",
}


def test_the_json_outcome_has_the_contract_fields_and_round_trips() -> None:
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u7="U")))
    data = json.loads(outcome.to_json())
    assert set(data) >= CONTRACT
    assert data["grade"] == "U" and isinstance(data["points"], int) and data["eligible"] is False
    assert data["fallback"]["qualification"] == "601/7157/1"
    assert data["next_grade"] is None
    assert Outcome.from_json(outcome.to_json()) == outcome


def test_next_grade_in_json() -> None:
    data = grade(by_qn(BUSINESS_EXT_DIP, ext_dip())).to_dict()
    assert data["next_grade"] == {"grade": "MPP", "points_needed": 16}
    assert data["what_if"][0] == {"unit": "3", "from": "P", "to": "D", "grade": "MPP", "points": 128}


def test_the_text_outcome_reads_as_an_explanation() -> None:
    text = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u7="U"))).to_text()
    assert text.startswith("Grade: U (")
    assert "Reason: minimum unit grades: unit 7 Business Decision Making (mandatory external) is U" in text
    assert "Fallback: 601/7157/1 Pearson BTEC Level 3 National Diploma in Business (720 GLH): PP" in text
    assert "What if: unit 7 U -> P gives PPP (108 points)" in text  # N would give only 104
