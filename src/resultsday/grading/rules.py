"""The grading rules of points-based suites (BTEC Nationals 2016), one named function each.

Each rule's docstring is the rule text with its source (ids from the reference notes; see the
suite file's ``sources``); a rule that fails returns a message built from that text by
``failure()``, naming the rule and the units. The numbers a rule uses (points, thresholds,
minimum grades, GLH minimums) are suite data, compiled into ``model.py`` lookup tables.

A unit's result is a ``Score`` (``model.Score``): ``(grade rank, points, came from a retake)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from resultsday.grading.boundaries import BoundaryError, convert_mark
from resultsday.grading.errors import GradeRequestError, NotConfiguredError
from resultsday.grading.grades import GRADE_NAMES, RANK, Assessment
from resultsday.grading.model import PointsSuite, Score, Structure, Thresholds, UnitDef
from resultsday.grading.outcome import NextGrade
from resultsday.grading.request import Attempt


@functools.cache
def statement(rule: Callable[..., Any]) -> str:
    """The rule text: the first paragraph of the rule's docstring, on one line."""
    doc = inspect.getdoc(rule) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def failure(rule: Callable[..., Any], detail: str) -> str:
    """A failure message naming the rule, what failed, and the rule text."""
    return f"{rule.__name__.replace('_', ' ')}: {detail}. Rule: {statement(rule)}"


def _units(ids: Sequence[str]) -> str:
    return f"unit {ids[0]}" if len(ids) == 1 else f"units {', '.join(ids)}"


# --- one unit's result ---------------------------------------------------------------------


def retake_cap(unit: UnitDef, rank: int, suite: PointsSuite) -> int:
    """A retake of an internally assessed unit can only achieve a Pass (S1 p.342).

    The cap is suite data (``retake_cap``); external resits are not capped, the best attempt
    counts instead.
    """
    cap = suite.retake_cap.get(unit.assessment)
    return cap if cap is not None and rank > cap else rank


def external_points(unit: UnitDef, attempt: Attempt, path: str, suite: PointsSuite) -> Score:
    """An external unit's points are at least the minimum for its grade and below the next grade's minimum;
    from a raw mark they come from the sliding scale between the grade boundaries (S1 p.353; S2).

    The sliding scale is the suite's named interpolation rule (``linear_floor``); the points
    table gives each grade's minimum. Internal units always score exactly the table value.
    """
    if unit.assessment is not Assessment.EXTERNAL:
        field = "raw_mark" if attempt.raw_mark is not None else "points"
        raise GradeRequestError(
            f"{path}.{field}",
            f"{unit.label()} is internally assessed: give its grade only (internal units "
            "score exactly the table points for their grade)",
        )
    if attempt.raw_mark is not None:
        if attempt.boundaries is None:
            raise GradeRequestError(f"{path}.boundaries", "required with raw_mark")
        try:
            result = convert_mark(attempt.raw_mark, attempt.boundaries, unit.points, suite.interpolate)
        except BoundaryError as exc:
            raise GradeRequestError(f"{path}.raw_mark", str(exc)) from None
        return (RANK[result.grade], result.points, False)
    points = attempt.points
    assert points is not None
    band = max(r for r, minimum in enumerate(unit.points) if minimum is not None and minimum <= points)
    if attempt.grade is not None and RANK[attempt.grade] != band:
        rank = RANK[attempt.grade]
        lowest = unit.points[rank]
        if lowest is None:
            raise GradeRequestError(
                f"{path}.grade", f"grade {attempt.grade} does not exist for {unit.label()}"
            )
        above = [p for p in unit.points[rank + 1 :] if p is not None]
        band_text = f"{lowest} to {above[0] - 1}" if above else f"{lowest} or more"
        raise GradeRequestError(
            f"{path}.points",
            f"{points} points is outside the {attempt.grade} band ({band_text}) of a "
            f"{unit.glh}-GLH external unit",
        )
    return (band, points, False)


def best_attempt(unit: UnitDef, attempts: Sequence[Attempt], suite: PointsSuite, index: int) -> Score | None:
    """Where a unit has been attempted more than once, the best result counts (S1 p.335; S16).

    "Best" is the most points, then the highest grade. A unit with no graded attempt has no
    outcome yet (None). ``index`` is the unit's position in the request, for error paths.
    (``engine.score_units`` scores a single plain grade directly, without calling this.)
    """
    best: Score | None = None
    for j, attempt in enumerate(attempts):
        here = f"units[{index}]" if len(attempts) == 1 else f"units[{index}].attempts[{j}]"
        grade = attempt.grade
        if attempt.points is not None or attempt.raw_mark is not None:
            score = external_points(unit, attempt, here, suite)
        elif grade is None:
            continue
        else:
            rank = RANK[grade]
            if unit.points[rank] is None:
                raise GradeRequestError(f"{here}.grade", _no_such_grade(unit, grade, suite))
            if attempt.retake:
                rank = retake_cap(unit, rank, suite)
            points = unit.points[rank]
            assert points is not None
            score = (rank, points, attempt.retake)
        if best is None or score[1] > best[1] or (score[1] == best[1] and score[0] > best[0]):
            best = score
    return best


def _no_such_grade(unit: UnitDef, grade: str, suite: PointsSuite) -> str:
    message = f"grade {grade} does not exist for {unit.assessment} units in {suite.id}"
    if grade == "N":
        message += " (Near Pass is used only for externally assessed units, S1 p.336)"
    return message


# --- which units count ---------------------------------------------------------------------


Scored = tuple[UnitDef, Score]


@dataclass(slots=True)
class Selection:
    """The counted units, and what stops the combination from being complete.

    ``counted_units`` also sums, as it counts the units, what the eligibility and points rules
    read: ``points`` (= ``points_total``), ``glh_at_pass`` (= ``glh_at_pass``) and
    ``below_minimum`` (= the number of units ``below_minimum_grades`` lists), so the engine
    does not walk the units again; test_properties.py checks the sums against the rules.
    """

    scores: list[Scored]  # the counted units that have an outcome, with it
    optional: list[Scored]  # the chosen optional units, with their outcomes
    candidates: list[Scored]  # every optional unit with an outcome (chosen or not)
    missing: list[UnitDef]  # units needed for a complete combination without an outcome
    unreported_optional_glh: int  # optional GLH still needed beyond the units named in missing
    points: int = 0  # the sum of the counted units' points
    glh_at_pass: int = 0  # the counted units' GLH at Pass (or N for external units) or above
    below_minimum: int = 0  # how many counted units are below their minimum grade

    @property
    def complete(self) -> bool:
        """Whether every unit of the combination has an outcome (see ``units_complete``)."""
        return not self.missing and not self.unreported_optional_glh

    def counted_ids(self, structure: Structure) -> tuple[str, ...]:
        """Ids of the counted units: every mandatory unit, then the chosen optional units."""
        return structure.mandatory_ids + tuple([unit.id for unit, _ in self.optional])


@dataclass(slots=True)
class Partition:
    """A structure's units with an outcome, split by status, with the mandatory units' sums.

    ``partition`` builds it from the scores; ``engine.score_units`` builds the registered
    structure's while it scores the units (its units in request order, not unit order).
    ``counted_units`` consumes it (it extends ``mandatory``).
    """

    mandatory: list[Scored]  # the mandatory units with an outcome
    candidates: list[Scored]  # the optional units with an outcome
    sums: tuple[int, int, int]  # Selection's sums (points, GLH at Pass, below minimum) over mandatory


def partition(structure: Structure, scored: Mapping[str, Score]) -> Partition:
    """Split the units of ``structure`` that have a score into mandatory and optional ones."""
    found: list[Scored] = []
    points = at_pass = below = 0
    get = scored.get
    for unit in structure.mandatory:
        score = get(unit.id)
        if score is not None:
            found.append((unit, score))
            rank = score[0]
            points += score[1]
            at_pass += unit.glh_at_pass_by_rank[rank]  # glh if rank >= unit.pass_rank
            below += unit.below_minimum_by_rank[rank]  # 1 if rank < unit.min_rank
    optional = structure.optional_units.get
    candidates = [(option, score) for uid, score in scored.items() if (option := optional(uid)) is not None]
    return Partition(found, candidates, (points, at_pass, below))


def counted_units(
    structure: Structure,
    scored: Mapping[str, Score],
    pending: Collection[str],
    split: Partition | None = None,
) -> Selection:
    """The qualification is graded on the mandatory units plus the optional units with the highest grades
    that make up the size, subject to eligibility (S1 p.352; N2 p.86).

    Among the optional units with an outcome, those with the most points are counted (ties:
    the one that meets its minimum grade and is at Pass, then the lower unit number), until
    their GLH make up the optional GLH the size needs. When optional units differ in size, the
    exact combination is found by a small dynamic programme that prefers, in order: meeting
    every minimum grade, the size's GLH-at-Pass minimum, more points, more GLH at Pass.
    ``split`` is ``partition(structure, scored)`` when the caller already has it.
    """
    if split is None:
        split = partition(structure, scored)
    scores = split.mandatory  # the mandatory units first (in unit order only from partition())
    points, at_pass, below = split.sums
    missing: list[UnitDef] = []
    if len(scores) < len(structure.mandatory):
        missing = [unit for unit in structure.mandatory if unit.id not in scored]
    need = structure.optional_glh
    chosen: list[Scored] = []
    candidates: list[Scored] = []
    short = 0
    if need:
        candidates = split.candidates
        glh = structure.optional_unit_glh
        if structure.uniform_optional and glh is not None:
            wanted = need // glh
            if len(candidates) > wanted:
                chosen = sorted(candidates, key=_preference)[:wanted]
            else:
                chosen = candidates[:]
            short = need - glh * len(chosen)
        else:
            chosen, short = _select_mixed(structure, candidates, scored)
        chosen.sort(key=_order)
        scores.extend(chosen)
        for unit, (rank, unit_points, _) in chosen:
            points += unit_points
            at_pass += unit.glh_at_pass_by_rank[rank]  # glh if rank >= unit.pass_rank
            below += unit.below_minimum_by_rank[rank]  # 1 if rank < unit.min_rank
    unreported = 0
    if short:
        # Optional units listed without a result are named when all of them are needed; when
        # more are listed than needed (a calculator sends every unit), which will count is open.
        waiting = [u for u in structure.optional if u.id in pending]
        waiting_glh = sum(u.glh for u in waiting)
        if waiting_glh <= short:
            missing.extend(waiting)
            short -= waiting_glh
        unreported = short
    return Selection(
        scores=scores,
        optional=chosen,
        candidates=candidates,
        missing=missing,
        unreported_optional_glh=unreported,
        points=points,
        glh_at_pass=at_pass,
        below_minimum=below,
    )


def _preference(item: Scored) -> tuple[int, bool, bool, tuple[int, int, str]]:
    unit, (rank, points, _) = item
    return (-points, rank < unit.min_rank, rank < unit.pass_rank, unit.order)


def _order(item: Scored) -> tuple[int, int, str]:
    return item[0].order


def _reported(item: Scored) -> tuple[bool, tuple[int, int, str]]:
    # the order units are named in: the mandatory units, then the optional ones, by unit
    return (not item[0].mandatory, item[0].order)


def _select_mixed(
    structure: Structure, candidates: list[Scored], scored: Mapping[str, Score]
) -> tuple[list[Scored], int]:
    need = structure.optional_glh
    # state (GLH used, GLH at Pass) -> (minimum grades met, points, units chosen)
    states: dict[tuple[int, int], tuple[int, int, tuple[Scored, ...]]] = {(0, 0): (0, 0, ())}
    for unit, score in sorted(candidates, key=_order):
        rank, points, _ = score
        at_pass = unit.glh if rank >= unit.pass_rank else 0
        meets = 1 if rank >= unit.min_rank else 0
        for (used, passed), (met, total, units) in list(states.items()):
            if used + unit.glh > need:
                continue
            key = (used + unit.glh, passed + at_pass)
            option = (met + meets, total + points, (*units, (unit, score)))
            current = states.get(key)
            if current is None or option[:2] > current[:2]:
                states[key] = option
    mandatory_at_pass = sum(
        u.glh for u in structure.mandatory if u.id in scored and scored[u.id][0] >= u.pass_rank
    )
    minimum = structure.size.min_glh_at_pass or 0
    full = [(passed, value) for (used, passed), value in states.items() if used == need]
    if full:
        passed, (_, _, units) = max(
            full,
            key=lambda item: (
                item[1][0] == len(item[1][2]),
                mandatory_at_pass + item[0] >= minimum,
                item[1][1],
                item[0],
            ),
        )
        return list(units), 0
    most = max(used for used, _ in states)
    best = max((v for (used, _), v in states.items() if used == most), key=lambda v: v[:2])
    return list(best[2]), need - most


# --- eligibility ---------------------------------------------------------------------------


def units_complete(selection: Selection) -> str | None:
    """Every unit in a valid combination must be completed and have an outcome (D, M, P, N or U) (S1 p.352;
    N2 p.86).
    """
    parts = []
    if selection.missing:
        parts.append(f"{_units([u.id for u in selection.missing])} missing")
    if selection.unreported_optional_glh:
        parts.append(f"{selection.unreported_optional_glh} GLH of optional units without a result")
    if not parts:
        return None
    return failure(units_complete, "not yet complete: " + " and ".join(parts))


def minimum_unit_grades(selection: Selection) -> list[str]:
    """Every external unit must be at Near Pass (N) or above and every mandatory internal unit at Pass (P) or
    above, unless the size's specification says otherwise (S1 p.12, p.352; N2 p.86).

    The minimum grades are suite data (``eligibility.minimum_unit_grades``), applied to each
    counted unit by its assessment type and mandatory/optional status.
    """
    failures = []
    for unit, (rank, _, _) in sorted(below_minimum_grades(selection), key=_reported):
        assert unit.min_rule is not None  # a unit with no rule has min_rank 0
        status = "mandatory" if unit.mandatory else "optional"
        failures.append(
            failure(
                minimum_unit_grades,
                f"{unit.label()} ({status} {unit.assessment}) is {GRADE_NAMES[rank]}; "
                f"{unit.min_rule.describe()} [{unit.min_rule.source}]",
            )
        )
    return failures


def below_minimum_grades(selection: Selection) -> list[Scored]:
    """The counted units below the minimum grade that ``minimum_unit_grades`` sets for them."""
    return [(unit, score) for unit, score in selection.scores if score[0] < unit.min_rank]


def glh_at_pass(selection: Selection) -> int:
    """A counted unit's GLH are "at Pass" when it is at Pass or above, or at Near Pass or above for an
    external unit (S1 p.352).

    The grade that counts is suite data (``eligibility.counts_as_pass``).
    """
    return sum([unit.glh for unit, score in selection.scores if score[0] >= unit.pass_rank])


def minimum_glh_at_pass(structure: Structure, selection: Selection, at_pass: int) -> str | None:
    """Where the size sets a minimum, that many of the counted units' GLH must be at Pass or above, N or
    above counting for external units: 900 GLH for the Extended Diploma (S1 p.12, p.352, Example 3 p.356).

    No minimum is stated for the other sizes (UNKNOWN in the reference): none is applied.
    """
    if not glh_at_pass_short(structure, at_pass):
        return None
    minimum = structure.size.min_glh_at_pass
    below = [unit.id for unit, score in sorted(selection.scores, key=_reported) if score[0] < unit.pass_rank]
    return failure(
        minimum_glh_at_pass,
        f"{at_pass} GLH at Pass or above among the counted units, {minimum} needed for the "
        f"{structure.size.name}; below Pass: {_units(below)}",
    )


def glh_at_pass_short(structure: Structure, at_pass: int) -> bool:
    """Whether ``at_pass`` GLH fall short of the size's minimum (see ``minimum_glh_at_pass``)."""
    minimum = structure.size.min_glh_at_pass
    return minimum is not None and at_pass < minimum


# --- points and grade ----------------------------------------------------------------------


def points_total(selection: Selection) -> int:
    """The qualification points are the sum of the points of the counted units (S1 p.353-355)."""
    return sum([score[1] for _, score in selection.scores])


def threshold_table(suite: PointsSuite, size_glh: int, qn: str | None, registered_on: date) -> Thresholds:
    """Learners are graded against the Calculation of qualification grade table for their cohort: the newest
    table that applies to the qualification on the registration date (S1 p.352-354; N2 p.88).

    A registration no table covers (e.g. Business before 1 November 2019: UNKNOWN) is not
    graded: the engine raises ``NotConfiguredError`` rather than guess.
    """
    thresholds = suite.thresholds_for(size_glh, qn, registered_on)
    if thresholds is None:
        whom = qn or f"an inline {size_glh}-GLH structure"
        raise NotConfiguredError(
            failure(
                threshold_table,
                f"no threshold table of {suite.id} applies to {whom} for a registration on "
                f"{registered_on.isoformat()} (the reference gives none; the engine does not guess)",
            ),
            path="registered_on",
        )
    return thresholds


def qualification_grade(structure: Structure, thresholds: Thresholds, points: int) -> tuple[int, str | None]:
    """The qualification grade is the highest grade whose threshold the total points reach; points below the
    lowest threshold give U (S1 p.352, p.354).

    Returns the grade's index in the threshold column (-1 for U) and, for U, the failure.
    """
    index = thresholds.index_for(points)
    if index >= 0:
        return index, None
    return index, failure(
        qualification_grade,
        f"{points} points is below {thresholds.minimums[0]}, the lowest threshold "
        f"({thresholds.grades[0]}) for the {structure.size.name} (table {thresholds.table_id})",
    )


def next_grade(thresholds: Thresholds, index: int, points: int) -> NextGrade | None:
    """The next grade is the lowest grade above the one awarded; it needs its threshold less the points so
    far (S1 p.354).
    """
    if index + 1 >= len(thresholds.minimums):
        return None
    return NextGrade(thresholds.grades[index + 1], thresholds.minimums[index + 1] - points)
