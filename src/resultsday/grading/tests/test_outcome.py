"""The outcome's JSON (the `resultsday grade --json` contract) and text forms."""

from __future__ import annotations

import json

from resultsday.grading import GradeRequest, Outcome, grade
from resultsday.grading.outcome import WhatIf
from resultsday.grading.tests.conftest import BUSINESS_EXT_DIP, COHORT_2023, by_qn, ext_dip

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


def test_the_engine_builds_records_field_by_field() -> None:
    # engine.grade and engine._what_if_by_points build these records from plain tuples, in this
    # field order: a field added, removed or moved must be changed there too
    assert Outcome._fields == (
        "grade",
        "points",
        "eligible",
        "complete",
        "reasons",
        "counted_units",
        "glh_at_pass",
        "next_grade",
        "fallback",
        "what_if",
        "qualification",
        "title",
        "suite",
        "size_glh",
        "registered_on",
        "thresholds",
    )
    assert WhatIf._fields == ("unit", "from_grade", "to_grade", "grade", "points")
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip()))
    assert outcome == Outcome(**outcome._asdict())
    assert (outcome.grade, outcome.points, outcome.qualification, outcome.size_glh) == (
        "PPP",
        108,
        BUSINESS_EXT_DIP,
        1080,
    )
    assert outcome.thresholds == "nationals-2019" and outcome.suite == "btec-nationals-2016"
    assert outcome.what_if[0] == WhatIf("3", "P", "D", "MPP", 128)


def _json_module(outcome: Outcome) -> str:
    return json.dumps(outcome.to_dict(), ensure_ascii=False, separators=(",", ":"))


def test_to_json_is_the_json_modules_text_byte_for_byte() -> None:
    import random

    from resultsday.grading import UnitRequest, default_catalogue
    from resultsday.grading.grades import GRADE_NAMES, Assessment

    rng = random.Random(7)
    catalogue = default_catalogue()
    outcomes = [
        grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u7="U"))),  # fallback, reasons
        grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u4=None))),  # incomplete
        grade(by_qn(BUSINESS_EXT_DIP, ext_dip())),  # what-if
    ]
    for qualification in catalogue.qualifications.values():
        structure = qualification.structure
        if structure is None:
            continue
        for _ in range(40):
            units = [
                (u, rng.choice(GRADE_NAMES if u.assessment is Assessment.EXTERNAL else "UPMD"))
                for u in structure.units.values()
            ]
            chosen = units[: rng.randrange(1, 14)]
            outcomes.append(grade(by_qn(qualification.qn, {u.id: g for u, g in chosen})))
    # strings that need escaping: a unit id with quotes, a backslash, a control character, non-ASCII
    odd = 'é"\\\n\u2028x'
    inline = grade(
        GradeRequest(
            (
                UnitRequest.graded(odd, "U", glh=90, assessment="internal", mandatory=True, title='a "title"'),
                UnitRequest.graded("2", "P", glh=90, assessment="external", mandatory=True),
            ),
            suite="btec-nationals-2016",
            size_glh=180,
            registered_on=COHORT_2023,
        )
    )
    outcomes.append(inline)
    assert odd in inline.counted_units and inline.reasons
    for outcome in outcomes:
        assert outcome.to_json() == _json_module(outcome)
