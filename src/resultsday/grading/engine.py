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
    Structure,
    Thresholds,
    UmsSuite,
    UnitDef,
)
from resultsday.grading.outcome import FallbackAward, Outcome, WhatIf
from resultsday.grading.request import GradeRequest, UnitRequest
from resultsday.grading.rules import Score, Selection
from resultsday.grading.techawards import grade_ums

_TOP_RANK = len(UNIT_GRADE_ORDER) - 1


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
) -> Evaluation:
    """Apply the rules, in the order of S1 p.352, to one structure and the learner's scores."""
    selection = rules.counted_units(structure, scored, pending)
    reasons: list[str] = []
    incomplete = rules.units_complete(selection)
    if incomplete:
        reasons.append(incomplete)
    reasons.extend(rules.minimum_unit_grades(selection))
    at_pass = rules.glh_at_pass(selection)
    complete = incomplete is None
    if complete:
        short = rules.minimum_glh_at_pass(structure, selection, at_pass)
        if short:
            reasons.append(short)
    eligible = not reasons
    points = rules.points_total(selection)
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
    scored: dict[str, Score] = {}
    pending: set[str] = set()
    defs = structure.units
    suite = structure.suite
    for i, unit in enumerate(units):
        spec = defs.get(unit.id)
        if spec is None:
            raise GradeRequestError(
                f"units[{i}].id", f"unit {unit.id} is not part of {structure.qn} {structure.title}"
            )
        if unit.has_structure and not inline:
            _check_matches_catalogue(unit, i, spec)
        rank = unit.plain_rank
        if rank >= 0 and (points := spec.points[rank]) is not None:
            scored[unit.id] = (rank, points, False)  # one plain grade: its table points
            continue
        score = rules.best_attempt(spec, unit.attempts, suite, i)
        if score is None:
            pending.add(unit.id)
        else:
            scored[unit.id] = score
    if len(scored) + len(pending) != len(units) or not pending.isdisjoint(scored):
        _raise_duplicate(units)
    return scored, pending


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
        result = evaluate(smaller, scored, pending, thresholds)
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
    cap = evaluation.structure.suite.retake_cap
    options = [(unit, score, score[1]) for unit, score in selection.scores]
    optional = selection.optional
    if len(selection.candidates) > len(optional):
        weakest = min([score[1] for _, score in optional])
        chosen = {unit.id for unit, _ in optional}
        options += [(u, score, weakest) for u, score in selection.candidates if u.id not in chosen]
    found: list[tuple[int, tuple[int, int, str], str, int, int]] = []
    for unit, (rank, _, retook), base in options:
        wanted = base + needed
        if wanted > unit.top_points:
            continue  # not even the top grade would do
        better = unit.rank_reaching[wanted]
        if retook and better > cap.get(unit.assessment, _TOP_RANK):
            continue
        new_points = unit.points[better]
        assert new_points is not None
        found.append((points + new_points - base, unit.order, unit.id, rank, better))
    found.sort()  # by the points the improvement gives, then by unit
    grade_for = thresholds.grade_for
    return tuple(
        [
            WhatIf(uid, GRADE_NAMES[rank], GRADE_NAMES[better], grade_for(total), total)
            for total, _, uid, rank, better in found
        ]
    )


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
            result = evaluate(structure, trial, pending, evaluation.thresholds)
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
    scored, pending = score_units(structure, request.units, inline=inline)
    evaluation = evaluate(structure, scored, pending, thresholds)
    return Outcome(
        grade=evaluation.grade,
        points=evaluation.points,
        eligible=evaluation.eligible,
        complete=evaluation.complete,
        reasons=tuple(evaluation.reasons),
        counted_units=evaluation.selection.counted_ids(structure),
        glh_at_pass=evaluation.glh_at_pass,
        next_grade=(
            rules.next_grade(thresholds, evaluation.index, evaluation.points)
            if evaluation.eligible and evaluation.complete
            else None
        ),
        fallback=fallback(catalogue, evaluation, scored, pending, registered_on),
        what_if=what_if(evaluation, scored, pending),
        qualification=structure.qn,
        title=structure.title,
        suite=suite.id,
        size_glh=structure.size.glh,
        registered_on=registered_on,
        thresholds=thresholds.table_id,
    )
