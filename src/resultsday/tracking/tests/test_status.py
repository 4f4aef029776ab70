"""The status rules, one test per rule, on plain facts (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resultsday.tracking import status as st
from resultsday.tracking.status import (
    RULES,
    Fix,
    OfqualReason,
    SeriesDates,
    StatusCode,
    TrackingFacts,
    expecting_result_flag,
    issues_of,
    status_of,
)

UTC = dt.UTC


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, tzinfo=UTC)


DATES = SeriesDates(
    entry_deadline=at(2, 21), checkpoint_1=at(5, 26), checkpoint_2=at(6, 23),
    claim_deadline=at(7, 5), results_to_centres=at(8, 6), results_to_learners=at(8, 13),
)
BEFORE_CHECKPOINT = at(4, 1)
AFTER_CHECKPOINT = at(6, 1)
AFTER_CLAIM_DEADLINE = at(7, 10)
RESULTS_DAY = at(8, 13)

# Everything in order: complete, claimed on time, SV released, confirmed and declared.
READY = TrackingFacts(
    registration_status="active", engine_complete=True, engine_grade="DMM", engine_points=200,
    claimed=True, sv_status="released", sv_label="Released", checkpoint_expects=True,
    checkpoint_declared=True,
)


def test_a_learner_with_everything_in_order_has_no_current_action() -> None:
    s = status_of(READY, DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.ON_TRACK
    assert s.label == "No current action"
    assert not s.needs_action and s.ofqual_reason is None
    assert issues_of(READY, DATES, AFTER_CHECKPOINT) == []


def test_rule_certificated_finishes_the_registration() -> None:
    s = status_of(replace(READY, registration_status="certificated"), DATES, RESULTS_DAY)
    assert s.code == StatusCode.CERTIFICATED and not s.needs_action


def test_rule_withdrawn_is_ofqual_n2() -> None:
    facts = replace(READY, registration_status="withdrawn", claimed=False)
    s = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert (s.code, s.ofqual_reason) == (StatusCode.WITHDRAWN, OfqualReason.N2)
    assert [i.code for i in issues_of(facts, DATES, AFTER_CHECKPOINT)] == [StatusCode.WITHDRAWN]


def test_rule_topped_up_points_to_the_larger_registration() -> None:
    s = status_of(replace(READY, registration_status="topped_up"), DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.TOPPED_UP and not s.needs_action


def test_rule_result_issued_shows_the_grade() -> None:
    s = status_of(replace(READY, result_status="issued", result_grade="DMM"), DATES, RESULTS_DAY)
    assert s.code == StatusCode.RESULT_ISSUED and "DMM" in s.meaning


def test_rule_result_issued_held_from_the_viewer_says_when_it_is_released_without_the_grade() -> None:
    for status in ("issued", "unclassified", "fallback", "declined"):
        facts = replace(READY, result_status=status, result_grade="DMM", external_reported=True)
        held = st.facts_held(facts, until="13 August 2026 at 8am")
        s = status_of(held, DATES, AFTER_CLAIM_DEADLINE)
        assert s.code == StatusCode.RESULT_ISSUED and s.details == ()
        assert s.meaning == "Result awarded; it is released on 13 August 2026 at 8am."
    unknown = status_of(st.facts_held(facts, until=""), DATES, AFTER_CLAIM_DEADLINE)
    assert unknown.meaning == "Result awarded; it is not released yet."


def test_facts_held_leave_out_what_the_external_grades_give() -> None:
    facts = replace(READY, engine_grade="U", engine_points=40, engine_fallback="Smaller (1/2/3): P",
                    engine_reasons=("unit 2 below its minimum grade",), external_reported=True)
    assert status_of(facts, DATES, AFTER_CHECKPOINT).code == StatusCode.INELIGIBLE
    held = st.facts_held(facts, until="13 August 2026 at 8am")
    assert (held.engine_grade, held.engine_points, held.engine_fallback, held.engine_reasons) == (
        "", None, "", ())
    s = status_of(held, DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.ON_TRACK  # nothing says the learner is short of a grade
    assert not any("U" in i.meaning.split() or "Smaller" in i.meaning
                   for i in issues_of(held, DATES, AFTER_CHECKPOINT))
    # With only internal grades reported, the points so far are the centre's own: kept.
    internal = st.facts_held(replace(facts, external_reported=False), until="")
    assert internal.engine_points == 40 and internal.result_held


def test_rule_not_expected_is_ofqual_n1() -> None:
    s = status_of(replace(READY, checkpoint_expects=False), DATES, AFTER_CHECKPOINT)
    assert (s.code, s.ofqual_reason) == (StatusCode.NOT_EXPECTED, OfqualReason.N1)


def test_rule_invalid_combination_names_the_units_and_is_ofqual_n4() -> None:
    facts = replace(READY, engine_complete=False, outside_units=("Unit 5 Programming",))
    s = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.INVALID_COMBINATION
    assert "Unit 5 Programming is not part of this qualification" in s.meaning
    assert s.ofqual_reason == OfqualReason.N4 and s.fix == Fix.UNIT_GRADES
    assert s.deadline == DATES.claim_deadline


def test_rule_top_up_required_names_the_other_registration_and_is_ofqual_l3() -> None:
    facts = replace(READY, top_up_with=("BTEC Certificate in Business (601/7157/7)",))
    s = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert (s.code, s.ofqual_reason, s.fix) == (StatusCode.TOP_UP_REQUIRED, OfqualReason.L3,
                                                Fix.TOP_UP)
    assert "601/7157/7" in s.meaning


def test_rule_external_entry_missing_names_the_unit_and_says_when_the_deadline_passed() -> None:
    facts = replace(READY, engine_complete=False, entry_missing=("Unit 3 Finance",))
    before = status_of(facts, DATES, at(1, 10))
    after = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert before.code == after.code == StatusCode.EXTERNAL_ENTRY_MISSING
    assert "Unit 3 Finance" in before.meaning and "passed" not in before.meaning
    assert "entry deadline has passed" in after.meaning and "late entry" in after.action
    assert after.ofqual_reason == OfqualReason.L2 and after.overdue(AFTER_CHECKPOINT)


def test_rule_internal_units_missing_names_the_units() -> None:
    facts = replace(READY, engine_complete=False, claimed=False,
                    internal_missing=("Unit 1 Exploring Business", "Unit 4 Events"))
    s = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.INTERNAL_UNITS_MISSING
    assert "Unit 1 Exploring Business, Unit 4 Events" in s.meaning
    assert (s.ofqual_reason, s.fix, s.deadline) == (OfqualReason.N4, Fix.UNIT_GRADES,
                                                    DATES.claim_deadline)


def test_rule_internal_units_missing_uses_the_engines_reasons_for_optional_units() -> None:
    facts = replace(READY, engine_complete=False, awaiting=("Unit 2 Marketing",),
                    units_short=True, units_short_reasons=("60 GLH of optional units missing",))
    s = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.INTERNAL_UNITS_MISSING
    assert s.details == ("60 GLH of optional units missing",)


def test_rule_ineligible_gives_the_reasons_and_the_fallback() -> None:
    facts = replace(READY, engine_grade="U", engine_reasons=("unit 2 is U",),
                    engine_fallback="BTEC Certificate (601/7157/7): P")
    s = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.INELIGIBLE
    assert "601/7157/7): P" in s.meaning and s.details == ("unit 2 is U",)
    without = status_of(replace(facts, engine_fallback=""), DATES, AFTER_CHECKPOINT)
    assert "will get a U" in without.meaning


def test_rule_not_confirmed_is_ofqual_n4_and_overdue_after_the_checkpoint() -> None:
    facts = replace(READY, checkpoint_expects=None, checkpoint_declared=False)
    before = status_of(facts, DATES, BEFORE_CHECKPOINT)
    after = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert before.code == after.code == StatusCode.NOT_CONFIRMED
    assert before.deadline == DATES.checkpoint_1 and not before.overdue(BEFORE_CHECKPOINT)
    assert after.overdue(AFTER_CHECKPOINT) and "has passed" in after.meaning
    assert after.ofqual_reason == OfqualReason.N4


def test_rule_not_confirmed_asks_the_head_of_centre_to_declare() -> None:
    facts = replace(READY, checkpoint_declared=False)
    s = status_of(facts, DATES, AFTER_CHECKPOINT)
    assert s.code == StatusCode.NOT_CONFIRMED and "head of centre" in s.action


def test_rule_not_confirmed_marks_learners_added_after_the_checkpoint() -> None:
    facts = replace(READY, checkpoint_expects=None, checkpoint_declared=False, added_late=True)
    assert "after the checkpoint" in status_of(facts, DATES, AFTER_CHECKPOINT).meaning
    assert expecting_result_flag(facts) == "YL"
    assert expecting_result_flag(READY) == "Y"


def test_rule_not_confirmed_does_not_apply_without_a_checkpoint_date() -> None:
    facts = replace(READY, checkpoint_expects=None, checkpoint_declared=False)
    assert status_of(facts, SeriesDates(), AFTER_CHECKPOINT).code == StatusCode.ON_TRACK


@pytest.mark.parametrize("sv", ["not_yet_sampled", "outstanding", "centre_action", ""])
def test_rule_sv_not_released_is_ofqual_l5(sv: str) -> None:
    s = status_of(replace(READY, sv_status=sv), DATES, AFTER_CHECKPOINT)
    assert (s.code, s.ofqual_reason, s.fix) == (StatusCode.SV_NOT_RELEASED, OfqualReason.L5,
                                                Fix.VERIFICATION)
    if sv == "centre_action":
        assert "Respond" in s.action


def test_rule_claim_not_made_is_ofqual_n3_and_late_after_the_deadline() -> None:
    facts = replace(READY, claimed=False)
    before = status_of(facts, DATES, AFTER_CHECKPOINT)
    after = status_of(facts, DATES, AFTER_CLAIM_DEADLINE)
    assert before.code == after.code == StatusCode.CLAIM_NOT_MADE
    assert before.ofqual_reason == OfqualReason.N3 and before.fix == Fix.CLAIM
    assert not before.overdue(AFTER_CHECKPOINT) and after.overdue(AFTER_CLAIM_DEADLINE)
    assert "not guaranteed on time" in after.meaning


def test_rule_claim_late_is_ofqual_l1() -> None:
    s = status_of(replace(READY, claim_late=True), DATES, AFTER_CLAIM_DEADLINE)
    assert (s.code, s.ofqual_reason) == (StatusCode.CLAIM_LATE, OfqualReason.L1)
    assert s.label == "Claim late: not guaranteed on time"


def test_rule_awaiting_external_needs_no_action_until_results_go_to_centres() -> None:
    facts = replace(READY, engine_complete=False, awaiting=("Unit 2 Marketing",))
    s = status_of(facts, DATES, AFTER_CLAIM_DEADLINE)
    assert s.code == StatusCode.AWAITING_EXTERNAL and not s.needs_action
    assert s.ofqual_reason is None
    late = status_of(facts, DATES, RESULTS_DAY)
    assert late.ofqual_reason == OfqualReason.L6 and "without it" in late.meaning


def test_every_rule_has_a_docstring_and_a_test() -> None:
    tested = {name for name in globals() if name.startswith("test_rule_")}
    for rule in RULES:
        assert rule.__doc__, rule.__name__
        assert any(t.startswith("test_" + rule.__name__) for t in tested), rule.__name__


def test_the_first_rule_that_applies_wins_and_every_issue_is_listed() -> None:
    facts = replace(READY, engine_complete=False, claimed=False, sv_status="outstanding",
                    internal_missing=("Unit 1 Exploring Business",),
                    entry_missing=("Unit 3 Finance",))
    codes = [s.code for s in issues_of(facts, DATES, AFTER_CHECKPOINT)]
    assert codes == [StatusCode.EXTERNAL_ENTRY_MISSING, StatusCode.INTERNAL_UNITS_MISSING,
                     StatusCode.SV_NOT_RELEASED, StatusCode.CLAIM_NOT_MADE]
    assert status_of(facts, DATES, AFTER_CHECKPOINT).code == codes[0]


def test_every_status_code_has_a_label() -> None:
    assert set(st.LABELS) == set(StatusCode)
    assert set(st.OFQUAL_LABELS) == set(OfqualReason)
