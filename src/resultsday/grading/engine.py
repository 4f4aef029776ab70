"""``grade()``: one request in, one explained outcome out. Pure apart from the default date.

The steps follow the specification (S1 p.352-354): score each unit (best attempt, retake cap,
external points), choose the counted units, check completeness and the must-pass and GLH rules,
add up the points, look up the cohort's threshold table, and, if the learner is not awarded,
try the smaller sizes of the same suite. Every rule is a named function in ``rules.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from resultsday.grading import rules
from resultsday.grading.catalogue import Catalogue, default_catalogue
from resultsday.grading.errors import GradeRequestError, NotConfiguredError
from resultsday.grading.grades import GRADE_NAMES, UNIT_GRADE_ORDER
from resultsday.grading.model import (
    PointsSuite,
    Score,
    Structure,
    Thresholds,
    UmsSuite,
    UnitDef,
)
from resultsday.grading.outcome import FallbackAward, NextGrade, Outcome, WhatIf
from resultsday.grading.request import GradeRequest, UnitRequest
from resultsday.grading.rules import Partition, Scored, Selection
from resultsday.grading.techawards import grade_ums

_TOP_RANK = len(UNIT_GRADE_ORDER) - 1

# The outcome records are NamedTuples; building one from a plain tuple with tuple.__new__ skips
# the generated Python __new__ (keyword handling), which costs more than the rest of a small
# record's work on the hot path. The tuples below list every field in declaration order
# (test_outcome.py::test_the_engine_builds_records_field_by_field checks they still match).
_record = tuple.__new__


@dataclass(slots=True)
class Evaluation:
    """The rules applied to one structure: what the outcome is made of."""

    structure: Structure
    thresholds: Thresholds
    selection: Selection
    complete: bool
    eligible: bool
    points: int
    glh_at_pass: int
    index: int  # in the threshold column; -1 is U
    reasons: list[str]

    @property
    def achieved(self) -> bool:
        return self.eligible and self.index >= 0

    @property
    def grade(self) -> str:
        return self.thresholds.grades[self.index] if self.achieved else "U"


def evaluate(
    structure: Structure,
    scored: Mapping[str, Score],
    pending: Collection[str],
    thresholds: Thresholds,
    *,
    explain: bool = True,
    split: Partition | None = None,
) -> Evaluation:
    """Apply the rules, in the order of S1 p.352, to one structure and the learner's scores.

    With ``explain=False`` (trial evaluations: fallback sizes, what-if regrading) the same rules
    decide the result but no reason text is built; ``reasons`` is then empty. ``split`` is the
    structure's ``rules.partition`` of the scores when the caller has it (``score_units``).
    """
    selection = rules.counted_units(structure, scored, pending, split)
    # the sums of glh_at_pass and points_total, and whether any unit is below its minimum
    # grade, as counted_units found them (test_selection_sums_are_the_rules checks them)
    at_pass = selection.glh_at_pass
    points = selection.points
    complete = not selection.missing and not selection.unreported_optional_glh
    if not explain:
        eligible = (
            complete and not selection.below_minimum and not rules.glh_at_pass_short(structure, at_pass)
        )
        index = thresholds.index_for(points) if complete else -1  # qualification_grade, no text
        return Evaluation(structure, thresholds, selection, complete, eligible, points, at_pass, index, [])
    reasons: list[str] = []
    if not complete:
        incomplete = rules.units_complete(selection)
        assert incomplete is not None
        reasons.append(incomplete)
    if selection.below_minimum:
        reasons.extend(rules.minimum_unit_grades(selection))
    if complete:
        short = rules.minimum_glh_at_pass(structure, selection, at_pass)
        if short:
            reasons.append(short)
    eligible = not reasons
    index = -1
    if complete:
        index, below = rules.qualification_grade(structure, thresholds, points)
        if below:
            reasons.append(below)
    return Evaluation(structure, thresholds, selection, complete, eligible, points, at_pass, index, reasons)


def score_units(
    structure: Structure, units: tuple[UnitRequest, ...], *, inline: bool
) -> tuple[dict[str, Score], set[str]]:
    """Each unit's best result, and the units listed without an outcome yet."""
    scored, pending, _ = score_and_partition(structure, units, inline=inline)
    return scored, pending


def score_and_partition(
    structure: Structure, units: tuple[UnitRequest, ...], *, inline: bool
) -> tuple[dict[str, Score], set[str], Partition]:
    """``score_units``, and the structure's ``rules.partition`` of the scores, built in the same pass.

    The partition lists the units in request order; everything read from it is independent of
    the order (test_partition_while_scoring_is_the_partition checks it against the rule's).
    """
    scored: dict[str, Score] = {}
    pending: set[str] = set()
    mandatory: list[Scored] = []
    candidates: list[Scored] = []
    points = at_pass = below = 0  # over the mandatory units, as rules.partition sums them
    get = structure.units.get
    suite = structure.suite
    check = not inline
    for i, unit in enumerate(units):
        uid = unit.id
        spec = get(uid)
        if spec is None:
            raise GradeRequestError(
                f"units[{i}].id", f"unit {uid} is not part of {structure.qn} {structure.title}"
            )
        if unit.has_structure and check:
            _check_matches_catalogue(unit, i, spec)
        # one plain grade: its table points; None otherwise (plain_rank -1 reads scores[-1], None)
        score = spec.scores[unit.plain_rank]
        if score is None:
            score = rules.best_attempt(spec, unit.attempts, suite, i)
            if score is None:
                pending.add(uid)
                continue
        scored[uid] = score
        if spec.mandatory:
            mandatory.append((spec, score))
            rank = score[0]
            points += score[1]
            at_pass += spec.glh_at_pass_by_rank[rank]
            below += spec.below_minimum_by_rank[rank]
        else:
            candidates.append((spec, score))
    if len(scored) + len(pending) != len(units) or not pending.isdisjoint(scored):
        _raise_duplicate(units)
    return scored, pending, Partition(mandatory, candidates, (points, at_pass, below))


def _raise_duplicate(units: tuple[UnitRequest, ...]) -> None:
    seen: set[str] = set()
    for i, unit in enumerate(units):
        if unit.id in seen:
            raise GradeRequestError(f"units[{i}].id", f"unit {unit.id} is listed twice")
        seen.add(unit.id)


def _check_matches_catalogue(unit: UnitRequest, index: int, spec: UnitDef) -> None:
    for field, given, known in (
        ("glh", unit.glh, spec.glh),
        ("assessment", unit.assessment, spec.assessment),
        ("mandatory", unit.mandatory, spec.mandatory),
    ):
        if given is not None and given != known:
            raise GradeRequestError(
                f"units[{index}].{field}",
                f"unit {unit.id} has {field} {known} in the catalogue, not {given}",
            )


_INLINE_CACHE_SIZE = 4096


def inline_structure(request: GradeRequest, catalogue: Catalogue) -> Structure:
    """Compile the structure a request gives inline (suite, size_glh and per-unit structure).

    Compiled structures are kept (bounded) on the catalogue: a cohort's requests repeat them.
    """
    key = (
        request.suite,
        request.size_glh,
        frozenset([(u.id, u.glh, u.assessment, u.mandatory, u.title) for u in request.units]),
    )
    cache = catalogue._inline_structures
    structure = cache.get(key)
    if structure is None:
        structure = _compile_inline(request, catalogue)
        if len(cache) >= _INLINE_CACHE_SIZE:
            cache.clear()
        cache[key] = structure
    return structure


def _compile_inline(request: GradeRequest, catalogue: Catalogue) -> Structure:
    assert request.suite is not None and request.size_glh is not None
    suite = catalogue.suites.get(request.suite)
    if suite is None:
        raise GradeRequestError("suite", f"no suite {request.suite!r} in the catalogue")
    if isinstance(suite, UmsSuite):
        raise NotConfiguredError(
            f"{suite.name}: UMS suites are graded per qualification (conversion tables and "
            "thresholds are per qualification and series); name a qualification",
            path="suite",
        )
    size = suite.sizes.get(request.size_glh)
    if size is None:
        raise GradeRequestError(
            "size_glh",
            f"{request.size_glh} is not a size of {suite.id} (sizes: "
            f"{', '.join(str(s) for s in sorted(suite.sizes))}); see the suite's gaps",
        )
    units = []
    for i, unit in enumerate(request.units):
        for field in ("glh", "assessment", "mandatory"):
            if getattr(unit, field) is None:
                raise GradeRequestError(
                    f"units[{i}].{field}", "required when the request gives the structure inline"
                )
        assert unit.glh is not None and unit.assessment is not None and unit.mandatory is not None
        try:
            units.append(
                suite.unit(
                    id=unit.id,
                    title=unit.title or "",
                    glh=unit.glh,
                    assessment=unit.assessment,
                    mandatory=unit.mandatory,
                )
            )
        except KeyError:
            raise GradeRequestError(
                f"units[{i}].glh",
                f"{suite.id} has no points for {unit.glh}-GLH {unit.assessment} units",
            ) from None
    mandatory_glh = sum(u.glh for u in units if u.mandatory)
    if mandatory_glh > size.glh:
        raise GradeRequestError(
            "units", f"mandatory units make {mandatory_glh} GLH, more than size_glh {size.glh}"
        )
    return Structure.build(
        suite=suite,
        size=size,
        qn=None,
        title=f"{suite.name}, {size.name} (inline structure)",
        units=units,
        optional_glh=size.glh - mandatory_glh,
    )


def fallback(
    catalogue: Catalogue,
    evaluation: Evaluation,
    scored: Mapping[str, Score],
    pending: Collection[str],
    registered_on: date,
) -> FallbackAward | None:
    """A learner who does not meet the requirements may be awarded a smaller qualification in the same suite
    if they have completed and achieved its units and reached its threshold (S1 p.352; N2 p.86).

    Assumption (the detailed selection logic is UNKNOWN): the smaller sizes of the same sector
    are tried in the suite's fallback order, largest first, each with its own structure and
    threshold table; the first achieved is awarded. Only catalogue qualifications can be.
    """
    structure = evaluation.structure
    if structure.qn is None or not evaluation.complete or evaluation.achieved:
        return None
    for qualification in catalogue.fallbacks_for(structure.qn):
        smaller = qualification.structure
        assert smaller is not None
        thresholds = rules.threshold_table(smaller.suite, smaller.size.glh, qualification.qn, registered_on)
        result = evaluate(smaller, scored, pending, thresholds, explain=False)
        if result.achieved:
            return FallbackAward(
                qualification=qualification.qn,
                title=qualification.title,
                size_glh=smaller.size.glh,
                grade=result.grade,
                points=result.points,
            )
    return None


def what_if(
    evaluation: Evaluation, scored: Mapping[str, Score], pending: Collection[str]
) -> tuple[WhatIf, ...]:
    """The smallest single-unit improvements that reach the next grade, or an award for a learner not yet
    awarded (explanation, not a rule).

    For each unit with an outcome, the lowest higher grade that on its own reaches the target;
    an improved external unit is scored at its new grade's minimum points, and a unit whose
    result came from an internal retake cannot go above the retake cap. Sorted by the points
    the improvement gives, then by unit. Incomplete learners get none.
    """
    if not evaluation.complete:
        return ()
    structure = evaluation.structure
    if not evaluation.eligible:
        return _what_if_by_regrading(evaluation, scored, pending, _below_minimum(evaluation, scored))
    if evaluation.index + 1 >= len(evaluation.thresholds.minimums):
        return ()
    if not structure.uniform_optional:
        return _what_if_by_regrading(evaluation, scored, pending, tuple(structure.units.values()))
    return _what_if_by_points(evaluation)


def _highest_rank(unit: UnitDef, score: Score, suite: PointsSuite) -> int:
    # a unit whose result came from a retake can only be improved up to the retake cap
    return suite.retake_cap.get(unit.assessment, _TOP_RANK) if score[2] else _TOP_RANK


def _what_if_by_points(evaluation: Evaluation) -> tuple[WhatIf, ...]:
    # Exact when whole optional units of one size fill the size: raising a counted unit adds
    # its points gain; raising an uncounted optional unit swaps out the weakest counted
    # optional unit (whose points it must beat, so it moves up a grade). Neither can break an
    # eligibility rule, so only the total matters: each unit's smallest improvement is the
    # lowest grade worth at least (its base + the points needed), read from a lookup table.
    # test_what_if_by_points_matches_regrading checks this against _what_if_by_regrading.
    selection = evaluation.selection
    thresholds = evaluation.thresholds
    points = evaluation.points
    needed = thresholds.minimums[evaluation.index + 1] - points
    by_points = thresholds.grade_by_points  # the grade of every total up to the top threshold
    top = len(by_points) - 1
    top_grade = by_points[top]
    names = GRADE_NAMES
    # (qualification points, unit order, the improvement): sorted on the first two
    found: list[tuple[int, tuple[int, int, str], WhatIf]] = []
    retakes = False
    for unit, (rank, base, retook) in selection.scores:
        if retook:
            retakes = True
            continue  # below, with the retake cap
        wanted = base + needed
        if wanted <= unit.top_points:  # else not even the top grade would do
            total = points + unit.points_reaching[wanted] - base
            better = names[unit.rank_reaching[wanted]]
            grade = by_points[total] if total <= top else top_grade
            found.append((total, unit.order, _record(WhatIf, (unit.id, names[rank], better, grade, total))))
    optional = selection.optional
    surplus = len(selection.candidates) > len(optional)
    if retakes or surplus:
        cap = evaluation.structure.suite.retake_cap
        options = [(unit, score, score[1]) for unit, score in selection.scores if score[2]]
        if surplus:
            weakest = min([score[1] for _, score in optional])
            chosen = {unit.id for unit, _ in optional}
            options += [(u, score, weakest) for u, score in selection.candidates if u.id not in chosen]
        for unit, (rank, _, retook), base in options:
            wanted = base + needed
            if wanted > unit.top_points:
                continue  # not even the top grade would do
            better_rank = unit.rank_reaching[wanted]
            if retook and better_rank > cap.get(unit.assessment, _TOP_RANK):
                continue
            total = points + unit.points_reaching[wanted] - base
            grade = by_points[total] if total <= top else top_grade
            what = _record(WhatIf, (unit.id, names[rank], names[better_rank], grade, total))
            found.append((total, unit.order, what))
    found.sort()  # by the points the improvement gives, then by unit (never equal)
    return tuple([what for _, _, what in found])


def _below_minimum(evaluation: Evaluation, scored: Mapping[str, Score]) -> tuple[UnitDef, ...]:
    # An ineligible learner is short of a minimum grade or of GLH at Pass: only a unit below
    # its minimum grade or below Pass can fix that (an uncounted optional unit that could
    # replace a failing one has no more points than it, so it is below Pass too). A failing
    # mandatory unit must itself improve, so with two of them no single improvement helps.
    failing = [u for u, score in evaluation.selection.scores if u.mandatory and score[0] < u.min_rank]
    if len(failing) > 1:
        return ()
    if failing:
        return (failing[0],)
    return tuple(
        u
        for u in evaluation.structure.units.values()
        if u.id in scored and (scored[u.id][0] < u.min_rank or scored[u.id][0] < u.pass_rank)
    )


def _what_if_by_regrading(
    evaluation: Evaluation,
    scored: Mapping[str, Score],
    pending: Collection[str],
    candidates: tuple[UnitDef, ...],
) -> tuple[WhatIf, ...]:
    structure = evaluation.structure

    def reached(result: Evaluation) -> bool:
        return result.achieved and (not evaluation.achieved or result.index > evaluation.index)

    found: list[tuple[int, tuple[int, int, str], str, int, int, str]] = []
    trial = dict(scored)
    for unit in candidates:
        score = scored.get(unit.id)
        if score is None:
            continue
        rank, points, retook = score
        for better in range(rank + 1, _highest_rank(unit, score, structure.suite) + 1):
            new_points = unit.points[better]
            if new_points is None:
                continue
            trial[unit.id] = (better, max(new_points, points), retook)
            result = evaluate(structure, trial, pending, evaluation.thresholds, explain=False)
            if reached(result):
                found.append((result.points, unit.order, unit.id, rank, better, result.grade))
                break
        trial[unit.id] = score
    found.sort()  # by the points the improvement gives, then by unit
    return tuple(
        [
            WhatIf(uid, GRADE_NAMES[rank], GRADE_NAMES[better], grade, total)
            for total, _, uid, rank, better, grade in found
        ]
    )


def grade(request: GradeRequest, catalogue: Catalogue | None = None) -> Outcome:
    """Grade one request: the qualification grade, the reasons, and what would change it.

    ``catalogue`` defaults to the shipped specifications. ``registered_on`` defaults to today.
    Raises ``GradeRequestError`` for an invalid request (naming the field) and
    ``NotConfiguredError`` when a number the grading needs is not configured.
    """
    catalogue = catalogue or default_catalogue()
    registered_on = request.registered_on or date.today()
    if request.qualification is not None:
        qualification = catalogue.qualifications.get(request.qualification)
        if qualification is None:
            raise GradeRequestError(
                "qualification", f"no qualification {request.qualification} in the catalogue"
            )
        if qualification.structure is None:
            return grade_ums(qualification, request, registered_on)
        structure = qualification.structure
        inline = False
    elif request.suite is None or request.size_glh is None:
        raise GradeRequestError(
            "qualification", "give a qualification (QN), or a suite and size_glh with the units"
        )
    else:
        structure = inline_structure(request, catalogue)
        inline = True
    suite: PointsSuite = structure.suite
    thresholds = rules.threshold_table(suite, structure.size.glh, structure.qn, registered_on)
    scored, pending, split = score_and_partition(structure, request.units, inline=inline)
    evaluation = evaluate(structure, scored, pending, thresholds, split=split)
    eligible = evaluation.eligible
    complete = evaluation.complete
    points = evaluation.points
    achieved = eligible and evaluation.index >= 0
    next_grade: NextGrade | None = None
    if eligible and complete:
        next_grade = rules.next_grade(thresholds, evaluation.index, points)
    fallen_back = (
        None if achieved else fallback(catalogue, evaluation, scored, pending, registered_on)
    )
    return _record(
        Outcome,
        (
            thresholds.grades[evaluation.index] if achieved else "U",  # grade
            points,
            eligible,
            complete,
            tuple(evaluation.reasons),
            evaluation.selection.counted_ids(structure),
            evaluation.glh_at_pass,
            next_grade,
            fallen_back,  # fallback
            what_if(evaluation, scored, pending),
            structure.qn,  # qualification
            structure.title,
            suite.id,
            structure.size.glh,
            registered_on,
            thresholds.table_id,  # thresholds
        ),
    )
