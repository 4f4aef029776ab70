"""One batch of an awarding run, set-based: facts read in columns, graded by `grading.bulk`,
decided with the conditions and reasons of `decisions.registration_decide`, written with COPY.

`awarding_run_execute` calls `batch_award` once per batch inside the batch's transaction. The
grade always comes from `grading/` (its set-based evaluator, which routes what it cannot
decide exactly to the reference engine); this module only moves data and applies the
results-cycle conditions in the reference order. A registration the columns cannot decide
exactly (a unit not placed in its qualification, a result the engine refuses, a qualification
without a grading specification, anything `grading.bulk` routes) is decided by
`registration_decide` itself, from `registration_facts`, and counted as `by_reference`.

Explanations: a version written here stores a compact explanation, the engine's input and
the headline of its outcome (`compact_explanation`); `explanation_full` re-derives the full
outcome from it when a page or the API asks (docs/awarding.md).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connections, router
from django.utils import timezone
from numpy.typing import NDArray

from resultsday.assessment.bulk import unit_result_columns
from resultsday.awarding.choices import ResultStatus, RunMode, RunPolicy
from resultsday.awarding.decisions import (
    REASON_AWARDED,
    REASON_NO_CLAIM,
    Decision,
    reason_fallback,
    reason_incomplete,
    reason_pending,
    reason_unclassified,
    reason_verification,
    registration_decide,
)
from resultsday.awarding.models import (
    AwardingRun,
    PreviewChange,
    QualificationResult,
    QualificationResultVersion,
)
from resultsday.catalogue.models import Qualification, QualificationUnit, Series, Unit
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import StandardsVerification
from resultsday.core.db import copy_text, copy_write, ids_reserve, values_insert, values_rows
from resultsday.grading import Attempt, Catalogue, GradeRequest, UnitGrade, UnitRequest, grade
from resultsday.grading.bulk import NO_RESULT, Batch, Graded, ReasonsMemo, grade_batch
from resultsday.grading.grades import RANK, UNIT_GRADE_ORDER
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Registration
from resultsday.release.cache import all_results_changed, learner_results_changed

Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
Objects = NDArray[np.object_]

EXPECTING = [RegistrationStatus.ACTIVE, RegistrationStatus.CERTIFICATED]
_IN_LIST = 5000  # ids per IN (...) list: well within SQLite's limit on query parameters
_ISSUED = (ResultStatus.ISSUED, ResultStatus.FALLBACK)
_FEW_LEARNERS = 1000  # more changed in one batch: drop every cached result rather than each


@dataclass(frozen=True)
class _Lookups:
    """The database catalogue as the batch needs it (small: read once per batch)."""

    qn: dict[int, str]  # qualification id -> QN
    programme: dict[int, tuple[int, str, str]]  # qualification id -> (suite id, sector, label)
    unit_number: dict[int, str]  # unit id -> unit number
    placed: Ints  # sorted (qualification id << 32 | unit id) of every unit placed in a qualification

    @classmethod
    def load(cls) -> _Lookups:
        qn, programme = {}, {}
        for pk, code, suite_id, sector, suite_name in Qualification.objects.values_list(
            "pk", "qn", "suite_id", "sector", "suite__name"
        ):
            qn[pk] = code
            # as registration_facts labels the programme
            programme[pk] = (suite_id, sector, f"{suite_name} {sector.replace('-', ' ')}")
        pairs = QualificationUnit.objects.values_list("qualification_id", "unit_id")
        placed = np.array(sorted(q << 32 | u for q, u in pairs), dtype=np.int64)
        return cls(qn, programme, dict(Unit.objects.values_list("pk", "number")), placed)


@dataclass(frozen=True)
class _Rows:
    """The batch's registrations, in id order, with claim and current result."""

    ids: Ints
    learner: Ints
    qualification: Ints
    registered_on: list[date]
    centre: list[int]
    ucas: Bools
    claimed: Bools
    result_id: Ints  # -1: no result yet
    status: Objects
    grade: Objects
    points: Ints  # -1: none
    reason: Objects
    version: Ints
    ucas_changed: Bools


def _registrations(series: Series, after: int, limit: int) -> _Rows:
    rows = values_rows(
        Registration.objects.filter(series=series, status__in=EXPECTING, pk__gt=after)
        .order_by("pk")
        .values_list(
            "pk", "qualification_id", "registered_on", "centre_id", "ucas_applicant", "claim__id",
            "result__id", "result__status", "result__grade", "result__points", "result__reason",
            "result__version", "result__ucas_changed", "learner_id",
        )[:limit]
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 14

    def ints(values: tuple[Any, ...], none: int = -1) -> Ints:
        return np.array([none if v is None else v for v in values], dtype=np.int64)

    def objects(values: tuple[Any, ...]) -> Objects:
        column = np.empty(len(values), dtype=object)
        column[:] = ["" if v is None else v for v in values]
        return column

    return _Rows(
        ids=ints(columns[0]),
        learner=ints(columns[13]),
        qualification=ints(columns[1]),
        registered_on=list(columns[2]),
        centre=list(columns[3]),
        ucas=np.array(columns[4], dtype=np.bool_),
        claimed=np.array([v is not None for v in columns[5]], dtype=np.bool_),
        result_id=ints(columns[6]),
        status=objects(columns[7]),
        grade=objects(columns[8]),
        points=ints(columns[9]),
        reason=objects(columns[10]),
        version=ints(columns[11], 0),
        ucas_changed=np.array([bool(v) for v in columns[12]], dtype=np.bool_),
    )


@dataclass(frozen=True)
class _Attempts:
    """The batch's unit results in columns, sorted by registration, unit and attempt."""

    row: Ints
    unit: Ints  # unit id
    letter: Ints  # the grade letter's character code
    points: Ints  # -1: none
    retake: Bools


def _unit_results(series: Series, after: int, last: int, rows: _Rows) -> _Attempts:
    """Every unit result of the batch's registrations (`assessment.bulk.unit_result_columns`:
    packed in one row on PostgreSQL), sorted by registration, unit and attempt."""
    found = unit_result_columns(
        registrations=Registration.objects.filter(series=series, status__in=EXPECTING,
                                                  pk__gt=after, pk__lte=last),
        after=after, last=last)
    row = np.searchsorted(rows.ids, found.registration)
    return _Attempts(row, found.unit, found.letter, found.points, found.retake)


_RANK_OF_LETTER = np.full(256, -9, dtype=np.int64)  # -9: not a grade letter
for _letter, _rank in RANK.items():
    _RANK_OF_LETTER[ord(_letter)] = _rank


@dataclass
class BatchDecisions:
    """The batch's decisions in columns (points -1: none), and how each was made."""

    status: Objects
    grade: Objects
    points: Ints
    reason: Objects
    explanation: Objects  # JSON text
    by_reference: Bools  # decided by registration_decide, one by one


def batch_decide(
    *, series: Series, rows: _Rows, attempts: _Attempts, lookups: _Lookups, catalogue: Catalogue,
    reasons: ReasonsMemo | None = None,
) -> BatchDecisions:
    """`registration_decide` for every registration of the batch, in columns.

    The same conditions in the same order, with the same reasons (decisions.reason_*): no
    specification or an invalid unit combination (both left to the reference), pending or
    withheld while incomplete, no claim, standards verification not released, then
    fallback, unclassified or issued by the engine's grade.
    """
    n = len(rows.ids)
    qns = {pk: lookups.qn[pk] for pk in np.unique(rows.qualification).tolist()}
    numbers = sorted(set(lookups.unit_number.values()))
    vocabulary = {number: i for i, number in enumerate(numbers)}
    unit_ids = np.array(sorted(lookups.unit_number), dtype=np.int64)
    unit_codes = np.array([vocabulary[lookups.unit_number[u]] for u in unit_ids.tolist()], dtype=np.int64)
    code = unit_codes[np.searchsorted(unit_ids, attempts.unit)]
    rank = _RANK_OF_LETTER[np.clip(attempts.letter, 0, 255)]
    qualification_codes = {pk: i for i, pk in enumerate(qns)}
    dates: dict[date, int] = {}
    row_date = np.array([dates.setdefault(d, len(dates)) for d in rows.registered_on], dtype=np.int64)
    batch = Batch(
        qualifications=tuple(qns.values()),
        dates=tuple(dates),
        units=tuple(numbers),
        row_qualification=np.array(
            [qualification_codes[q] for q in rows.qualification.tolist()], dtype=np.int64),
        row_date=row_date,
        attempt_row=attempts.row,
        attempt_unit=code,
        attempt_grade=np.where(rank >= 0, rank, NO_RESULT),
        attempt_points=attempts.points,
        attempt_retake=attempts.retake,
    )
    graded = grade_batch(batch, catalogue, reasons=reasons)
    # what registration_decide checks before grading, and what the columns do not hold
    placed = np.isin(rows.qualification[attempts.row] << 32 | attempts.unit, lookups.placed)
    reference = graded.by_reference.copy()
    reference[attempts.row[~placed | (rank < 0)]] = True

    status = np.full(n, "", dtype=object)
    grade_out = np.full(n, "", dtype=object)
    points = np.full(n, -1, dtype=np.int64)
    reason = np.full(n, "", dtype=object)
    columns = ~reference
    incomplete = columns & ~graded.complete
    if incomplete.any():
        awaiting = _awaiting(series, rows.ids[incomplete])
        for row in np.flatnonzero(incomplete).tolist():
            entered = awaiting.get(int(rows.ids[row]))
            waiting = sorted(entered - _attempted(attempts, row, numbers, code)) if entered else []
            if waiting:
                status[row], reason[row] = ResultStatus.PENDING, reason_pending(waiting)
            else:
                status[row], reason[row] = ResultStatus.WITHHELD, reason_incomplete(graded.reasons(row))
    complete = columns & graded.complete
    unclaimed = complete & ~rows.claimed
    status[unclaimed], reason[unclaimed] = ResultStatus.WITHHELD, REASON_NO_CLAIM
    claimed = complete & rows.claimed
    released = _released(rows, lookups)
    for row in np.flatnonzero(claimed & ~released).tolist():
        status[row] = ResultStatus.WITHHELD
        reason[row] = reason_verification(lookups.programme[int(rows.qualification[row])][2])
    awarded = claimed & released
    issued = awarded & (graded.grade != "U")
    status[issued], reason[issued] = ResultStatus.ISSUED, REASON_AWARDED
    grade_out[issued] = graded.grade[issued]
    points[issued] = graded.points[issued]
    for row in np.flatnonzero(awarded & (graded.grade == "U")).tolist():
        fallback = graded.fallback[row]
        if fallback is not None:
            status[row], grade_out[row], points[row] = ResultStatus.FALLBACK, fallback.grade, fallback.points
            reason[row] = reason_fallback(fallback.title, fallback.qualification)
        else:
            status[row], grade_out[row], points[row] = ResultStatus.UNCLASSIFIED, "U", graded.points[row]
            reason[row] = reason_unclassified(graded.reasons(row))
    explanation = compact_explanations(batch, graded)
    if reference.any():
        _decide_by_reference(np.flatnonzero(reference), rows, catalogue,
                             status, grade_out, points, reason, explanation)
    return BatchDecisions(status, grade_out, points, reason, explanation, reference)


def _attempted(attempts: _Attempts, row: int, numbers: list[str], code: Ints) -> set[str]:
    lo, hi = np.searchsorted(attempts.row, [row, row + 1])
    return {numbers[c] for c in code[lo:hi].tolist()}


def _awaiting(series: Series, registration_ids: Ints) -> dict[int, set[str]]:
    """Entries in the run's series still entered: their results are still to come."""
    awaiting: dict[int, set[str]] = {}
    ids = registration_ids.tolist()
    for start in range(0, len(ids), _IN_LIST):
        for reg_id, number in Entry.objects.filter(
            registration_id__in=ids[start:start + _IN_LIST], status=EntryStatus.ENTERED, series=series
        ).values_list("registration_id", "unit__number"):
            awaiting.setdefault(reg_id, set()).add(number)
    return awaiting


def _released(rows: _Rows, lookups: _Lookups) -> Bools:
    """Whether standards verification is released for each registration's programme."""
    released = {
        (centre, suite, sector)
        for centre, suite, sector in StandardsVerification.objects.filter(
            centre_id__in=set(rows.centre), status=VerificationStatus.RELEASED
        ).values_list("centre_id", "suite_id", "sector")
    }
    programme = lookups.programme
    return np.array([
        (centre, *programme[q][:2]) in released
        for centre, q in zip(rows.centre, rows.qualification.tolist(), strict=True)
    ], dtype=np.bool_)


def _decide_by_reference(
    where: Ints, rows: _Rows, catalogue: Catalogue, status: Objects, grade_out: Objects,
    points: Ints, reason: Objects, explanation: Objects,
) -> None:
    from resultsday.awarding.services import registration_facts

    registrations = list(
        Registration.objects.filter(pk__in=rows.ids[where].tolist())
        .select_related("qualification", "qualification__suite")
    )
    facts = registration_facts(registrations)
    position = {int(rows.ids[row]): row for row in where.tolist()}
    for registration in registrations:
        decision = registration_decide(facts=facts[registration.pk], catalogue=catalogue)
        row = position[registration.pk]
        status[row], grade_out[row], reason[row] = decision.status, decision.grade, decision.reason
        points[row] = -1 if decision.points is None else decision.points
        explanation[row] = json.dumps(decision.explanation)


# --- compact explanations ------------------------------------------------------------------

COMPACT = "grading.bulk"


def compact_explanations(batch: Batch, graded: Graded) -> Objects:
    """Per registration, the JSON of what the engine needs to re-derive its outcome.

    `{"engine": "grading.bulk", "qualification", "registered_on", "results", "grade", "points",
    "complete", "eligible"}`; `results` lists the attempts, space-separated, as
    `unit:grade`, with `=points` for external points and `/r` for a retake (e.g.
    `1:M 2:N 2:M=17 4:P/r`). Built from per-attempt tokens joined in one pass.
    """
    n = batch.size
    points = np.where(batch.attempt_points >= 0, batch.attempt_points + 1, 0)
    combination = ((batch.attempt_unit * 8 + batch.attempt_grade + 1) * 2 + batch.attempt_retake) * (
        int(points.max(initial=0)) + 1) + points
    distinct, inverse = np.unique(combination, return_inverse=True)
    spread = int(points.max(initial=0)) + 1
    tokens = []
    for value in distinct.tolist():
        value, p = divmod(value, spread)
        value, retake = divmod(value, 2)
        unit, g = divmod(value, 8)
        letter = UNIT_GRADE_ORDER[g - 1].value if g else "?"
        tokens.append(f"{batch.units[unit]}:{letter}{f'={p - 1}' if p else ''}{'/r' if retake else ''}")
    words = np.array(tokens, dtype=object)[inverse.reshape(-1)]
    starts = np.ones(len(words), dtype=np.bool_)
    starts[1:] = batch.attempt_row[1:] != batch.attempt_row[:-1]
    # "\n" opens each registration's list, " " separates its attempts; one join, one split
    separators = np.full(len(words), " ", dtype=object)
    separators[starts] = "\n"
    joined = "".join((separators + words).tolist())
    texts = np.full(n, "", dtype=object)
    texts[batch.attempt_row[starts]] = joined.split("\n")[1:]
    # the results text holds unit ids, grade letters, digits, ":", "=", "/" and spaces only
    head = np.array([
        f'{{"engine": "{COMPACT}", "qualification": {json.dumps(q)}, "registered_on": "{d.isoformat()}", '
        for q in batch.qualifications for d in batch.dates
    ], dtype=object)[batch.row_qualification * len(batch.dates) + batch.row_date]
    names = {name: json.dumps(name) for name in set(graded.grade.tolist())}
    flags = ("false", "true")
    out = np.empty(n, dtype=object)
    out[:] = [
        f'{h}"results": "{t}", "grade": {names[g]}, "points": {p}, '
        f'"complete": {flags[c]}, "eligible": {flags[e]}}}'
        for h, t, g, p, c, e in zip(
            head.tolist(), texts.tolist(), graded.grade.tolist(), graded.points.tolist(),
            graded.complete.tolist(), graded.eligible.tolist(), strict=True)
    ]
    return out


def explanation_request(explanation: dict[str, Any]) -> GradeRequest:
    """The engine request a compact explanation records."""
    by_unit: dict[str, list[Attempt]] = {}
    for word in explanation["results"].split():
        unit, _, result = word.rpartition(":")
        retake = result.endswith("/r")
        result = result.removesuffix("/r")
        letter, _, points = result.partition("=")
        by_unit.setdefault(unit, []).append(Attempt(
            grade=UnitGrade(letter), points=int(points) if points else None, retake=retake))
    return GradeRequest(
        units=tuple(UnitRequest(id=u, attempts=tuple(a)) for u, a in sorted(by_unit.items())),
        qualification=explanation["qualification"],
        registered_on=date.fromisoformat(explanation["registered_on"]),
    )


def explanation_full(explanation: dict[str, Any], catalogue: Catalogue | None = None) -> dict[str, Any]:
    """A version's full explanation (the engine's outcome), re-derived if it was stored compact."""
    if explanation.get("engine") != COMPACT:
        return explanation
    return grade(explanation_request(explanation), catalogue).to_dict()


# --- a batch of a run ----------------------------------------------------------------------


def series_decisions(
    *, series: Series, catalogue: Catalogue, after: int = 0, limit: int = 100_000,
    reasons: ReasonsMemo | None = None,
) -> dict[int, Decision]:
    """The set-based decisions of the registrations after `after` (no change is written), each
    with its compact explanation: what a run would decide, for checks against the reference.
    `reasons`: a memo of reason texts shared with other batches, as a run shares one."""
    rows = _registrations(series, after, limit)
    if not len(rows.ids):
        return {}
    attempts = _unit_results(series, after, int(rows.ids[-1]), rows)
    decided = batch_decide(series=series, rows=rows, attempts=attempts, lookups=_Lookups.load(),
                           catalogue=catalogue, reasons=reasons)
    return {
        int(pk): _decision(decided, row, json.loads(decided.explanation[row]))
        for row, pk in enumerate(rows.ids.tolist())
    }


@dataclass
class PreparedBatch:
    """A batch evaluated and compared with the current results, ready to be written."""

    after: int  # the checkpoint it follows
    last: int  # the last registration id in it
    rows: _Rows
    decided: BatchDecisions
    changed: Ints  # rows whose result changes
    counts: Counter[str]
    writes: _Writes | None  # a committing run's writes, rendered


def batch_prepare(
    *, run: AwardingRun, after: int, limit: int, catalogue: Catalogue,
    reasons: ReasonsMemo | None = None,
) -> PreparedBatch | None:
    """Read and evaluate the `limit` registrations after `after` (None: there are none).

    Reads only (and, on PostgreSQL, reserves the new results' ids): it needs no lock, so a
    worker can prepare the next batch while the last one is written (`awarding_run_execute`).
    `batch_write` applies it under the run's lock. `reasons`: the engine's reason texts by
    scores, shared by the run's batches (`grade_batch`).
    """
    series = run.series
    rows = _registrations(series, after, limit)
    if not len(rows.ids):
        return None
    last = int(rows.ids[-1])
    attempts = _unit_results(series, after, last, rows)
    decided = batch_decide(series=series, rows=rows, attempts=attempts, lookups=_Lookups.load(),
                           catalogue=catalogue, reasons=reasons)
    kept = _keep_issued_grades(rows, decided) if run.policy == RunPolicy.UP_ONLY else 0
    counts: Counter[str] = Counter(decided.status.tolist())
    counts["kept_up_only"] += kept
    counts["by_reference"] += int(decided.by_reference.sum())
    has = rows.result_id >= 0
    same = has & (rows.status == decided.status) & (rows.grade == decided.grade) & (
        rows.points == decided.points) & (rows.reason == decided.reason)
    changed = np.flatnonzero(~same)
    writes = None
    if run.mode != RunMode.PREVIEW and len(changed):
        writes = _render_writes(run.pk, rows, decided, changed, after, last)
    return PreparedBatch(after, last, rows, decided, changed, counts, writes)


def batch_write(*, run: AwardingRun, batch: PreparedBatch) -> Counter[str]:
    """Write a prepared batch of the run (inside the transaction that holds the run's lock and
    moves its checkpoint): result versions where results change, or a preview's changes."""
    counts = Counter(batch.counts)
    if run.mode == RunMode.PREVIEW:
        counts.update(_preview(run, batch.rows, batch.decided, batch.changed))
    elif batch.writes is not None:
        counts["versions_written"] += _apply_writes(batch.writes)
    return +counts


def _keep_issued_grades(rows: _Rows, decided: BatchDecisions) -> int:
    """Up-only (no detriment): where the new evaluation would give an issued result fewer points
    or no grade, the issued result stands as it is (status, grade, points and reason), so it is
    unchanged and gets no new version. Returns how many were kept."""
    issued_now = np.isin(rows.status, list(_ISSUED)) & (rows.points >= 0)
    new_issued = np.isin(decided.status, list(_ISSUED))
    worse = (decided.points < 0) | (decided.points < rows.points) | ~new_issued
    kept = np.flatnonzero(issued_now & worse)
    for row in kept.tolist():
        decided.status[row] = ResultStatus(rows.status[row])
        decided.grade[row] = rows.grade[row]
        decided.points[row] = rows.points[row]
        decided.reason[row] = rows.reason[row]
    return len(kept)


def _preview(run: AwardingRun, rows: _Rows, decided: BatchDecisions, changed: Ints) -> Counter[str]:
    from resultsday.awarding.services import result_direction

    counts: Counter[str] = Counter()
    changes = []
    for row in changed.tolist():
        old = None
        if rows.result_id[row] >= 0:
            old = QualificationResult(
                status=rows.status[row], grade=rows.grade[row],
                points=None if rows.points[row] < 0 else int(rows.points[row]))
        new = _decision(decided, row)
        direction = result_direction(old, new)
        counts[f"would_go_{direction}"] += 1
        changes.append(PreviewChange(
            run=run, registration_id=int(rows.ids[row]), centre_id=rows.centre[row],
            qualification_id=int(rows.qualification[row]),
            old_status=old.status if old else "", old_grade=old.grade if old else "",
            old_points=old.points if old else None, new_status=new.status, new_grade=new.grade,
            new_points=new.points, direction=direction, reason=new.reason,
        ))
    PreviewChange.objects.bulk_create(changes, ignore_conflicts=True, batch_size=2000)
    return counts


def _decision(decided: BatchDecisions, row: int, explanation: dict[str, Any] | None = None) -> Decision:
    points = int(decided.points[row])
    return Decision(ResultStatus(decided.status[row]), decided.grade[row],
                    None if points < 0 else points, decided.reason[row], explanation or {})


_RESULT_COLUMNS = ["registration_id", "status", "grade", "points", "reason", "ucas_changed",
                   "version", "updated_at"]
_VERSION_COLUMNS = ["result_id", "version", "status", "grade", "points", "previous_grade",
                    "reason", "explanation", "run_id", "created_at"]


@dataclass
class _Writes:
    """A batch's writes, built before the transaction that applies them (`_apply_writes`).

    On PostgreSQL the new results' ids are reserved and both tables' rows rendered as COPY text
    here, so that the transaction holding the run's lock only moves data.
    """

    after: int
    last: int
    count: int
    new: list[int]  # positions (among the changed rows) of registrations without a result yet
    results: dict[str, list[Any]]  # the new results, by column
    updates: list[tuple[Any, ...]]  # (id, version, status, grade, points, reason, ucas, at)
    versions: dict[str, list[Any]]  # by column; result_id of new results filled in when known
    learners: list[int]
    results_text: str | None = None  # PostgreSQL: rendered with their ids
    versions_text: str | None = None


def _render_writes(
    run_id: int, rows: _Rows, decided: BatchDecisions, changed: Ints, after: int, last: int
) -> _Writes:
    """New results, updated results and one version each; UCAS applicants' new results and
    changes of status, grade or points are flagged for the UCAS change feed."""
    connection = connections[router.db_for_write(QualificationResult)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    points = [None if p < 0 else p for p in decided.points[changed].tolist()]
    status = [str(s) for s in decided.status[changed].tolist()]
    grades = decided.grade[changed].tolist()
    reasons = decided.reason[changed].tolist()
    has = rows.result_id[changed] >= 0
    new = np.flatnonzero(~has).tolist()
    result_ids = rows.result_id[changed].copy()
    registration_ids = rows.ids[changed].tolist()
    version = np.where(has, rows.version[changed] + 1, 1)
    results = {
        "registration_id": [registration_ids[i] for i in new],
        "status": [status[i] for i in new],
        "grade": [grades[i] for i in new],
        "points": [points[i] for i in new],
        "reason": [reasons[i] for i in new],
        "ucas_changed": rows.ucas[changed[new]].tolist(),
        "version": [1] * len(new),
        "updated_at": [now] * len(new),
    }
    postgresql = connection.vendor == "postgresql"
    if new and postgresql:
        result_ids[new] = ids_reserve(model=QualificationResult, count=len(new))
    # UCAS hears of a change of status, grade or points, not of a new reason text alone.
    regraded = (
        (rows.status[changed] != decided.status[changed])
        | (rows.grade[changed] != decided.grade[changed])
        | (rows.points[changed] != decided.points[changed])
    )
    ucas = rows.ucas_changed[changed] | (rows.ucas[changed] & regraded)
    updates = [
        (int(result_ids[i]), int(version[i]), status[i], grades[i], points[i], reasons[i],
         bool(ucas[i]), now)
        for i in np.flatnonzero(has).tolist()
    ]
    versions = {
        "result_id": result_ids.tolist(),
        "version": version.tolist(),
        "status": status,
        "grade": grades,
        "points": points,
        "previous_grade": np.where(has, rows.grade[changed], "").tolist(),
        "reason": reasons,
        "explanation": decided.explanation[changed].tolist(),
        "run_id": [run_id] * len(changed),
        "created_at": [now] * len(changed),
    }
    writes = _Writes(after, last, len(changed), new, results, updates, versions,
                     rows.learner[changed].tolist())
    if postgresql:
        if new:
            writes.results_text = copy_text(
                [result_ids[new].tolist(), *(results[c] for c in _RESULT_COLUMNS)])
        writes.versions_text = copy_text([versions[c] for c in _VERSION_COLUMNS])
    return writes


def _apply_writes(writes: _Writes) -> int:
    """Write a batch's rendered results and versions (in the batch's transaction)."""
    if writes.versions_text is not None:
        if writes.results_text is not None:
            copy_write(model=QualificationResult, columns=["id", *_RESULT_COLUMNS],
                       text=writes.results_text)
        _update_results(writes.updates)
        copy_write(model=QualificationResultVersion, columns=_VERSION_COLUMNS,
                   text=writes.versions_text)
    else:
        if writes.new:
            values_insert(model=QualificationResult, columns=writes.results)
            found = dict(QualificationResult.objects.filter(
                registration_id__gt=writes.after, registration_id__lte=writes.last
            ).values_list("registration_id", "pk"))
            for i, registration_id in zip(writes.new, writes.results["registration_id"], strict=True):
                writes.versions["result_id"][i] = found[registration_id]
        _update_results(writes.updates)
        values_insert(model=QualificationResultVersion, columns=writes.versions)
    if len(writes.learners) > _FEW_LEARNERS:
        all_results_changed()  # one stamp for a whole batch rather than a stamp per learner
    else:
        learner_results_changed(learner_ids=writes.learners)
    return writes.count


def _update_results(values: list[tuple[Any, ...]]) -> None:
    """UPDATE the changed current results: one statement on PostgreSQL, else executemany."""
    if not values:
        return
    connection = connections[router.db_for_write(QualificationResult)]
    table = QualificationResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = list(zip(*values, strict=True))
            cursor.execute(
                f"UPDATE {table} AS t SET version = v.version, status = v.status, grade = v.grade, "
                f"points = v.points, reason = v.reason, ucas_changed = v.ucas_changed, "
                f"updated_at = v.updated_at FROM unnest(%s::bigint[], %s::int[], %s::text[], "
                f"%s::text[], %s::int[], %s::text[], %s::bool[], %s::timestamptz[]) "
                f"AS v(id, version, status, grade, points, reason, ucas_changed, updated_at) "
                f"WHERE t.id = v.id",
                [list(c) for c in columns],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET version = %s, status = %s, grade = %s, points = %s, "
                f"reason = %s, ucas_changed = %s, updated_at = %s WHERE id = %s",
                [(*v[1:], v[0]) for v in values],
            )
