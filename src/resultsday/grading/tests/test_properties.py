"""Properties of grading that must hold for every learner (hypothesis)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resultsday.grading import (
    Attempt,
    GradeRequest,
    Outcome,
    UnitGrade,
    UnitRequest,
    default_catalogue,
    engine,
    grade,
    rules,
)
from resultsday.grading.grades import RANK, Assessment
from resultsday.grading.model import Qualification

CATALOGUE = default_catalogue()
QUALIFICATIONS = sorted(
    (q for q in CATALOGUE.qualifications.values() if q.structure is not None), key=lambda q: q.qn
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ON = date(2023, 9, 1)

EXTERNAL_GRADES = [UnitGrade.U, UnitGrade.N, UnitGrade.P, UnitGrade.M, UnitGrade.D]
INTERNAL_GRADES = [UnitGrade.U, UnitGrade.P, UnitGrade.M, UnitGrade.D]


def grades_for(external: bool) -> list[UnitGrade]:
    return EXTERNAL_GRADES if external else INTERNAL_GRADES


@st.composite
def learners(draw: st.DrawFn) -> tuple[Qualification, dict[str, UnitGrade]]:
    """A catalogue qualification and a complete set of plain unit grades (some surplus optionals)."""
    qualification = draw(st.sampled_from(QUALIFICATIONS))
    structure = qualification.structure
    assert structure is not None
    wanted = structure.optional_glh // (structure.optional_unit_glh or 1)
    extra = draw(st.integers(0, min(2, len(structure.optional) - wanted)))
    optional = draw(st.permutations(structure.optional))[: wanted + extra]
    grades = {}
    for unit in (*structure.mandatory, *optional):
        choices = grades_for(unit.assessment is Assessment.EXTERNAL)
        grades[unit.id] = draw(st.sampled_from(choices))
    return qualification, grades


@st.composite
def rich_learners(draw: st.DrawFn) -> GradeRequest:
    """Like ``learners`` but with resits, internal retakes, external points and missing results."""
    qualification, grades = draw(learners())
    structure = qualification.structure
    assert structure is not None
    units = []
    for uid, grade_ in grades.items():
        unit = structure.units[uid]
        kind = draw(st.sampled_from(["plain", "plain", "plain", "resit", "retake", "points", "missing"]))
        if kind == "missing" and draw(st.booleans()):
            units.append(UnitRequest(uid))
        elif kind == "resit":
            other = draw(st.sampled_from(grades_for(unit.assessment is Assessment.EXTERNAL)))
            units.append(UnitRequest(uid, (Attempt(grade_), Attempt(other))))
        elif kind == "retake" and unit.assessment is Assessment.INTERNAL:
            units.append(UnitRequest(uid, (Attempt(UnitGrade.U), Attempt(grade_, retake=True))))
        elif kind == "points" and unit.assessment is Assessment.EXTERNAL and grade_ is not UnitGrade.U:
            rank = RANK[grade_]
            low = unit.points[rank] or 0
            high = unit.points[rank + 1] - 1 if rank < 4 and unit.points[rank + 1] else low
            units.append(UnitRequest(uid, (Attempt(grade_, points=draw(st.integers(low, high))),)))
        else:
            units.append(UnitRequest(uid, (Attempt(grade_),)))
    return GradeRequest(tuple(units), qualification=qualification.qn, registered_on=ON)


def request_for(qualification: Qualification, grades: dict[str, UnitGrade]) -> GradeRequest:
    units = tuple(UnitRequest(uid, (Attempt(grade),)) for uid, grade in grades.items())
    return GradeRequest(units, qualification=qualification.qn, registered_on=ON)


def standing(outcome: Outcome) -> int:
    """Position of the outcome's grade in its threshold column; -1 for U."""
    suite = CATALOGUE.points_suite(outcome.suite)
    thresholds = rules.threshold_table(suite, outcome.size_glh or 0, outcome.qualification, ON)
    return thresholds.grades.index(outcome.grade) if outcome.grade != "U" else -1


@SETTINGS
@given(learners(), st.data())
def test_raising_any_unit_grade_never_lowers_the_qualification_grade(
    learner: tuple[Qualification, dict[str, UnitGrade]], data: st.DataObject
) -> None:
    qualification, grades = learner
    unit_id = data.draw(st.sampled_from(sorted(grades)))
    structure = qualification.structure
    assert structure is not None
    choices = grades_for(structure.units[unit_id].assessment is Assessment.EXTERNAL)
    higher = data.draw(st.sampled_from([g for g in choices if RANK[g] >= RANK[grades[unit_id]]]))
    before = grade(request_for(qualification, grades))
    after = grade(request_for(qualification, {**grades, unit_id: higher}))
    assert standing(after) >= standing(before)
    assert after.points >= before.points


@SETTINGS
@given(learners(), st.randoms(use_true_random=False))
def test_unit_order_never_matters(
    learner: tuple[Qualification, dict[str, UnitGrade]], random: object
) -> None:
    qualification, grades = learner
    shuffled = list(grades.items())
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert grade(request_for(qualification, dict(shuffled))) == grade(request_for(qualification, grades))


@SETTINGS
@given(learners())
def test_the_outcome_json_round_trips(learner: tuple[Qualification, dict[str, UnitGrade]]) -> None:
    outcome = grade(request_for(*learner))
    assert Outcome.from_json(outcome.to_json()) == outcome


@SETTINGS
@given(learners())
def test_points_are_the_sum_over_the_counted_units(
    learner: tuple[Qualification, dict[str, UnitGrade]],
) -> None:
    qualification, grades = learner
    structure = qualification.structure
    assert structure is not None
    outcome = grade(request_for(qualification, grades))
    expected = sum(
        structure.units[uid].points[RANK[grades[uid]]] or 0 for uid in outcome.counted_units if uid in grades
    )
    assert outcome.points == expected
    optional_glh = sum(
        structure.units[uid].glh for uid in outcome.counted_units if not structure.units[uid].mandatory
    )
    assert optional_glh == structure.optional_glh


@SETTINGS
@given(rich_learners())
def test_what_if_by_points_matches_regrading(request: GradeRequest) -> None:
    assert request.qualification is not None
    structure = CATALOGUE.qualification(request.qualification).structure
    assert structure is not None
    scored, pending = engine.score_units(structure, request.units, inline=False)
    thresholds = rules.threshold_table(structure.suite, structure.size.glh, structure.qn, ON)
    evaluation = engine.evaluate(structure, scored, pending, thresholds)
    everything = tuple(structure.units.values())
    oracle = (
        engine._what_if_by_regrading(evaluation, scored, pending, everything) if evaluation.complete else ()
    )
    assert engine.what_if(evaluation, scored, pending) == oracle


@SETTINGS
@given(learners())
def test_every_what_if_reaches_its_grade_and_grading_by_structure_agrees(
    learner: tuple[Qualification, dict[str, UnitGrade]],
) -> None:
    qualification, grades = learner
    structure = qualification.structure
    assert structure is not None
    outcome = grade(request_for(qualification, grades))
    for what_if in outcome.what_if:
        improved = grade(request_for(qualification, {**grades, what_if.unit: UnitGrade(what_if.to_grade)}))
        assert (improved.grade, improved.points) == (what_if.grade, what_if.points)
    inline = GradeRequest(
        tuple(
            UnitRequest.graded(
                uid,
                g,
                glh=structure.units[uid].glh,
                assessment=structure.units[uid].assessment,
                mandatory=structure.units[uid].mandatory,
            )
            for uid, g in grades.items()
        ),
        suite=structure.suite.id,
        size_glh=structure.size.glh,
        registered_on=ON,
    )
    by_structure = grade(inline)
    assert (by_structure.grade, by_structure.points, by_structure.eligible) == (
        outcome.grade,
        outcome.points,
        outcome.eligible,
    )


def _selection_facts(selection: rules.Selection) -> tuple[object, ...]:
    # what the engine reads from a selection; the order of the units in ``scores`` is not read
    # (messages name units in unit order, what-if sorts its findings)
    def ids(scores: list[rules.Scored]) -> list[str]:
        return sorted(unit.id for unit, _ in scores)

    return (
        sorted((unit.id, score) for unit, score in selection.scores),
        [unit.id for unit, _ in selection.optional],  # in unit order
        ids(selection.candidates),
        [unit.id for unit in selection.missing],
        selection.unreported_optional_glh,
        selection.points,
        selection.glh_at_pass,
        selection.below_minimum,
    )


@SETTINGS
@given(rich_learners())
def test_selection_sums_are_the_rules(request: GradeRequest) -> None:
    """counted_units sums points, GLH at Pass and units below minimum as it counts (fast path)."""
    assert request.qualification is not None
    registered = CATALOGUE.qualification(request.qualification).structure
    assert registered is not None
    scored, pending = engine.score_units(registered, request.units, inline=False)
    for qualification in (
        CATALOGUE.qualification(request.qualification),
        *CATALOGUE.fallbacks_for(request.qualification),
    ):
        structure = qualification.structure
        assert structure is not None
        selection = rules.counted_units(structure, scored, pending)
        assert selection.points == rules.points_total(selection)
        assert selection.glh_at_pass == rules.glh_at_pass(selection)
        assert selection.below_minimum == len(rules.below_minimum_grades(selection))
        assert selection.complete == (rules.units_complete(selection) is None)


@SETTINGS
@given(rich_learners())
def test_partition_while_scoring_is_the_partition(request: GradeRequest) -> None:
    """score_and_partition's partition (request order) selects and grades as rules.partition does."""
    assert request.qualification is not None
    structure = CATALOGUE.qualification(request.qualification).structure
    assert structure is not None
    scored, pending, split = engine.score_and_partition(structure, request.units, inline=False)
    reference = rules.partition(structure, scored)
    assert split.sums == reference.sums
    assert sorted(u.id for u, _ in split.mandatory) == sorted(u.id for u, _ in reference.mandatory)
    assert sorted((u.id, s) for u, s in split.candidates) == sorted((u.id, s) for u, s in reference.candidates)
    fast = rules.counted_units(structure, scored, pending, split)
    assert _selection_facts(fast) == _selection_facts(rules.counted_units(structure, scored, pending))
    thresholds = rules.threshold_table(structure.suite, structure.size.glh, structure.qn, ON)
    _, _, split = engine.score_and_partition(structure, request.units, inline=False)
    with_split = engine.evaluate(structure, scored, pending, thresholds, split=split)
    without = engine.evaluate(structure, scored, pending, thresholds)
    assert with_split.reasons == without.reasons
    assert (with_split.points, with_split.index, with_split.eligible) == (
        without.points,
        without.index,
        without.eligible,
    )


@SETTINGS
@given(rich_learners())
def test_trial_evaluation_decides_as_the_explained_one(request: GradeRequest) -> None:
    """evaluate(explain=False), used for fallback sizes and what-if trials, builds no text only."""
    assert request.qualification is not None
    registered = CATALOGUE.qualification(request.qualification).structure
    assert registered is not None
    scored, pending = engine.score_units(registered, request.units, inline=False)
    for qualification in (
        CATALOGUE.qualification(request.qualification),
        *CATALOGUE.fallbacks_for(request.qualification),
    ):
        structure = qualification.structure
        assert structure is not None
        thresholds = rules.threshold_table(structure.suite, structure.size.glh, structure.qn, ON)
        full = engine.evaluate(structure, scored, pending, thresholds)
        trial = engine.evaluate(structure, scored, pending, thresholds, explain=False)
        assert trial.reasons == []
        assert (trial.complete, trial.eligible, trial.points, trial.glh_at_pass, trial.index) == (
            full.complete,
            full.eligible,
            full.points,
            full.glh_at_pass,
            full.index,
        )
