"""Set-based grading: a whole batch of requests at once, in columns (NumPy), for awarding runs.

``engine.grade`` grades one request and explains it; an awarding run grades a million. For a
catalogue qualification whose optional units are all one size (every shipped title) the rules
reduce to array arithmetic over a registrations x units matrix, so this module evaluates such
requests a batch at a time. It is compiled from the *same* compiled specification the engine
runs on, never from a second copy of the rules or numbers: each unit's points, retake cap,
GLH at Pass and "below its minimum grade" by grade rank (``model.UnitDef``), the structure's
mandatory and optional units and optional GLH (``model.Structure``), the threshold columns
(``rules.threshold_table``, ``Thresholds.index_by_points``) and the fallback order
(``Catalogue.fallbacks_for``). The steps are the rules', in their order (engine.py):

1. best_attempt, retake_cap, external_points: each attempt's score, packed as
   ``points << 3 | rank`` so that the best attempt (most points, then the highest grade) is
   the largest number; the best per unit by ``np.maximum.at``;
2. counted_units: the mandatory units, and, when more optional units have an outcome than the
   size needs, those first in the rule's preference (most points; then meeting the minimum
   grade; then at Pass; then the lower unit number);
3. units_complete, minimum_unit_grades, minimum_glh_at_pass, points_total;
4. threshold_table and qualification_grade (the points -> grade lookup table);
5. fallback: the smaller sizes of the sector, largest first, each with its own structure.

Rows it cannot decide exactly are graded by the reference engine, one by one, and counted by
why (``Graded.routed``, the ``Route`` reasons): names that are not catalogue qualifications,
UMS suites, inline structures or raw marks (which the columns do not hold), optional units of
different sizes (choosing them is a knapsack: ``rules._select_mixed``), a unit outside the
structure or a result the unit cannot have (the engine's error says which), and a missing
threshold table. Reason text is never re-written here either: ``Graded.reasons(row)`` runs
the engine's own ``evaluate`` on that row's scores. ``test_bulk.py`` compares every field with
``engine.grade`` on random requests; ``bench/award.py --differential`` on more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from resultsday.grading import rules
from resultsday.grading.catalogue import Catalogue, default_catalogue
from resultsday.grading.engine import evaluate, grade
from resultsday.grading.errors import GradeRequestError, NotConfiguredError
from resultsday.grading.grades import RANK, UNIT_GRADE_ORDER, Assessment
from resultsday.grading.model import Score, Structure, Thresholds
from resultsday.grading.outcome import FallbackAward, Outcome
from resultsday.grading.request import Attempt, GradeRequest, UnitRequest

Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
Objects = NDArray[np.object_]

#: An attempt's grade or points when it has none (a unit listed with no result has both).
NO_RESULT = -1

#: ``Graded.reasons`` texts by everything ``evaluate`` reads (the structure, the row's scores,
#: the threshold column): ``grade_batch(reasons=...)`` shares one between the batches of a
#: pass graded with one catalogue, so learners with the same scores share the text.
ReasonsMemo = dict[tuple[int, bytes, bytes, int], tuple[str, ...]]

_RANKS = len(UNIT_GRADE_ORDER)
_RANK_BITS = 3  # a score is packed as points << 3 | rank; ranks are 0..4
_RANK_MASK = (1 << _RANK_BITS) - 1
assert _RANKS <= _RANK_MASK + 1


class Route(StrEnum):
    """Why a row was graded by the reference engine instead of in columns."""

    REQUEST = "a request the columns do not hold (inline structure, raw marks, unit fields)"
    NOT_IN_CATALOGUE = "no such qualification in the catalogue"
    NOT_POINTS = "not a points-based qualification (UMS)"
    MIXED_OPTIONAL = "optional units of different sizes (a knapsack)"
    NO_THRESHOLDS = "no threshold table for the registration date"
    UNIT_OUTSIDE = "a unit outside the structure"
    INVALID_RESULT = "a result the unit cannot have"


@dataclass(eq=False)
class Batch:
    """Many requests in columns: one row per request, one attempt per unit result.

    Row ``i`` grades the catalogue qualification ``qualifications[row_qualification[i]]`` for
    a registration on ``dates[row_date[i]]``. Its unit results are the attempts whose
    ``attempt_row`` is ``i``: the unit ``units[attempt_unit]``, the grade's rank (``RANK``)
    and/or external points, and the retake flag. Several attempts at one unit: the best counts.
    An attempt with neither grade nor points (``NO_RESULT``) lists the unit without a result.
    ``requests`` (from ``from_requests``) keeps the original requests for the rows the reference
    engine grades; ``row_reference`` marks rows the columns cannot hold at all.
    """

    qualifications: tuple[str, ...]
    dates: tuple[date, ...]
    units: tuple[str, ...]
    row_qualification: Ints
    row_date: Ints
    attempt_row: Ints
    attempt_unit: Ints
    attempt_grade: Ints
    attempt_points: Ints
    attempt_retake: Bools
    requests: Sequence[GradeRequest] | None = None
    row_reference: Bools | None = None
    _by_row: tuple[Ints, Ints] | None = field(default=None, init=False, repr=False)

    @property
    def size(self) -> int:
        return len(self.row_qualification)

    @classmethod
    def from_requests(cls, requests: Sequence[GradeRequest], *, today: date | None = None) -> Batch:
        """Columns for engine requests; those the columns cannot hold are marked for the reference.

        ``today`` stands in for a missing ``registered_on``, as in ``engine.grade``.
        """
        today = today or date.today()
        qualifications: dict[str, int] = {}
        dates: dict[date, int] = {}
        units: dict[str, int] = {}
        row_q: list[int] = []
        row_d: list[int] = []
        reference: list[bool] = []
        a_row: list[int] = []
        a_unit: list[int] = []
        a_grade: list[int] = []
        a_points: list[int] = []
        a_retake: list[bool] = []
        for i, request in enumerate(requests):
            qn = request.qualification
            held = qn is not None and _columns_hold(request)
            reference.append(not held)
            row_q.append(qualifications.setdefault(qn or "", len(qualifications)))
            row_d.append(dates.setdefault(request.registered_on or today, len(dates)))
            if not held:
                continue
            for unit in request.units:
                code = units.setdefault(unit.id, len(units))
                for attempt in unit.attempts or (Attempt(),):
                    a_row.append(i)
                    a_unit.append(code)
                    a_grade.append(RANK[attempt.grade] if attempt.grade is not None else NO_RESULT)
                    a_points.append(attempt.points if attempt.points is not None else NO_RESULT)
                    a_retake.append(attempt.retake)
        return cls(
            qualifications=tuple(qualifications),
            dates=tuple(dates),
            units=tuple(units),
            row_qualification=np.array(row_q, dtype=np.int64),
            row_date=np.array(row_d, dtype=np.int64),
            attempt_row=np.array(a_row, dtype=np.int64),
            attempt_unit=np.array(a_unit, dtype=np.int64),
            attempt_grade=np.array(a_grade, dtype=np.int64),
            attempt_points=np.array(a_points, dtype=np.int64),
            attempt_retake=np.array(a_retake, dtype=np.bool_),
            requests=requests,
            row_reference=np.array(reference, dtype=np.bool_),
        )

    def request(self, row: int) -> GradeRequest:
        """The engine request of one row: the original one, or one built from the columns.

        Built from the columns, units are in unit id order and each unit's attempts in the
        batch's order (as ``awarding.decisions`` builds a registration's request).
        """
        if self.requests is not None:
            return self.requests[row]
        if self._by_row is None:
            order = np.argsort(self.attempt_row, kind="stable")
            starts = np.searchsorted(self.attempt_row[order], np.arange(self.size + 1))
            self._by_row = (order, starts)
        order, starts = self._by_row
        by_unit: dict[str, list[Attempt]] = {}
        for a in order[starts[row]:starts[row + 1]].tolist():
            rank = int(self.attempt_grade[a])
            points = int(self.attempt_points[a])
            by_unit.setdefault(self.units[int(self.attempt_unit[a])], []).append(Attempt(
                grade=UNIT_GRADE_ORDER[rank] if rank != NO_RESULT else None,
                points=points if points != NO_RESULT else None,
                retake=bool(self.attempt_retake[a]),
            ))
        return GradeRequest(
            units=tuple(
                UnitRequest(id=uid, attempts=tuple(a for a in attempts if a != Attempt()))
                for uid, attempts in sorted(by_unit.items())
            ),
            qualification=self.qualifications[int(self.row_qualification[row])],
            registered_on=self.dates[int(self.row_date[row])],
        )


def _columns_hold(request: GradeRequest) -> bool:
    """Whether a request that names a qualification is one the columns can hold exactly."""
    seen: set[str] = set()
    for unit in request.units:
        if unit.id in seen or unit.has_structure:
            return False  # listed twice, or structure fields to check: the engine says what is wrong
        seen.add(unit.id)
        for attempt in unit.attempts:
            if attempt.raw_mark is not None or attempt.boundaries is not None or attempt.series is not None:
                return False
            if attempt.points is not None and attempt.points < 0:
                return False
    return True


@dataclass(frozen=True, eq=False)
class _Columns:
    """A structure's units as matrix columns (mandatory first, then optional, each in unit order),
    with their lookup tables from ``UnitDef`` as arrays indexed [column, grade rank]."""

    structure: Structure
    ids: tuple[str, ...]
    index: dict[str, int]
    mandatory: int  # the first ``mandatory`` columns are the mandatory units
    points: Ints  # [column, rank]: the grade's points, -1 where the grade does not exist
    at_pass: Ints  # [column, rank]: the GLH the unit adds to the GLH at Pass
    below: Ints  # [column, rank]: 1 if the grade is below the unit's minimum grade
    min_rank: Ints
    pass_rank: Ints
    cap: Ints  # the highest rank a retake can achieve
    external: Bools
    glh: Ints

    @classmethod
    def of(cls, structure: Structure) -> _Columns:
        units = structure.mandatory + structure.optional
        caps = structure.suite.retake_cap
        top = _RANKS - 1
        return cls(
            structure=structure,
            ids=tuple(u.id for u in units),
            index={u.id: j for j, u in enumerate(units)},
            mandatory=len(structure.mandatory),
            points=_table([[-1 if p is None else p for p in u.points] for u in units]),
            at_pass=_table([list(u.glh_at_pass_by_rank) for u in units]),
            below=_table([list(u.below_minimum_by_rank) for u in units]),
            min_rank=np.array([u.min_rank for u in units], dtype=np.int64),
            pass_rank=np.array([u.pass_rank for u in units], dtype=np.int64),
            cap=np.array([caps.get(u.assessment, top) for u in units], dtype=np.int64),
            external=np.array([u.assessment is Assessment.EXTERNAL for u in units], dtype=np.bool_),
            glh=np.array([u.glh for u in units], dtype=np.int64),
        )


def _table(rows: list[list[int]]) -> Ints:
    return np.array(rows, dtype=np.int64).reshape(len(rows), _RANKS)


_COLUMNS: dict[int, _Columns] = {}


def _columns(structure: Structure) -> _Columns:
    found = _COLUMNS.get(id(structure))
    if found is None or found.structure is not structure:
        if len(_COLUMNS) > 1000:
            _COLUMNS.clear()
        found = _COLUMNS[id(structure)] = _Columns.of(structure)
    return found


def vectorised(structure: Structure) -> bool:
    """Whether ``counted_units`` takes the uniform path for the structure (whole optional units of
    one size), which is what the columns evaluate; else it is a knapsack (``_select_mixed``)."""
    uniform = structure.uniform_optional and structure.optional_unit_glh is not None
    return not structure.optional_glh or uniform


@dataclass(frozen=True, eq=False)
class _Counted:
    """``counted_units`` and the eligibility sums over a group of rows (see ``_count``)."""

    counted: Bools  # [row, column]: the unit counts and has an outcome
    points: Ints
    glh_at_pass: Ints
    complete: Bools
    eligible: Bools  # complete, no counted unit below its minimum grade, enough GLH at Pass


def _count(cols: _Columns, keys: Ints) -> _Counted:
    """counted_units, units_complete, minimum_unit_grades, minimum_glh_at_pass and points_total
    for rows of best scores (``keys``: [row, column], -1 where the unit has no outcome)."""
    structure = cols.structure
    has = keys >= 0
    rank = np.where(has, keys & _RANK_MASK, 0)
    points = np.where(has, keys >> _RANK_BITS, 0)
    column = np.arange(len(cols.ids))
    m = cols.mandatory
    counted = has.copy()
    complete: Bools = np.all(has[:, :m], axis=1)
    need = structure.optional_glh
    if need:
        size = structure.optional_unit_glh
        assert size is not None and structure.uniform_optional
        wanted = need // size
        candidates = has[:, m:]
        width = candidates.shape[1]
        chosen = candidates
        if wanted < width:
            # counted_units' preference (rules._preference), smallest first: most points, then
            # meeting the minimum grade, then at Pass, then unit order (= column order here)
            opt_rank = rank[:, m:]
            top = int(points.max(initial=0)) + 1
            preference = (
                ((top - points[:, m:]) * 2 + (opt_rank < cols.min_rank[m:])) * 2
                + (opt_rank < cols.pass_rank[m:])
            ) * width + np.arange(width)
            preference = np.where(candidates, preference, np.iinfo(np.int64).max)
            cut = np.partition(preference, wanted - 1, axis=1)[:, wanted - 1 : wanted]
            chosen = candidates & (preference <= cut)
        counted[:, m:] = chosen
        # the size is made up only by exactly ``wanted`` whole units (short == 0)
        complete = np.logical_and(complete, chosen.sum(axis=1) == wanted)
    else:
        counted[:, m:] = False
    total = (points * counted).sum(axis=1)
    at_pass = (cols.at_pass[column, rank] * counted).sum(axis=1)
    below = (cols.below[column, rank] * counted).sum(axis=1)
    eligible = complete & (below == 0)
    minimum = structure.size.min_glh_at_pass
    if minimum is not None:
        eligible &= at_pass >= minimum
    return _Counted(counted, total, at_pass, complete, eligible)


def _grade_index(thresholds: Thresholds, points: Ints, complete: Bools) -> Ints:
    """qualification_grade: the index in the threshold column (-1 for U); -1 while incomplete."""
    table = np.asarray(thresholds.index_by_points, dtype=np.int64)
    index = table[np.minimum(points, len(table) - 1)]
    return np.where(complete, index, -1)


@dataclass(frozen=True, eq=False)
class _Group:
    """The rows of one qualification graded in columns, kept for ``reasons``/``counted_units``."""

    cols: _Columns
    keys: Ints  # [local row, column] best score, -1: no outcome
    listed: Bools  # [local row, column] the unit is in the request
    counted: Bools


@dataclass(eq=False)
class Graded:
    """The outcomes of a batch in columns, in row order (``Outcome``'s fields of the same name).

    ``by_reference`` marks the rows graded one by one by ``engine.grade`` (their ``Outcome``
    is in ``outcomes``, or their error in ``errors``, where the other columns hold defaults);
    ``routed`` counts them by ``Route``.
    """

    grade: Objects
    points: Ints
    eligible: Bools
    complete: Bools
    glh_at_pass: Ints
    thresholds: Objects  # the threshold table's id
    fallback: Objects  # FallbackAward or None
    by_reference: Bools
    outcomes: dict[int, Outcome]
    errors: dict[int, GradeRequestError | NotConfiguredError]
    routed: Counter[str]
    _batch: Batch = field(repr=False)
    _groups: list[_Group] = field(repr=False)
    _group: Ints = field(repr=False)  # per row: index into _groups, -1 for the reference's rows
    _local: Ints = field(repr=False)
    _threshold_of: Objects = field(repr=False)
    _reasons: ReasonsMemo = field(default_factory=dict, repr=False)

    def counted_units(self, row: int) -> tuple[str, ...]:
        """``Outcome.counted_units`` of one row."""
        if row in self.outcomes:
            return self.outcomes[row].counted_units
        group = self._groups[int(self._group[row])]
        structure = group.cols.structure
        counted = group.counted[int(self._local[row])]
        m = group.cols.mandatory
        return structure.mandatory_ids + tuple(
            uid for uid, flag in zip(group.cols.ids[m:], counted[m:].tolist(), strict=True) if flag
        )

    def reasons(self, row: int) -> tuple[str, ...]:
        """``Outcome.reasons`` of one row: the engine's own ``evaluate`` on the row's scores."""
        if row in self.outcomes:
            return self.outcomes[row].reasons
        if row in self.errors:
            raise self.errors[row]
        group = self._groups[int(self._group[row])]
        local = int(self._local[row])
        thresholds: Thresholds = self._threshold_of[row]
        # learners with the same scores share the text: key on everything evaluate() reads (the
        # structure and threshold column are the catalogue's own objects: their ids are stable)
        memo = (id(group.cols.structure), group.keys[local].tobytes(),
                group.listed[local].tobytes(), id(thresholds))
        found = self._reasons.get(memo)
        if found is not None:
            return found
        scored: dict[str, Score] = {}
        pending: set[str] = set()
        for uid, key, listed in zip(
            group.cols.ids, group.keys[local].tolist(), group.listed[local].tolist(), strict=True
        ):
            if key >= 0:
                # the retake flag of a score matters only to what_if, not to the rules
                scored[uid] = (key & _RANK_MASK, key >> _RANK_BITS, False)
            elif listed:
                pending.add(uid)
        found = tuple(evaluate(group.cols.structure, scored, pending, thresholds, explain=True).reasons)
        self._reasons[memo] = found
        return found


class _Rows:
    """The output columns while they are filled."""

    def __init__(self, size: int) -> None:
        self.grade: Objects = np.full(size, "", dtype=object)
        self.points: Ints = np.zeros(size, dtype=np.int64)
        self.eligible: Bools = np.zeros(size, dtype=np.bool_)
        self.complete: Bools = np.zeros(size, dtype=np.bool_)
        self.glh_at_pass: Ints = np.zeros(size, dtype=np.int64)
        self.thresholds: Objects = np.full(size, "", dtype=object)
        self.fallback: Objects = np.full(size, None, dtype=object)
        self.threshold_of: Objects = np.full(size, None, dtype=object)
        self.route: list[Route | None] = [None] * size
        self.group: Ints = np.full(size, -1, dtype=np.int64)
        self.local: Ints = np.zeros(size, dtype=np.int64)

    def send(self, rows: Ints | Sequence[int], why: Route) -> None:
        for row in np.asarray(rows, dtype=np.int64).tolist():
            if self.route[row] is None:
                self.route[row] = why


def grade_batch(
    batch: Batch, catalogue: Catalogue | None = None, *, reasons: ReasonsMemo | None = None
) -> Graded:
    """Grade every row of ``batch``: ``engine.grade``'s grade, points, eligible, complete,
    glh_at_pass, thresholds, fallback (and, per row, counted_units and reasons).

    ``reasons``: the memo of reason texts to use (and fill), shared with other batches graded
    with the same catalogue; by default the batch has its own.
    """
    catalogue = catalogue or default_catalogue()
    out = _Rows(batch.size)
    if batch.row_reference is not None:
        out.send(np.flatnonzero(batch.row_reference), Route.REQUEST)
    groups: list[_Group] = []
    attempt_q = batch.row_qualification[batch.attempt_row]
    for q, qn in enumerate(batch.qualifications):
        rows = np.flatnonzero(batch.row_qualification == q)
        if batch.row_reference is not None:
            rows = rows[~batch.row_reference[rows]]
        if not rows.size:
            continue
        qualification = catalogue.qualifications.get(qn)
        if qualification is None:
            out.send(rows, Route.NOT_IN_CATALOGUE)
            continue
        structure = qualification.structure
        if structure is None:
            out.send(rows, Route.NOT_POINTS)
            continue
        if not vectorised(structure):
            out.send(rows, Route.MIXED_OPTIONAL)
            continue
        cols = _columns(structure)
        keys, listed, bad = _score(batch, cols, rows, np.flatnonzero(attempt_q == q))
        out.send(rows[bad], Route.INVALID_RESULT)
        out.send(rows[_outside(batch, cols, rows, np.flatnonzero(attempt_q == q))], Route.UNIT_OUTSIDE)
        result = _count(cols, keys)
        index = np.full(len(rows), -1, dtype=np.int64)
        row_dates = batch.row_date[rows]
        grade_names = np.full(len(rows), "U", dtype=object)
        for d in np.unique(row_dates).tolist():
            here = row_dates == d
            try:
                thresholds = rules.threshold_table(
                    structure.suite, structure.size.glh, structure.qn, batch.dates[d]
                )
            except NotConfiguredError:
                out.send(rows[here], Route.NO_THRESHOLDS)
                continue
            index[here] = _grade_index(thresholds, result.points[here], result.complete[here])
            names = np.array((*thresholds.grades, "U"), dtype=object)
            achieved = here & result.eligible & (index >= 0)
            grade_names[achieved] = names[index[achieved]]
            out.thresholds[rows[here]] = thresholds.table_id
            out.threshold_of[rows[here]] = thresholds
        out.grade[rows] = grade_names
        out.points[rows] = result.points
        out.eligible[rows] = result.eligible
        out.complete[rows] = result.complete
        out.glh_at_pass[rows] = result.glh_at_pass
        out.group[rows] = len(groups)
        out.local[rows] = np.arange(len(rows))
        groups.append(_Group(cols, keys, listed, result.counted))
        # fallback: only for complete learners who are not awarded
        waiting = result.complete & ~(result.eligible & (index >= 0))
        if waiting.any():
            _fall_back(catalogue, batch, cols, keys, rows, waiting, out)
    return _finish(batch, catalogue, out, groups, {} if reasons is None else reasons)


def _score(batch: Batch, cols: _Columns, rows: Ints, attempts: Ints) -> tuple[Ints, Bools, Bools]:
    """best_attempt, retake_cap and external_points for the attempts of one qualification's rows.

    Returns the best score per [row, column] (-1: no outcome), whether the unit is listed,
    and the rows with a result the engine refuses (a unit outside the structure is left to
    ``_outside``).
    """
    n, k = len(rows), len(cols.ids)
    local_of = np.full(batch.size, -1, dtype=np.int64)
    local_of[rows] = np.arange(n)
    local = local_of[batch.attempt_row[attempts]]
    keep = local >= 0  # the attempts of rows sent to the reference for the request are not here
    attempts, local = attempts[keep], local[keep]
    column_of = np.array([cols.index.get(uid, -1) for uid in batch.units], dtype=np.int64)
    column = column_of[batch.attempt_unit[attempts]] if len(batch.units) else np.zeros(0, dtype=np.int64)
    inside = column >= 0
    c = np.where(inside, column, 0)
    grade_rank = batch.attempt_grade[attempts]
    given = batch.attempt_points[attempts]
    retake = batch.attempt_retake[attempts]
    has_grade = grade_rank >= 0
    plain = has_grade & (given < 0)  # a grade: its table points (a retake capped first)
    with_points = given >= 0  # external points (with or without the grade, which must agree)
    g = np.where(has_grade, grade_rank, 0)
    bad = plain & (cols.points[c, g] < 0)  # the grade does not exist for the unit (N internal)
    capped = np.where(plain & retake, np.minimum(g, cols.cap[c]), g)
    plain_points = cols.points[c, capped]
    bad |= plain & (plain_points < 0)
    table = cols.points[c]  # [attempt, rank]
    in_band = (table >= 0) & (table <= given[:, None])
    band = np.where(in_band.any(axis=1), _RANKS - 1 - np.argmax(in_band[:, ::-1], axis=1), -1)
    bad |= with_points & (~cols.external[c] | (band < 0) | (has_grade & (grade_rank != band)))
    bad &= inside
    rank = np.where(with_points, band, capped)
    points = np.where(with_points, given, plain_points)
    scored = (plain | with_points) & inside & ~bad
    keys = np.full(n * k, -1, dtype=np.int64)
    flat = local * k + c
    np.maximum.at(keys, flat[scored], (points[scored] << _RANK_BITS) | rank[scored])
    listed = np.zeros(n * k, dtype=np.bool_)
    listed[flat[inside]] = True
    bad_rows = np.zeros(n, dtype=np.bool_)
    bad_rows[local[bad]] = True
    return keys.reshape(n, k), listed.reshape(n, k), bad_rows


def _outside(batch: Batch, cols: _Columns, rows: Ints, attempts: Ints) -> Bools:
    """Rows with a unit that is not part of the structure (the engine refuses the request)."""
    local_of = np.full(batch.size, -1, dtype=np.int64)
    local_of[rows] = np.arange(len(rows))
    local = local_of[batch.attempt_row[attempts]]
    known = np.array([uid in cols.index for uid in batch.units], dtype=np.bool_)
    outside = np.zeros(len(rows), dtype=np.bool_)
    if len(batch.units):
        stray = (local >= 0) & ~known[batch.attempt_unit[attempts]]
        outside[local[stray]] = True
    return outside


def _fall_back(
    catalogue: Catalogue,
    batch: Batch,
    cols: _Columns,
    keys: Ints,
    rows: Ints,
    waiting: Bools,
    out: _Rows,
) -> None:
    """engine.fallback: the smaller sizes of the sector, largest first; the first achieved.

    Units listed without a result are not needed here: whether a size is complete depends only
    on its mandatory units and on whole optional units making up its size.
    """
    qn = cols.structure.qn
    assert qn is not None
    waiting = waiting.copy()
    awards: dict[tuple[str, str, int], FallbackAward] = {}
    for qualification in catalogue.fallbacks_for(qn):
        if not waiting.any():
            return
        smaller = qualification.structure
        assert smaller is not None
        if not vectorised(smaller):
            out.send(rows[waiting], Route.MIXED_OPTIONAL)
            return
        small = _columns(smaller)
        # the learner's scores, by unit id; units of the smaller size not in the larger have none
        take = np.array([cols.index.get(uid, -1) for uid in small.ids], dtype=np.int64)
        present = take >= 0
        src = np.where(present, take, 0)
        these = np.flatnonzero(waiting)
        sub_keys = np.where(present, keys[np.ix_(these, src)], -1)
        result = _count(small, sub_keys)
        row_dates = batch.row_date[rows[these]]
        achieved = np.zeros(len(these), dtype=np.bool_)
        names = np.full(len(these), "", dtype=object)
        for d in np.unique(row_dates).tolist():
            here = row_dates == d
            try:
                thresholds = rules.threshold_table(
                    smaller.suite, smaller.size.glh, qualification.qn, batch.dates[d]
                )
            except NotConfiguredError:
                out.send(rows[these[here]], Route.NO_THRESHOLDS)  # the engine raises here
                waiting[these[here]] = False
                continue
            index = _grade_index(thresholds, result.points[here], result.complete[here])
            ok = result.eligible[here] & (index >= 0)
            achieved[here] = ok
            grades = np.array((*thresholds.grades, "U"), dtype=object)
            names[np.flatnonzero(here)[ok]] = grades[index[ok]]
        for i in np.flatnonzero(achieved).tolist():
            row = int(rows[these[i]])
            key = (qualification.qn, str(names[i]), int(result.points[i]))
            award = awards.get(key)
            if award is None:
                award = awards[key] = FallbackAward(
                    qualification=qualification.qn,
                    title=qualification.title,
                    size_glh=smaller.size.glh,
                    grade=key[1],
                    points=key[2],
                )
            out.fallback[row] = award
        waiting[these[achieved]] = False


def _finish(
    batch: Batch, catalogue: Catalogue, out: _Rows, groups: list[_Group], reasons: ReasonsMemo
) -> Graded:
    outcomes: dict[int, Outcome] = {}
    errors: dict[int, GradeRequestError | NotConfiguredError] = {}
    routed: Counter[str] = Counter()
    by_reference = np.zeros(batch.size, dtype=np.bool_)
    for row, why in enumerate(out.route):
        if why is None:
            continue
        routed[why.value] += 1
        by_reference[row] = True
        out.group[row] = -1
        out.fallback[row] = None
        try:
            outcome = grade(batch.request(row), catalogue)
        except (GradeRequestError, NotConfiguredError) as exc:
            errors[row] = exc
            out.grade[row] = ""
            out.thresholds[row] = ""
            continue
        outcomes[row] = outcome
        out.grade[row] = outcome.grade
        out.points[row] = outcome.points
        out.eligible[row] = outcome.eligible
        out.complete[row] = outcome.complete
        out.glh_at_pass[row] = outcome.glh_at_pass or 0
        out.thresholds[row] = outcome.thresholds
        out.fallback[row] = outcome.fallback
    return Graded(
        grade=out.grade,
        points=out.points,
        eligible=out.eligible,
        complete=out.complete,
        glh_at_pass=out.glh_at_pass,
        thresholds=out.thresholds,
        fallback=out.fallback,
        by_reference=by_reference,
        outcomes=outcomes,
        errors=errors,
        routed=routed,
        _batch=batch,
        _groups=groups,
        _group=out.group,
        _local=out.local,
        _threshold_of=out.threshold_of,
        _reasons=reasons,
    )


def grade_many(requests: Sequence[GradeRequest], catalogue: Catalogue | None = None) -> Graded:
    """``grade_batch`` of engine requests (see ``Batch.from_requests``)."""
    return grade_batch(Batch.from_requests(requests), catalogue)
