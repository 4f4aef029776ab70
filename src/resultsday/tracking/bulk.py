"""Tracking in bulk: the live status of every registration of a centre, a series or everyone.

`selectors.tracking_rows` serves pages: its rows keep their `Registration` (templates follow
its relations) and it asks awarding's decision once per registration. Reports and whole-
population figures come from here instead, with the same statuses:

- registrations are read as plain values (`TrackedRegistration.record`), never as model
  instances, a chunk at a time, in pk order or in centre order (`by_centre`: each centre's
  rows arrive together, so every centre's report comes out of one pass);
- every fact table is read once per chunk by one `values_list` query filtered by a subquery
  on the chunk (no IN list of thousands of ids for the driver to build), with no ordering;
- the engine's questions of a chunk (each registration's request and, where units may be
  missing, the same request with the units awaited filled with a Pass) are rows of one
  `grading.bulk` batch, graded in columns; the conditions around the grade are awarding's
  (`decisions.reason_*`). What the columns cannot decide exactly goes to
  `selectors.engine_facts` (awarding's `registration_decide`), once per distinct question;
- the same `selectors.row_parts` and `status.status_of` as the page path turn facts into a
  status. `test_bulk.py` checks that both paths agree registration by registration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from resultsday.assessment.models import UnitResult
from resultsday.awarding.decisions import (
    REASON_NO_CLAIM,
    RegistrationFacts,
    UnitAttempt,
    reason_incomplete,
    reason_verification,
)
from resultsday.awarding.models import Claim, QualificationResult
from resultsday.catalogue.models import Qualification, Series, Unit
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import StandardsVerification
from resultsday.grading import Catalogue, default_catalogue
from resultsday.grading.bulk import NO_RESULT, Batch, Graded, grade_batch
from resultsday.grading.grades import RANK
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Registration
from resultsday.tracking.choices import CheckpointKind
from resultsday.tracking.models import CheckpointLearner
from resultsday.tracking.parallel import parts_run
from resultsday.tracking.selectors import (
    CheckpointAnswer,
    EngineFacts,
    StatusReadings,
    Structure,
    _label,
    _structures,
    engine_facts,
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

CHUNK = 5000
# Engine answers kept per pass; past this the store starts again (bounded memory).
ENGINE_ANSWERS_KEPT = 200_000

_RECORD_FIELDS = (
    "pk", "learner_id", "centre_id", "qualification_id", "series_id", "status", "registered_on",
    "created_at", "is_late", "ucas_applicant", "needs_result_to_progress",
    "learner__candidate_number", "learner__uln", "learner__uci", "learner__last_name",
    "learner__first_name", "centre__number",
)


class RegistrationRecord(NamedTuple):
    """One registration as plain values, in `_RECORD_FIELDS` order."""

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


class _Reference(NamedTuple):
    """What every chunk of a pass shares: catalogue rows, key dates, series names."""

    qualifications: dict[int, QualificationInfo]
    units: dict[int, tuple[str, str, tuple[int, str, int]]]  # id -> number, label, unit order
    series_names: dict[int, str]
    dates: dict[tuple[int, str], SeriesDates]


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
    units = {pk: (number, _label(number, title), (suite_id, code, pk))
             for pk, number, title, suite_id, code in
             Unit.objects.values_list("pk", "number", "title", "suite_id", "code")}
    series_names = dict(Series.objects.values_list("pk", "name"))
    return _Reference(qualifications, units, series_names, series_dates(series_names))


def _chunks_by_pk(
    registrations: QuerySet[Registration], chunk: int
) -> Iterator[tuple[list[RegistrationRecord], QuerySet[Registration]]]:
    last = 0
    while True:
        records = [RegistrationRecord._make(values) for values in
                   registrations.filter(pk__gt=last).order_by("pk").values_list(
                       *_RECORD_FIELDS)[:chunk]]
        if not records:
            return
        yield records, registrations.filter(pk__gt=last, pk__lte=records[-1].pk)
        last = records[-1].pk


def _chunks_by_centre(
    registrations: QuerySet[Registration], chunk: int
) -> Iterator[tuple[list[RegistrationRecord], QuerySet[Registration]]]:
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
                for records, part in _chunks_by_pk(scope, chunk):
                    yield records, part
            else:
                records = [RegistrationRecord._make(values) for values in
                           scope.order_by("centre_id", "pk").values_list(*_RECORD_FIELDS)]
                yield records, scope
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
) -> Iterator[TrackedRegistration]:
    """The live status of every registration in the queryset, a chunk at a time.

    In pk order, or with `by_centre` in centre order (then pk), each centre's rows together.
    """
    now = now or timezone.now()
    catalogue = catalogue or default_catalogue()
    reference = _reference()
    answers: dict[tuple[object, ...], EngineFacts] = {}
    chunks = _chunks_by_centre if by_centre else _chunks_by_pk
    for records, scope in chunks(registrations, chunk):
        if len(answers) > ENGINE_ANSWERS_KEPT:
            answers.clear()
        yield from _tracked_chunk(records, scope, reference=reference, answers=answers,
                                  now=now, catalogue=catalogue)


def _tracked_chunk(
    records: list[RegistrationRecord], scope: QuerySet[Registration], *,
    reference: _Reference, answers: dict[tuple[object, ...], EngineFacts], now: datetime,
    catalogue: Catalogue,
) -> Iterator[TrackedRegistration]:
    ids = scope.order_by().values("pk")
    # Unit results unsorted: the engine takes the best attempt whatever the order, and what is
    # shown (units reported, units outside the qualification) is sorted when shown. Every query
    # here clears its model's default ordering, which would join and sort for nothing.
    attempts: dict[int, list[tuple[int, str, int | None, bool]]] = defaultdict(list)
    for reg_id, unit_id, grade, points, retake in UnitResult.objects.filter(
        registration_id__in=ids
    ).order_by().values_list(
        "registration_id", "unit_id", "grade", "points", "is_retake"
    ):
        attempts[reg_id].append((unit_id, grade, points, retake))
    entries: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for reg_id, unit_id, series_id in Entry.objects.filter(
        registration_id__in=ids, status=EntryStatus.ENTERED
    ).order_by().values_list("registration_id", "unit_id", "series_id"):
        entries[reg_id].append((unit_id, series_id))
    claims = dict(Claim.objects.filter(registration_id__in=ids).order_by()
                  .values_list("registration_id", "is_late"))
    results = {reg_id: (status, grade) for reg_id, status, grade in
               QualificationResult.objects.filter(registration_id__in=ids).order_by()
               .values_list("registration_id", "status", "grade")}
    checkpoints: dict[int, CheckpointAnswer] = {
        reg_id: (expects, declared_at, progress, predicted, late)
        for reg_id, expects, declared_at, progress, predicted, late in
        CheckpointLearner.objects.filter(
            registration_id__in=ids, checkpoint__kind=CheckpointKind.CHECKPOINT_1
        ).order_by().values_list("registration_id", "expects_result", "checkpoint__declared_at",
                      "needs_to_progress", "predicted_grade", "added_late")
    }
    active: dict[tuple[int, int, str], list[tuple[int, str]]] = defaultdict(list)
    quals = reference.qualifications
    for pk, learner_id, qid in Registration.objects.filter(
        learner_id__in=scope.order_by().values("learner_id"), status=RegistrationStatus.ACTIVE
    ).order_by("pk").values_list("pk", "learner_id", "qualification_id"):
        q = quals[qid]
        active[(learner_id, q.suite_id, q.sector)].append((pk, f"{q.title} ({q.qn})"))
    verification = {
        (centre_id, suite_id, sector): status
        for centre_id, suite_id, sector, status in StandardsVerification.objects.filter(
            centre_id__in=scope.order_by().values("centre_id")
        ).order_by().values_list("centre_id", "suite_id", "sector", "status")
    }
    units = reference.units
    released_status = VerificationStatus.RELEASED.value
    active_status = RegistrationStatus.ACTIVE.value
    questions: list[_Question] = []
    for r in records:
        q = quals[r.qualification_id]
        mine = attempts.get(r.pk, ())
        sv_status = verification.get((r.centre_id, q.suite_id, q.sector), "")
        claim_late = claims.get(r.pk)
        questions.append(_Question(
            qualification=q, registered_on=r.registered_on,
            attempts=tuple((units[unit_id][0], grade, points, retake, unit_id in q.unit_ids)
                           for unit_id, grade, points, retake in mine),
            awaiting=frozenset(units[unit_id][0] for unit_id, series_id in entries.get(r.pk, ())
                               if series_id == r.series_id),
            claimed=claim_late is not None,
            released=(sv_status == released_status) if sv_status else None,
        ))
    answered = _engine_answers(questions, answers=answers, catalogue=catalogue)
    for r, question, engine in zip(records, questions, answered, strict=True):
        q = question.qualification
        structure = q.structure
        mine = attempts.get(r.pk, ())
        key_attempts = question.attempts
        awaiting = question.awaiting
        claim_late = claims.get(r.pk)
        sv_status = verification.get((r.centre_id, q.suite_id, q.sector), "")
        outside: list[str] = []
        if mine and any(not attempt[4] for attempt in key_attempts):
            seen = sorted({unit_id for unit_id, *_ in mine if unit_id not in q.unit_ids},
                          key=lambda unit_id: units[unit_id][2])
            outside = [units[unit_id][1] for unit_id in seen]
        siblings: list[str] = []
        if r.status == active_status:
            siblings = [name for pk, name in active.get((r.learner_id, q.suite_id, q.sector), ())
                        if pk != r.pk]
        dates = reference.dates.get((r.series_id, q.results_day_type), _NO_DATES)
        parts = row_parts(
            status=r.status, created_at=r.created_at, is_late=r.is_late,
            needs_result_to_progress=r.needs_result_to_progress, structure=structure,
            reported={attempt[0] for attempt in key_attempts}, awaiting_units=awaiting,
            engine=engine, dates=dates, outside=outside, top_up_with=siblings,
            claimed=claim_late is not None, claim_late=bool(claim_late), sv_status=sv_status,
            result=results.get(r.pk, ("", "")), checkpoint=checkpoints.get(r.pk),
        )
        yield TrackedRegistration(
            record=r, qualification=q, series_name=reference.series_names.get(r.series_id, ""),
            facts=parts.facts, dates=dates, status=status_of(parts.facts, dates, now),
            units_reported=parts.units_reported, points=parts.points,
            predicted_grade=parts.predicted_grade, needs_to_progress=parts.needs_to_progress,
            now=now,
        )


_NO_DATES = SeriesDates()


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


class _Columns:
    """A `grading.bulk.Batch` being filled: one row per engine request."""

    def __init__(self) -> None:
        self.qualifications: dict[str, int] = {}
        self.dates: dict[date, int] = {}
        self.units: dict[str, int] = {}
        self.row_qualification: list[int] = []
        self.row_date: list[int] = []
        self.attempts: list[tuple[int, int, int, int, bool]] = []  # row, unit, rank, points, retake

    def coded(self, attempts: Iterable[tuple[str, int, int | None, bool]]
              ) -> list[tuple[int, int, int, bool]]:
        """Attempts (unit number, rank, points, retake) with the unit's column code."""
        units = self.units
        return [(units.setdefault(number, len(units)), rank,
                 NO_RESULT if points is None else points, retake)
                for number, rank, points, retake in attempts]

    def add(self, qn: str, registered_on: date, coded: list[tuple[int, int, int, bool]]) -> int:
        row = len(self.row_qualification)
        self.row_qualification.append(self.qualifications.setdefault(qn, len(self.qualifications)))
        self.row_date.append(self.dates.setdefault(registered_on, len(self.dates)))
        self.attempts.extend([(row, *attempt) for attempt in coded])
        return row

    def batch(self) -> Batch:
        table = np.array(self.attempts, dtype=np.int64).reshape(len(self.attempts), 5)
        return Batch(
            qualifications=tuple(self.qualifications), dates=tuple(self.dates),
            units=tuple(self.units),
            row_qualification=np.array(self.row_qualification, dtype=np.int64),
            row_date=np.array(self.row_date, dtype=np.int64),
            attempt_row=table[:, 0].copy(), attempt_unit=table[:, 1].copy(),
            attempt_grade=table[:, 2].copy(), attempt_points=table[:, 3].copy(),
            attempt_retake=table[:, 4].astype(np.bool_),
        )


_PASS = RANK["P"]


def _engine_answers(
    questions: Sequence[_Question], *, answers: dict[tuple[object, ...], EngineFacts],
    catalogue: Catalogue,
) -> list[EngineFacts]:
    """`selectors.engine_facts` for every question, by `grading.bulk.grade_batch`.

    Each registration is a row of one batch and, when it may be incomplete, a second row asks
    the "beyond awaited" question (`selectors._short_beyond`: the units awaited or awaiting an
    entry filled with a Pass). The conditions around the grade are `registration_decide`'s, in
    its order, with its reason texts (`decisions.reason_*`). What the columns do not decide
    exactly -- a qualification without a points specification, a unit outside the structure
    (an invalid combination: the decision's reason names it), a result the engine refuses,
    anything `grading.bulk` routes to the reference engine -- is asked of `engine_facts` itself,
    once per distinct question in the pass (`answers`).
    """
    columns = _Columns()
    rows: list[tuple[int, int] | None] = []  # per question: (row, "beyond awaited" row or -1)
    for question in questions:
        q = question.qualification
        spec = catalogue.qualifications.get(q.qn)
        structure = spec.structure if spec is not None else None
        if structure is None:
            rows.append(None)
            continue
        known = structure.units
        ranked = [(number, RANK.get(grade, -1), points, retake)
                  for number, grade, points, retake, placed in question.attempts
                  if placed and number in known]
        if len(ranked) != len(question.attempts) or any(rank < 0 for _, rank, _, _ in ranked):
            rows.append(None)
            continue
        coded = columns.coded(ranked)
        row = columns.add(q.qn, question.registered_on, coded)
        reported = {attempt[0] for attempt in ranked}
        fill = (question.awaiting | {n for n, (_, external, mandatory) in q.structure.items()
                                     if external and mandatory}) - reported
        beyond = -1
        if fill:
            if not fill <= known.keys():
                rows.append(None)  # the decision refuses the filled request: as engine_facts says
                continue
            beyond = columns.add(q.qn, question.registered_on, [
                *coded, *columns.coded((number, _PASS, None, False) for number in sorted(fill))])
        rows.append((row, beyond))
    graded = grade_batch(columns.batch(), catalogue)
    reference = graded.by_reference
    out: list[EngineFacts] = []
    for question, where in zip(questions, rows, strict=True):
        if where is None or reference[where[0]] or (where[1] >= 0 and reference[where[1]]):
            key = (question.qualification.pk, *question[1:])
            found = answers.get(key)
            if found is None:
                q = question.qualification
                found = answers[key] = engine_facts(question.facts(), q.structure, catalogue)
            out.append(found)
            continue
        row, beyond = where
        out.append(_answer(question, graded, row, beyond))
    return out


def _answer(question: _Question, graded: Graded, row: int, beyond: int) -> EngineFacts:
    """One registration's `EngineFacts` from its graded rows (see `selectors.engine_facts`)."""
    grade = str(graded.grade[row])
    # the engine gives reasons exactly when it does not award a grade (engine.evaluate)
    reasons = graded.reasons(row) if grade == "U" else ()
    complete = bool(graded.complete[row])
    short = False
    short_reasons: tuple[str, ...] = ()
    withheld = ""
    if not complete:
        if beyond < 0:
            short, short_reasons = True, reasons
        elif not graded.complete[beyond]:
            short, short_reasons = True, graded.reasons(beyond)
        if not question.awaiting - {attempt[0] for attempt in question.attempts}:
            withheld = reason_incomplete(reasons)  # else pending: not withheld
    elif not question.claimed:
        withheld = REASON_NO_CLAIM
    elif question.released is not True:
        withheld = reason_verification(question.qualification.programme)
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
    return Counter(row.status.code for row in tracked_registrations(registrations, now=now))


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
    "tracked_registrations",
]
