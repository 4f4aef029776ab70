"""Tracking in bulk: the live status of every registration of a centre, a series or everyone.

`selectors.tracking_rows` serves pages: its rows keep their `Registration` (templates follow
its relations) and it asks awarding's decision once per registration. Reports and whole-
population figures come from here instead, with the same statuses:

- registrations are read as plain values (`TrackedRegistration.record`), never as model
  instances, a chunk at a time, in pk order or in centre order (`by_centre`: each centre's
  rows arrive together, so every centre's report comes out of one pass);
- every fact table is read once per chunk by one `values_list` query, with no ordering,
  filtered by the chunk's ids (`_among`: their range when they fill most of it, else the ids
  as one array). Not by a subquery: PostgreSQL's planner cannot tell how few rows a subquery
  gives and reads whole tables for a few thousand; nor by a join to the learners, for the
  same reason (`_records`);
- the unit results come in columns (`assessment.bulk.unit_result_columns`, packed on
  PostgreSQL), and the engine's questions of a chunk (each registration's request and, where
  units may be missing, the same request with the units awaited filled with a Pass) are
  built from those columns as rows of one `grading.bulk` batch, graded in columns; the
  conditions around the grade are awarding's (`decisions.reason_*`). What the columns cannot
  decide exactly goes to `selectors.engine_facts` (awarding's `registration_decide`), once per
  distinct question;
- the same `selectors.row_parts` and `status.status_of` as the page path turn facts into a
  status, once per distinct situation in the pass (`_Memo.readings`). `test_bulk.py` checks
  that both paths agree registration by registration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
from django.db import connections, router
from django.db.models import BooleanField, Count, Field, Max, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from numpy.typing import NDArray

from resultsday.assessment.bulk import unit_result_columns
from resultsday.awarding.decisions import (
    REASON_NO_CLAIM,
    RegistrationFacts,
    UnitAttempt,
    reason_incomplete,
    reason_verification,
)
from resultsday.awarding.models import Claim, QualificationResult
from resultsday.catalogue.choices import Assessment
from resultsday.catalogue.models import Qualification, Series, Unit
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import Centre, StandardsVerification
from resultsday.core.collector import long_pass
from resultsday.core.db import values_rows
from resultsday.grading import Catalogue, default_catalogue
from resultsday.grading.bulk import NO_RESULT, Batch, Graded, ReasonsMemo, grade_batch
from resultsday.grading.grades import RANK
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Learner, Registration
from resultsday.tracking.choices import CheckpointKind
from resultsday.tracking.models import Checkpoint, CheckpointLearner
from resultsday.tracking.parallel import parts_run
from resultsday.tracking.selectors import (
    CheckpointAnswer,
    EngineFacts,
    RowParts,
    StatusReadings,
    Structure,
    _label,
    _structures,
    centre_visibility,
    engine_facts,
    held_until,
    row_held,
    row_parts,
    series_dates,
)
from resultsday.tracking.status import (
    SeriesDates,
    Status,
    StatusCode,
    TrackingFacts,
    status_of,
)

Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

CHUNK = 5000
# Engine answers and reason texts kept per pass; past this a store starts again (bounded
# memory).
ENGINE_ANSWERS_KEPT = 200_000

_RECORD_FIELDS = (
    "pk", "learner_id", "centre_id", "qualification_id", "series_id", "status", "registered_on",
    "created_at", "is_late", "ucas_applicant", "needs_result_to_progress",
)
_LEARNER_FIELDS = ("pk", "candidate_number", "uln", "uci", "last_name", "first_name")


class RegistrationRecord(NamedTuple):
    """One registration as plain values: `_RECORD_FIELDS`, its learner's `_LEARNER_FIELDS` and
    its centre's number."""

    pk: int
    learner_id: int
    centre_id: int
    qualification_id: int
    series_id: int
    status: str
    registered_on: date
    created_at: datetime | None
    is_late: bool
    ucas_applicant: bool
    needs_result_to_progress: bool
    candidate_number: str
    uln: str
    uci: str
    last_name: str
    first_name: str
    centre_number: str


class QualificationInfo(NamedTuple):
    pk: int
    qn: str
    title: str
    suite_id: int
    sector: str
    results_day_type: str
    awarding_organisation_id: int
    programme: str  # as awarding names it in a decision's reason
    structure: Structure
    unit_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class TrackedRegistration(StatusReadings):
    """A registration's live status with the facts behind it (a report's Learner data row)."""

    record: RegistrationRecord
    qualification: QualificationInfo
    series_name: str
    facts: TrackingFacts
    dates: SeriesDates
    status: Status
    units_reported: tuple[str, ...]
    points: int | None
    predicted_grade: str
    needs_to_progress: bool
    now: datetime
    # Entered for an external unit in its own series: the release policy's embargo (as
    # `release.selectors.embargoed_registration_ids` has it, from the entries read here).
    embargoed: bool = False


class _Reference(NamedTuple):
    """What every chunk of a pass shares: catalogue rows, key dates, series names, and the
    numbers of the centres and declarations of the checkpoints seen so far."""

    qualifications: dict[int, QualificationInfo]
    # id -> number, label, unit order, is external
    units: dict[int, tuple[str, str, tuple[int, str, int], bool]]
    series_names: dict[int, str]
    dates: dict[tuple[int, str], SeriesDates]
    centre_numbers: dict[int, str]
    checkpoints_declared: dict[int, datetime | None]


def _reference() -> _Reference:
    structures, unit_ids = _structures(set(Qualification.objects.values_list("pk", flat=True)))
    qualifications = {
        pk: QualificationInfo(pk, qn, title, suite_id, sector, rdt, ao_id,
                              f"{suite_name} {sector.replace('-', ' ')}",
                              structures.get(pk, {}), frozenset(unit_ids.get(pk, ())))
        for pk, qn, title, suite_id, sector, rdt, ao_id, suite_name in
        Qualification.objects.values_list("pk", "qn", "title", "suite_id", "sector",
                                          "results_day_type", "awarding_organisation_id",
                                          "suite__name")
    }
    units = {pk: (number, _label(number, title), (suite_id, code, pk),
                  assessment == Assessment.EXTERNAL)
             for pk, number, title, suite_id, code, assessment in
             Unit.objects.values_list("pk", "number", "title", "suite_id", "code", "assessment")}
    series_names = dict(Series.objects.values_list("pk", "name"))
    return _Reference(qualifications, units, series_names, series_dates(series_names), {}, {})


@dataclass(frozen=True)
class _Codes:
    """The catalogue as the columns need it: every unit number a code, lookups as sorted arrays."""

    numbers: tuple[str, ...]  # a unit number's code is its index
    code_of: dict[str, int]
    unit_ids: Ints  # sorted
    unit_codes: Ints  # the number code of each of unit_ids
    placed: Ints  # sorted qualification id << 32 | unit id, of the units placed in a qualification
    known: Ints  # sorted qualification id << 32 | number code, of its specification's units
    specified: frozenset[int]  # qualifications with a points specification (the columns' own)
    external_mandatory: dict[int, frozenset[str]]  # per qualification, by unit number
    spec_numbers: dict[int, frozenset[str]]  # per qualification: its specification's units

    @classmethod
    def of(cls, reference: _Reference, catalogue: Catalogue) -> _Codes:
        specs = {pk: spec.structure for pk, q in reference.qualifications.items()
                 if (spec := catalogue.qualifications.get(q.qn)) is not None
                 and spec.structure is not None}
        spec_numbers = {pk: frozenset(structure.units) for pk, structure in specs.items()}
        numbers = tuple(sorted({unit[0] for unit in reference.units.values()}
                               .union(*spec_numbers.values())))
        code_of = {number: i for i, number in enumerate(numbers)}
        unit_ids = np.array(sorted(reference.units), dtype=np.int64)
        return cls(
            numbers=numbers, code_of=code_of, unit_ids=unit_ids,
            unit_codes=np.array([code_of[reference.units[u][0]] for u in unit_ids.tolist()],
                                dtype=np.int64),
            placed=np.array(sorted(pk << 32 | u for pk, q in reference.qualifications.items()
                                   for u in q.unit_ids), dtype=np.int64),
            known=np.array(sorted(pk << 32 | code_of[n] for pk, known in spec_numbers.items()
                                  for n in known), dtype=np.int64),
            specified=frozenset(specs),
            external_mandatory={
                pk: frozenset(n for n, (_, external, mandatory) in q.structure.items()
                              if external and mandatory)
                for pk, q in reference.qualifications.items()},
            spec_numbers=spec_numbers,
        )


_RANK_OF_LETTER = np.full(256, -1, dtype=np.int64)  # -1: not a grade letter
for _letter, _rank in RANK.items():
    _RANK_OF_LETTER[ord(_letter)] = _rank


class _Chunk(NamedTuple):
    """Registrations read together: their `_RECORD_FIELDS`."""

    rows: list[tuple[Any, ...]]


def _chunks_by_pk(registrations: QuerySet[Registration], chunk: int) -> Iterator[_Chunk]:
    last = 0
    while True:
        rows = values_rows(registrations.filter(pk__gt=last).order_by("pk")
                           .values_list(*_RECORD_FIELDS)[:chunk])
        if not rows:
            return
        yield _Chunk(rows)
        last = rows[-1][0]


def _chunks_by_centre(registrations: QuerySet[Registration], chunk: int) -> Iterator[_Chunk]:
    """Whole centres at a time, about `chunk` registrations (a larger centre is read alone)."""
    sizes = list(registrations.order_by("centre_id").values("centre_id")
                 .annotate(n=Count("pk")).values_list("centre_id", "n"))
    group: list[int] = []
    total = 0
    for index, (centre_id, n) in enumerate(sizes):
        group.append(centre_id)
        total += n
        if total >= chunk or index == len(sizes) - 1:
            scope = registrations.filter(centre_id__in=group)
            if len(group) == 1 and total > chunk:
                yield from _chunks_by_pk(scope, chunk)
            else:
                yield _Chunk(values_rows(scope.order_by("centre_id", "pk")
                                         .values_list(*_RECORD_FIELDS)))
            group, total = [], 0


class IdRange(NamedTuple):
    """Ids from `first` to `last`, both included: one part of a pass shared between workers."""

    first: int
    last: int


def registration_ranges(registrations: QuerySet[Registration], parts: int) -> list[IdRange]:
    """The registrations' ids in up to `parts` contiguous ranges of about equal counts."""
    ids = registrations.order_by("pk").values_list("pk", flat=True)
    total = ids.count()
    if not total:
        return []
    parts = max(1, min(parts, total))
    firsts = [ids[total * k // parts] for k in range(parts)]
    ends = [first - 1 for first in firsts[1:]] + [registrations.aggregate(last=Max("pk"))["last"]]
    return [IdRange(first, end) for first, end in zip(firsts, ends, strict=True)]


def centre_ranges(registrations: QuerySet[Registration], parts: int) -> list[IdRange]:
    """Centre ids in up to `parts` contiguous ranges holding about equal numbers of the
    registrations (a centre is never split: each centre's report comes from one part)."""
    sizes = list(registrations.order_by("centre_id").values("centre_id")
                 .annotate(n=Count("pk")).values_list("centre_id", "n"))
    total = sum(n for _, n in sizes)
    ranges: list[IdRange] = []
    first: int | None = None
    seen = 0
    for centre_id, n in sizes:
        first = centre_id if first is None else first
        seen += n
        if seen * parts >= total * (len(ranges) + 1):
            ranges.append(IdRange(first, centre_id))
            first = None
    # Contiguous: a centre id between two parts' centres belongs to the later part.
    return [IdRange(r.first if i == 0 else ranges[i - 1].last + 1, r.last)
            for i, r in enumerate(ranges)]


def tracked_registrations(
    registrations: QuerySet[Registration], *, now: datetime | None = None,
    catalogue: Catalogue | None = None, chunk: int = CHUNK, by_centre: bool = False,
    explain: bool = True,
) -> Iterator[TrackedRegistration]:
    """The live status of every registration in the queryset, a chunk at a time.

    In pk order, or with `by_centre` in centre order (then pk), each centre's rows together.

    `explain=False` leaves out the grading engine's reason texts -- a status's `details` and
    the facts' `engine_reasons`, `units_short_reasons` and `decision_reason` are empty -- for
    callers that show none of them (reports, whole-population counts): every status code,
    meaning, action and deadline is the same. Working the texts out is a quarter of a pass, and
    without them far more learners share one situation (`_Memo.readings`).
    """
    now = now or timezone.now()
    catalogue = catalogue or default_catalogue()
    reference = _reference()
    codes = _Codes.of(reference, catalogue)
    memo = _Memo()
    chunks = _chunks_by_centre if by_centre else _chunks_by_pk
    for part in chunks(registrations, chunk):
        memo.bound()
        yield from _tracked_chunk(part, reference=reference, codes=codes, memo=memo, now=now,
                                  catalogue=catalogue, explain=explain)


class _Memo:
    """What a pass works out once and reuses (each store bounded: `ENGINE_ANSWERS_KEPT`).

    - `answers`: `engine_facts` by question, for the questions the columns cannot decide;
    - `reasons`: the engine's reason texts by scores (`grading.bulk.ReasonsMemo`);
    - `readings`: a registration's `row_parts` and status by everything they read. Far fewer
      than the registrations: learners in the same situation share them.
    """

    def __init__(self) -> None:
        self.answers: dict[tuple[object, ...], EngineFacts] = {}
        self.reasons: ReasonsMemo = {}
        self.readings: dict[tuple[object, ...], tuple[RowParts, Status]] = {}

    def bound(self) -> None:
        for store in (self.answers, self.reasons, self.readings):
            if len(store) > ENGINE_ANSWERS_KEPT:
                store.clear()


def _among(model: type[Model], field: str, ids: Collection[int]) -> Q:
    """Rows of `model` whose `field` is one of `ids` (at most a few thousand).

    Their range when the ids fill most of it: an index range scan (rows in the range but not
    among the ids are read, and never looked up). Else the ids themselves, on PostgreSQL as one
    array parameter: a list of thousands of parameters costs more to build and send than the
    query takes. Never a subquery: PostgreSQL's planner cannot see how few rows it gives, and
    for a few thousand it reads the whole fact table.
    """
    if _dense(ids):
        return Q(**{f"{field}__gte": min(ids), f"{field}__lte": max(ids)})
    if connections[router.db_for_read(model)].vendor == "postgresql":
        found = model._meta.get_field(field)
        assert isinstance(found, Field)
        column = f'"{model._meta.db_table}"."{found.column}"'
        # the column's name comes from the model; the ids are a parameter
        return Q(RawSQL(f"{column} = ANY(%s)", (list(ids),),  # noqa: S611
                        output_field=BooleanField()))
    return Q(**{f"{field}__in": ids})


def _dense(ids: Collection[int]) -> bool:
    """Whether the ids fill most of their range."""
    return max(ids) - min(ids) < 2 * len(ids)


def _records(rows: list[tuple[Any, ...]], centre_numbers: dict[int, str]
             ) -> list[RegistrationRecord]:
    """The chunk's registrations with their learners' and centres' values, read by id (joined
    to the registrations instead, PostgreSQL's planner chooses to read every learner)."""
    people = {pk: values for pk, *values in values_rows(Learner.objects.filter(
        _among(Learner, "id", {row[1] for row in rows})).order_by().values_list(*_LEARNER_FIELDS))}
    unknown = {row[2] for row in rows} - centre_numbers.keys()
    if unknown:
        centre_numbers.update(Centre.objects.filter(pk__in=unknown).values_list("pk", "number"))
    return [RegistrationRecord._make((*row, *people[row[1]], centre_numbers[row[2]]))
            for row in rows]


@dataclass(frozen=True)
class _Attempts:
    """The chunk's unit results in columns, by record (`row`), then unit and attempt."""

    row: Ints
    unit: Ints  # unit id
    code: Ints  # the unit number's code (`_Codes`)
    letter: Ints  # the grade letter's character code
    rank: Ints  # the grade's rank, -1: not a grade
    points: Ints  # -1: none
    retake: Bools
    placed: Bools  # the unit is placed in the record's qualification
    starts: Ints  # record i's attempts are [starts[i], starts[i + 1])

    @classmethod
    def read(cls, records: Sequence[RegistrationRecord], codes: _Codes) -> _Attempts:
        """`assessment.bulk.unit_result_columns` of the records' registrations."""
        pks = [r.pk for r in records]
        found = unit_result_columns(
            registrations=Registration.objects.filter(_among(Registration, "id", pks)),
            **({"after": min(pks) - 1, "last": max(pks)} if _dense(pks) else {}))
        ids = np.array(pks, dtype=np.int64)
        sorter = np.argsort(ids, kind="stable")
        at = np.searchsorted(ids[sorter], found.registration).clip(max=len(ids) - 1)
        mine = ids[sorter][at] == found.registration  # a dense range may hold others too
        row = sorter[at[mine]]
        order = np.argsort(row, kind="stable")  # unit and attempt order kept within a record
        row, unit = row[order], found.unit[mine][order]
        letter = found.letter[mine][order]
        qualification = np.array([r.qualification_id for r in records], dtype=np.int64)
        return cls(
            row=row, unit=unit,
            code=codes.unit_codes[np.searchsorted(codes.unit_ids, unit)],
            letter=letter, rank=_RANK_OF_LETTER[letter.clip(0, 255)],
            points=found.points[mine][order], retake=found.retake[mine][order],
            placed=np.isin(qualification[row] << 32 | unit, codes.placed),
            starts=np.searchsorted(row, np.arange(len(records) + 1)),
        )


def _tracked_chunk(
    chunk: _Chunk, *, reference: _Reference, codes: _Codes, memo: _Memo, now: datetime,
    catalogue: Catalogue, explain: bool,
) -> Iterator[TrackedRegistration]:
    records = _records(chunk.rows, reference.centre_numbers)
    pks = [r.pk for r in records]
    # Each fact table is read by the registrations' ids (`_among`); every query here clears
    # its model's default ordering, which would join and sort for nothing.
    attempts = _Attempts.read(records, codes)
    entries: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for reg_id, unit_id, series_id in values_rows(Entry.objects.filter(
        _among(Entry, "registration_id", pks), status=EntryStatus.ENTERED
    ).order_by().values_list("registration_id", "unit_id", "series_id")):
        entries[reg_id].append((unit_id, series_id))
    claims = dict(values_rows(Claim.objects.filter(_among(Claim, "registration_id", pks))
                              .order_by().values_list("registration_id", "is_late")))
    results = {reg_id: (status, grade) for reg_id, status, grade in
               values_rows(QualificationResult.objects.filter(
                   _among(QualificationResult, "registration_id", pks)).order_by()
                   .values_list("registration_id", "status", "grade"))}
    answers = values_rows(CheckpointLearner.objects.filter(
        _among(CheckpointLearner, "registration_id", pks),
        checkpoint__kind=CheckpointKind.CHECKPOINT_1,
    ).order_by().values_list("registration_id", "expects_result", "checkpoint_id",
                             "needs_to_progress", "predicted_grade", "added_late"))
    # Each checkpoint's declaration read once a pass, not with each of its learners.
    declared = reference.checkpoints_declared
    unknown = {answer[2] for answer in answers} - declared.keys()
    if unknown:
        declared.update(Checkpoint.objects.filter(pk__in=unknown).values_list("pk",
                                                                               "declared_at"))
    checkpoints: dict[int, CheckpointAnswer] = {
        reg_id: (expects, declared[checkpoint_id], progress, predicted, late)
        for reg_id, expects, checkpoint_id, progress, predicted, late in answers
    }
    active: dict[tuple[int, int, str], list[tuple[int, str]]] = defaultdict(list)
    quals = reference.qualifications
    for pk, learner_id, qid in values_rows(Registration.objects.filter(
        _among(Registration, "learner_id", {r.learner_id for r in records}),
        status=RegistrationStatus.ACTIVE,
    ).order_by("pk").values_list("pk", "learner_id", "qualification_id")):
        q = quals[qid]
        active[(learner_id, q.suite_id, q.sector)].append((pk, f"{q.title} ({q.qn})"))
    verification = {
        (centre_id, suite_id, sector): status
        for centre_id, suite_id, sector, status in StandardsVerification.objects.filter(
            _among(StandardsVerification, "centre_id", {r.centre_id for r in records})
        ).order_by().values_list("centre_id", "suite_id", "sector", "status")
    }
    units = reference.units
    released_status = VerificationStatus.RELEASED.value
    active_status = RegistrationStatus.ACTIVE.value
    numbers = [codes.numbers[code] for code in attempts.code.tolist()]
    starts = attempts.starts.tolist()
    reported = [frozenset(numbers[starts[i]:starts[i + 1]]) for i in range(len(records))]
    # The units awaited in the registration's own series, and whether one is external (the
    # result is then under the embargo): one scan of the entries.
    entered = [[units[unit_id] for unit_id, series_id in entries.get(r.pk, ())
                if series_id == r.series_id] for r in records]
    awaiting = [frozenset([unit[0] for unit in these]) for these in entered]
    embargoed = [any(unit[3] for unit in these) for these in entered]
    sv_statuses = [verification.get((r.centre_id, quals[r.qualification_id].suite_id,
                                     quals[r.qualification_id].sector), "") for r in records]
    answered = _engine_answers(
        records, attempts, reported=reported, awaiting=awaiting,
        claimed=[r.pk in claims for r in records],
        released=[(sv == released_status) if sv else None for sv in sv_statuses],
        quals=quals, codes=codes, memo=memo, catalogue=catalogue, explain=explain)
    outside_rows = set(np.unique(attempts.row[~attempts.placed]).tolist())
    unit_list = attempts.unit.tolist()
    readings = memo.readings
    for i, (r, engine) in enumerate(zip(records, answered, strict=True)):
        q = quals[r.qualification_id]
        structure = q.structure
        claim_late = claims.get(r.pk)
        sv_status = sv_statuses[i]
        outside: list[str] = []
        if i in outside_rows:
            seen = sorted({unit_id for unit_id in unit_list[starts[i]:starts[i + 1]]
                           if unit_id not in q.unit_ids}, key=lambda unit_id: units[unit_id][2])
            outside = [units[unit_id][1] for unit_id in seen]
        siblings: list[str] = []
        if r.status == active_status:
            siblings = [name for pk, name in active.get((r.learner_id, q.suite_id, q.sector), ())
                        if pk != r.pk]
        dates = reference.dates.get((r.series_id, q.results_day_type), _NO_DATES)
        result = results.get(r.pk, ("", ""))
        checkpoint = checkpoints.get(r.pk)
        # Everything row_parts and status_of read: of created_at, only whether it is after
        # checkpoint 1 (added late); of the checkpoint's declaration, only whether there is one.
        key = (r.status, r.created_at is not None and dates.checkpoint_1 is not None
               and r.created_at > dates.checkpoint_1, r.is_late, r.needs_result_to_progress,
               q.pk, reported[i], awaiting[i], engine, r.series_id, q.results_day_type,
               tuple(outside), tuple(siblings), claim_late, sv_status, result,
               checkpoint and (checkpoint[0], checkpoint[1] is not None, *checkpoint[2:]))
        found = readings.get(key)
        if found is None:
            parts = row_parts(
                status=r.status, created_at=r.created_at, is_late=r.is_late,
                needs_result_to_progress=r.needs_result_to_progress, structure=structure,
                reported=reported[i], awaiting_units=awaiting[i], engine=engine, dates=dates,
                outside=outside, top_up_with=siblings, claimed=claim_late is not None,
                claim_late=bool(claim_late), sv_status=sv_status, result=result,
                checkpoint=checkpoint,
            )
            found = readings[key] = (parts, status_of(parts.facts, dates, now))
        parts, status = found
        yield TrackedRegistration(
            record=r, qualification=q, series_name=reference.series_names.get(r.series_id, ""),
            facts=parts.facts, dates=dates, status=status,
            units_reported=parts.units_reported, points=parts.points,
            predicted_grade=parts.predicted_grade, needs_to_progress=parts.needs_to_progress,
            now=now, embargoed=embargoed[i],
        )


_NO_DATES = SeriesDates()


def tracked_as_centre_sees(rows: Sequence[TrackedRegistration]) -> list[TrackedRegistration]:
    """The rows as every member of the centre's staff may see them, as
    `selectors.rows_as_centre_sees` gives them on the page path: `selectors.centre_visibility`
    decided once per embargo, series dates and moment, and where it hides the result, the
    row with `selectors.row_held`. No queries."""
    decisions: dict[tuple[bool, SeriesDates, datetime], tuple[bool, str]] = {}
    shown = []
    for row in rows:
        key = (row.embargoed, row.dates, row.now)
        decided = decisions.get(key)
        if decided is None:
            decision = centre_visibility(embargoed=row.embargoed, dates=row.dates, now=row.now)
            decided = decisions[key] = (decision.visible,
                                        "" if decision.visible else held_until(decision))
        visible, until = decided
        shown.append(row if visible else row_held(row, until=until))
    return shown


# ---- the engine's answers, a chunk at a time in columns -----------------------------------


class _Question(NamedTuple):
    """What `selectors.engine_facts` asks awarding's decision about one registration."""

    qualification: QualificationInfo
    registered_on: date
    attempts: tuple[tuple[str, str, int | None, bool, bool], ...]  # as `UnitAttempt`'s fields
    awaiting: frozenset[str]
    claimed: bool
    released: bool | None

    def facts(self) -> RegistrationFacts:
        return RegistrationFacts(
            qualification_qn=self.qualification.qn, registered_on=self.registered_on,
            attempts=[UnitAttempt(*attempt) for attempt in self.attempts],
            awaiting_units=set(self.awaiting), claimed=self.claimed,
            verification_released=self.released, programme=self.qualification.programme,
        )


_PASS = RANK["P"]


def _engine_answers(
    records: Sequence[RegistrationRecord], attempts: _Attempts, *,
    reported: Sequence[frozenset[str]], awaiting: Sequence[frozenset[str]],
    claimed: Sequence[bool], released: Sequence[bool | None],
    quals: dict[int, QualificationInfo], codes: _Codes, memo: _Memo, catalogue: Catalogue,
    explain: bool,
) -> list[EngineFacts]:
    """`selectors.engine_facts` for every record, by `grading.bulk.grade_batch`.

    Each registration is a row of one batch and, when it may be incomplete, a second row asks
    the "beyond awaited" question (`selectors._short_beyond`: the units awaited or awaiting an
    entry filled with a Pass). The conditions around the grade are `registration_decide`'s, in
    its order, with its reason texts (`decisions.reason_*`). What the columns do not decide
    exactly -- a qualification without a points specification, a unit outside the structure
    (an invalid combination: the decision's reason names it), a result the engine refuses,
    anything `grading.bulk` routes to the reference engine -- is asked of `engine_facts` itself,
    once per distinct question in the pass (`memo.answers`). Without `explain`, no reason text
    (`tracked_registrations`).
    """
    qualification = np.array([r.qualification_id for r in records], dtype=np.int64)
    # the decision's own checks before grading: a specification, every unit placed in the
    # qualification and in its specification, every grade one the engine knows
    known = np.isin(qualification[attempts.row] << 32 | attempts.code, codes.known)
    columns = np.array([r.qualification_id in codes.specified for r in records], dtype=np.bool_)
    columns[attempts.row[~(attempts.placed & known & (attempts.rank >= 0))]] = False
    fills: dict[int, list[int]] = {}  # row -> the codes a "beyond awaited" row fills with a Pass
    for i in np.flatnonzero(columns).tolist():
        qid = records[i].qualification_id
        fill = (awaiting[i] | codes.external_mandatory[qid]) - reported[i]
        if fill:
            if not fill <= codes.spec_numbers[qid]:
                columns[i] = False  # the decision refuses the filled request: as engine_facts says
                continue
            fills[i] = [codes.code_of[number] for number in sorted(fill)]
    graded, beyond = _graded(records, attempts, columns, fills, quals=quals, codes=codes,
                             reasons=memo.reasons, catalogue=catalogue)
    main = np.cumsum(columns) - 1  # record -> its batch row
    out: list[EngineFacts] = []
    for i, r in enumerate(records):
        row = int(main[i])
        after = beyond.get(i, -1)
        if (not columns[i] or graded.by_reference[row]
                or (after >= 0 and graded.by_reference[after])):
            out.append(_by_decision(i, r, attempts, quals[r.qualification_id], awaiting[i],
                                    claimed[i], released[i], codes, memo, catalogue, explain))
            continue
        out.append(_answer(graded, row, after, pending=bool(awaiting[i] - reported[i]),
                           claimed=claimed[i], released=released[i],
                           programme=quals[r.qualification_id].programme, explain=explain))
    return out


def _graded(
    records: Sequence[RegistrationRecord], attempts: _Attempts, columns: Bools,
    fills: dict[int, list[int]], *, quals: dict[int, QualificationInfo], codes: _Codes,
    reasons: ReasonsMemo, catalogue: Catalogue,
) -> tuple[Graded, dict[int, int]]:
    """One batch: a row per record the columns decide, then a "beyond awaited" row per record
    in `fills` (its attempts, and a Pass for each unit filled). Returns the graded batch and
    those records' "beyond awaited" rows."""
    rows = np.flatnonzero(columns).tolist()
    extra = sorted(fills)
    index = np.full(len(records), -1, dtype=np.int64)  # record -> its row (-1: none)
    index[rows] = np.arange(len(rows))
    again = np.full(len(records), -1, dtype=np.int64)  # record -> its "beyond awaited" row
    again[extra] = np.arange(len(rows), len(rows) + len(extra))
    own = index[attempts.row] >= 0
    copied = again[attempts.row] >= 0
    filled_row = np.array([again[i] for i in extra for _ in fills[i]], dtype=np.int64)
    filled_code = np.array([code for i in extra for code in fills[i]], dtype=np.int64)

    def joined(column: NDArray[Any], fill: int) -> Ints:
        return np.concatenate([column[own], column[copied],
                               np.full(len(filled_row), fill, dtype=np.int64)]).astype(np.int64)

    qns: dict[str, int] = {}
    dates: dict[date, int] = {}
    chosen = [records[i] for i in rows + extra]
    row_qualification = [qns.setdefault(quals[r.qualification_id].qn, len(qns)) for r in chosen]
    row_date = [dates.setdefault(r.registered_on, len(dates)) for r in chosen]
    batch = Batch(
        qualifications=tuple(qns), dates=tuple(dates), units=codes.numbers,
        row_qualification=np.array(row_qualification, dtype=np.int64),
        row_date=np.array(row_date, dtype=np.int64),
        attempt_row=np.concatenate([index[attempts.row[own]], again[attempts.row[copied]],
                                    filled_row]),
        attempt_unit=np.concatenate([attempts.code[own], attempts.code[copied], filled_code]),
        attempt_grade=joined(attempts.rank, _PASS),
        attempt_points=joined(attempts.points, NO_RESULT),
        attempt_retake=joined(attempts.retake, 0).astype(np.bool_),
    )
    return grade_batch(batch, catalogue, reasons=reasons), {i: int(again[i]) for i in extra}


def _by_decision(
    i: int, record: RegistrationRecord, attempts: _Attempts, q: QualificationInfo,
    awaiting: frozenset[str], claimed: bool, released: bool | None, codes: _Codes,
    memo: _Memo, catalogue: Catalogue, explain: bool,
) -> EngineFacts:
    """`engine_facts` of one record, asked once per distinct question in the pass (kept
    without its reason texts when the pass does not `explain`)."""
    lo, hi = int(attempts.starts[i]), int(attempts.starts[i + 1])
    question = _Question(
        qualification=q, registered_on=record.registered_on,
        attempts=tuple(
            (codes.numbers[code], chr(letter), None if points < 0 else points, retake, placed)
            for code, letter, points, retake, placed in zip(
                attempts.code[lo:hi].tolist(), attempts.letter[lo:hi].tolist(),
                attempts.points[lo:hi].tolist(), attempts.retake[lo:hi].tolist(),
                attempts.placed[lo:hi].tolist(), strict=True)),
        awaiting=awaiting, claimed=claimed, released=released,
    )
    key = (q.pk, *question[1:])
    found = memo.answers.get(key)
    if found is None:
        found = engine_facts(question.facts(), q.structure, catalogue)
        if not explain:
            found = found._replace(short_reasons=(), reasons=(), withheld_reason="")
        memo.answers[key] = found
    return found


def _answer(graded: Graded, row: int, beyond: int, *, pending: bool, claimed: bool,
            released: bool | None, programme: str, explain: bool) -> EngineFacts:
    """One registration's `EngineFacts` from its graded rows (see `selectors.engine_facts`):
    `pending`, a unit awaited has no result yet; without `explain`, no reason text."""
    grade = str(graded.grade[row])
    # the engine gives reasons exactly when it does not award a grade (engine.evaluate)
    reasons = graded.reasons(row) if explain and grade == "U" else ()
    complete = bool(graded.complete[row])
    short = False
    short_reasons: tuple[str, ...] = ()
    withheld = ""
    if not complete:
        if beyond < 0:
            short, short_reasons = True, reasons
        elif not graded.complete[beyond]:
            short = True
            short_reasons = graded.reasons(beyond) if explain else ()
        if explain and not pending:
            withheld = reason_incomplete(reasons)  # else pending: not withheld
    elif explain and not claimed:
        withheld = REASON_NO_CLAIM
    elif explain and released is not True:
        withheld = reason_verification(programme)
    fallback = graded.fallback[row]
    return EngineFacts(
        complete=complete, units_short=short, short_reasons=short_reasons, grade=grade,
        points=int(graded.points[row]), reasons=reasons,
        fallback=f"{fallback.title} ({fallback.qualification}): {fallback.grade}" if fallback
        else "",
        withheld_reason=withheld,
    )


def _status_counts_part(part: tuple[IdRange, datetime]) -> Counter[StatusCode]:
    ids, now = part
    registrations = Registration.objects.filter(pk__gte=ids.first, pk__lte=ids.last)
    with long_pass():
        return Counter(row.status.code for row in tracked_registrations(registrations, now=now,
                                                                        explain=False))


def status_totals(*, now: datetime | None = None, processes: int = 1) -> Counter[StatusCode]:
    """Every registration's live status, counted: the national figure, computed on demand.

    With `processes` > 1 the registrations are split into that many id ranges, each counted
    in its own process with its own database connection (`parallel.parts_run`).
    """
    now = now or timezone.now()
    ranges = registration_ranges(Registration.objects.all(), processes)
    totals: Counter[StatusCode] = Counter()
    for counts in parts_run(_status_counts_part, [(r, now) for r in ranges],
                            processes=processes):
        totals.update(counts)
    return totals


def centre_tracked(
    *, centre_id: int, now: datetime | None = None, catalogue: Catalogue | None = None,
) -> list[TrackedRegistration]:
    """Every registration of one centre with its live status, by learner name."""
    rows = list(tracked_registrations(Registration.objects.filter(centre_id=centre_id), now=now,
                                      catalogue=catalogue))
    rows.sort(key=lambda row: (row.record.last_name, row.record.first_name, row.record.pk))
    return rows


__all__ = [
    "CHUNK",
    "QualificationInfo",
    "RegistrationRecord",
    "TrackedRegistration",
    "centre_tracked",
    "tracked_as_centre_sees",
    "tracked_registrations",
]
