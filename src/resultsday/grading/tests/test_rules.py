"""One test per rule, named after it (rules.py, and the explanation functions in engine.py)."""

from __future__ import annotations

import inspect
import re
from datetime import date

import pytest

from resultsday.grading import (
    Attempt,
    Boundaries,
    Catalogue,
    GradeRequest,
    GradeRequestError,
    NotConfiguredError,
    UnitGrade,
    UnitRequest,
    engine,
    grade,
    rules,
)
from resultsday.grading.model import PointsSuite, Structure
from resultsday.grading.tests.conftest import (
    BUSINESS_CERT,
    BUSINESS_DIPLOMA,
    BUSINESS_EXT_CERT,
    BUSINESS_EXT_DIP,
    COHORT_2023,
    IT_EXT_CERT,
    by_qn,
    ext_dip,
)

RULES = [
    rules.retake_cap,
    rules.external_points,
    rules.best_attempt,
    rules.counted_units,
    rules.units_complete,
    rules.minimum_unit_grades,
    rules.glh_at_pass,
    rules.minimum_glh_at_pass,
    rules.points_total,
    rules.threshold_table,
    rules.qualification_grade,
    rules.next_grade,
    engine.fallback,
    engine.what_if,
]


def structure_of(catalogue: Catalogue, qn: str) -> Structure:
    structure = catalogue.qualification(qn).structure
    assert structure is not None
    return structure


def nationals(catalogue: Catalogue) -> PointsSuite:
    return catalogue.points_suite("btec-nationals-2016")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_every_rule_states_its_text_and_cites_a_source(rule: object) -> None:
    text = rules.statement(rule)  # type: ignore[arg-type]
    assert text.endswith((".", ")")), text
    assert re.search(r"\b(S|N)\d+\b", text) or "explanation" in text, text
    assert inspect.getdoc(rule)


def test_a_failure_message_names_the_rule_and_quotes_its_text() -> None:
    message = rules.failure(rules.units_complete, "not yet complete: unit 4 missing")
    assert message.startswith("units complete: not yet complete: unit 4 missing. Rule: Every unit")
    assert "(S1 p.352; N2 p.86)" in message


def test_retake_cap(catalogue: Catalogue) -> None:
    suite = nationals(catalogue)
    unit = structure_of(catalogue, BUSINESS_EXT_DIP).units["4"]  # internal
    external = structure_of(catalogue, BUSINESS_EXT_DIP).units["3"]
    assert rules.retake_cap(unit, 4, suite) == 2  # a D on retake counts as P
    assert rules.retake_cap(unit, 0, suite) == 0  # a U stays U
    assert rules.retake_cap(external, 4, suite) == 4  # external resits are not capped
    outcome = grade(
        GradeRequest(
            (*by_qn(BUSINESS_CERT, {"2": "P"}).units, UnitRequest("1", (Attempt(UnitGrade.D, retake=True),))),
            qualification=BUSINESS_CERT,
            registered_on=COHORT_2023,
        )
    )
    assert outcome.points == 9 + 9  # unit 1 retake D -> P (9), unit 2 P (9)


def test_external_points(catalogue: Catalogue) -> None:
    suite = nationals(catalogue)
    unit3 = structure_of(catalogue, BUSINESS_EXT_DIP).units["3"]  # external 120 GLH
    assert rules.external_points(unit3, Attempt(UnitGrade.M, points=27), "units[0]", suite) == (3, 27, False)
    assert rules.external_points(unit3, Attempt(points=13), "units[0]", suite) == (2, 13, False)  # P band
    with pytest.raises(GradeRequestError) as raised:
        rules.external_points(unit3, Attempt(UnitGrade.M, points=35), "units[2]", suite)
    assert raised.value.path == "units[2].points"
    assert "outside the M band (20 to 31)" in raised.value.message
    by_mark = Attempt(raw_mark=23, boundaries=Boundaries(max=50, N=10, P=16, M=25, D=40))
    assert rules.external_points(unit3, by_mark, "units[0]", suite) == (2, 18, False)  # S23 figure
    internal = structure_of(catalogue, BUSINESS_EXT_DIP).units["1"]
    with pytest.raises(GradeRequestError, match="internally assessed"):
        rules.external_points(internal, Attempt(UnitGrade.P, points=9), "units[0]", suite)


def test_best_attempt(catalogue: Catalogue) -> None:
    suite = nationals(catalogue)
    unit2 = structure_of(catalogue, BUSINESS_CERT).units["2"]  # external 90 GLH
    resits = (Attempt(UnitGrade.N), Attempt(UnitGrade.M), Attempt(UnitGrade.P))
    assert rules.best_attempt(unit2, resits, suite, 0) == (3, 15, False)
    assert rules.best_attempt(unit2, (Attempt(UnitGrade.M, points=16), Attempt(UnitGrade.M)), suite, 0) == (
        3,
        16,
        False,
    )
    assert rules.best_attempt(unit2, (), suite, 0) is None  # no outcome yet
    unit1 = structure_of(catalogue, BUSINESS_CERT).units["1"]
    with pytest.raises(GradeRequestError) as raised:
        rules.best_attempt(unit1, (Attempt(UnitGrade.N),), suite, 3)
    assert raised.value.path == "units[3].grade"
    assert "Near Pass is used only for externally assessed units" in raised.value.message


def test_counted_units(catalogue: Catalogue) -> None:
    structure = structure_of(catalogue, BUSINESS_EXT_CERT)  # 300 mandatory + one 60-GLH optional
    scored = {"1": (2, 9, False), "2": (2, 9, False), "3": (2, 12, False)}
    scored |= {"8": (3, 10, False), "14": (4, 16, False), "22": (0, 0, False)}
    selection = rules.counted_units(structure, scored, set())
    assert selection.counted_ids(structure) == ("1", "2", "3", "14")  # the best optional unit
    assert not selection.missing
    tie = {**scored, "8": (4, 16, False)}
    assert rules.counted_units(structure, tie, set()).counted_ids(structure)[-1] == "8"  # lower number


def test_counted_units_with_optional_units_of_different_sizes(catalogue: Catalogue) -> None:
    request = GradeRequest(
        (
            UnitRequest.graded("1", "P", glh=120, assessment="external", mandatory=True),
            UnitRequest.graded("2", "M", glh=60, assessment="internal", mandatory=False),
            UnitRequest.graded("3", "D", glh=90, assessment="internal", mandatory=False),
            UnitRequest.graded("4", "D", glh=60, assessment="internal", mandatory=False),
        ),
        suite="btec-nationals-2016",
        size_glh=360,
        registered_on=COHORT_2023,
    )
    # 240 optional GLH are needed; the units given make only 210, so the learner is not complete.
    assert not grade(request).complete
    fuller = GradeRequest(
        (*request.units, UnitRequest.graded("5", "U", glh=90, assessment="internal", mandatory=False)),
        suite="btec-nationals-2016",
        size_glh=360,
        registered_on=COHORT_2023,
    )
    outcome = grade(fuller)
    # Two exact fills of 240 GLH: units 3+4+5 (24+16+0) beat units 2+3+5 (10+24+0).
    assert outcome.complete
    assert outcome.counted_units == ("1", "3", "4", "5")
    assert outcome.points == 12 + 24 + 16 + 0


def test_units_complete(catalogue: Catalogue) -> None:
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u4=None, u5=None)))
    assert not outcome.complete and not outcome.eligible and outcome.grade == "U"
    assert any("not yet complete: units 4, 5 missing" in reason for reason in outcome.reasons)
    few_optionals = {k: v for k, v in ext_dip().items() if k not in {"12", "13"}}
    outcome = grade(by_qn(BUSINESS_EXT_DIP, few_optionals))
    assert "not yet complete: 120 GLH of optional units without a result" in outcome.reasons[0]
    assert outcome.next_grade is None and outcome.what_if == () and outcome.fallback is None
    # Optional units listed without a result are named when all of them are needed...
    one_pending = grade(by_qn(BUSINESS_EXT_DIP, {**few_optionals, "12": None}))
    assert (
        "not yet complete: unit 12 missing and 60 GLH of optional units without a result"
        in (one_pending.reasons[0])
    )
    # ...but not when more are listed than needed (a calculator sends every unit).
    every_unit = {**{str(n): None for n in range(14, 36)}, **few_optionals}
    outcome = grade(by_qn(BUSINESS_EXT_DIP, every_unit))
    assert "not yet complete: 120 GLH of optional units without a result" in outcome.reasons[0]


def test_minimum_unit_grades() -> None:
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u4="U", u3="U")))
    assert outcome.grade == "U" and not outcome.eligible and outcome.complete
    joined = "\n".join(outcome.reasons)
    assert (
        "unit 3 Personal and Business Finance (mandatory external) is U; external units need N or above"
        in joined
    )
    assert (
        "unit 4 Managing an Event (mandatory internal) is U; mandatory internal units need P or above"
        in joined
    )
    assert grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u3="N"))).eligible  # N is enough for external units
    assert grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u8="U"))).eligible  # optional internal may be U


def test_glh_at_pass() -> None:
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u3="N", u8="U")))
    assert outcome.glh_at_pass == 1080 - 60  # N counts for an external unit, the U optional does not


def test_minimum_glh_at_pass() -> None:
    three_u = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u8="U", u9="U", u10="U")))
    assert three_u.eligible and three_u.glh_at_pass == 900
    four_u = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u8="U", u9="U", u10="U", u11="U")))
    assert four_u.grade == "U" and four_u.glh_at_pass == 840
    assert (
        "840 GLH at Pass or above among the counted units, 900 needed for the Extended Diploma"
        in (four_u.reasons[0])
    )
    assert "below Pass: units 8, 9, 10, 11" in four_u.reasons[0]
    # No minimum is known for the Diploma (UNKNOWN), so none is applied: both optional units
    # at U leave the learner eligible, and U only because 60 points are below PP (72).
    diploma = grade(by_qn(BUSINESS_DIPLOMA, {**dict.fromkeys("123456", "P"), "8": "U", "9": "U"}))
    assert diploma.eligible and diploma.grade == "U"
    assert diploma.points == 9 + 9 + 12 + 9 + 9 + 12


def test_points_total() -> None:
    outcome = grade(by_qn(BUSINESS_CERT, {"1": "D", "2": "M"}))
    assert outcome.points == 24 + 15


def test_threshold_table(catalogue: Catalogue) -> None:
    suite = nationals(catalogue)
    assert rules.threshold_table(suite, 360, IT_EXT_CERT, date(2017, 9, 1)).table_id == "nationals-it-2016"
    assert rules.threshold_table(suite, 360, IT_EXT_CERT, date(2020, 9, 1)).table_id == "nationals-2019"
    assert rules.threshold_table(suite, 360, None, date(2019, 11, 1)).table_id == "nationals-2019"
    with pytest.raises(NotConfiguredError) as raised:
        rules.threshold_table(suite, 360, BUSINESS_EXT_CERT, date(2019, 10, 31))
    assert raised.value.path == "registered_on"
    assert "no threshold table of btec-nationals-2016 applies to 601/7159/5" in str(raised.value)


def test_qualification_grade() -> None:
    assert grade(by_qn(BUSINESS_EXT_DIP, ext_dip())).grade == "PPP"  # 108: exactly on PPP
    low = grade(by_qn(BUSINESS_CERT, {"1": "P", "2": "N"}))
    assert low.grade == "U" and low.eligible and low.points == 15
    assert "15 points is below 18, the lowest threshold (P) for the Certificate" in low.reasons[0]


def test_next_grade() -> None:
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip()))
    assert outcome.next_grade == ("MPP", 16)
    assert grade(by_qn(BUSINESS_CERT, {"1": "P", "2": "N"})).next_grade == ("P", 3)
    assert grade(by_qn(BUSINESS_CERT, {"1": "D", "2": "D"})).next_grade is None  # D* is the top
    assert grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u4="U"))).next_grade is None  # ineligible


def test_fallback(catalogue: Catalogue) -> None:
    # Mandatory Unit 7 (only in the Extended Diploma) at U: the Diploma's units are all there.
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u7="U")))
    assert outcome.grade == "U"
    assert outcome.fallback is not None
    assert outcome.fallback.qualification == BUSINESS_DIPLOMA
    assert (outcome.fallback.grade, outcome.fallback.points) == ("PP", 9 + 9 + 12 + 9 + 9 + 12 + 6 + 6)
    # Mandatory Unit 1 is in every size: no smaller size can be awarded.
    assert grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u1="U"))).fallback is None
    # Inline structures have no catalogue qualification to fall back to.
    inline = grade(
        GradeRequest(
            (
                UnitRequest.graded("1", "U", glh=90, assessment="internal", mandatory=True),
                UnitRequest.graded("2", "D", glh=90, assessment="external", mandatory=True),
            ),
            suite="btec-nationals-2016",
            size_glh=180,
            registered_on=COHORT_2023,
        )
    )
    assert inline.fallback is None
    assert [q.size_glh for q in catalogue.fallbacks_for(BUSINESS_EXT_DIP)] == [720, 510, 360, 180]


def test_what_if() -> None:
    outcome = grade(by_qn(BUSINESS_EXT_DIP, ext_dip()))  # PPP, 108; MPP needs 124
    first = outcome.what_if[0]
    assert (first.unit, first.from_grade, first.to_grade, first.grade, first.points) == (
        "3",
        "P",
        "D",
        "MPP",
        128,
    )
    assert all(w.points >= 124 for w in outcome.what_if)
    assert [w.points for w in outcome.what_if] == sorted(w.points for w in outcome.what_if)
    # A learner who is not awarded is shown the single change that would give an award.
    ineligible = grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u4="U")))
    assert [(w.unit, w.to_grade) for w in ineligible.what_if] == [("4", "P")]
    # Two failing mandatory units: no single improvement is enough.
    assert grade(by_qn(BUSINESS_EXT_DIP, ext_dip(u4="U", u5="U"))).what_if == ()
