"""Centre workflows on internal unit grades: report or correct one, a group's grid, an upload.

`unit_grade_record` is the one way a centre reports an internal unit grade: it checks the
rules, writes the attempt and records an audit event in the same transaction. Batches (the
grid, uploads and the API) check every grade first and then apply all of them or none.
Rule failures carry the field they are about and a message in GOV.UK voice, so pages, the API
and uploads all say the same thing.

What a grade means here: the centre says "the learner's current grade for this unit is G,
obtained on a retake or not". So reporting the grade the unit already has changes nothing,
which makes uploading the same file twice safe; a retake after a first attempt adds a new
attempt; anything else corrects the current attempt, with before and after in the audit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_event, audit_record, audit_record_many, rows_insert
from resultsday.assessment.choices import (
    INTERNAL_GRADES,
    RETAKE_CAPPED_GRADES,
    BoundaryStatus,
    ResultSource,
    UnitGrade,
)
from resultsday.assessment.models import GradeBoundary, UnitResult
from resultsday.assessment.selectors import MARKABLE_REGISTRATION_STATUSES
from resultsday.catalogue.models import Qualification, QualificationUnit, Series, Unit
from resultsday.centres.models import Centre
from resultsday.formats.columns import Column
from resultsday.formats.tabular import ImportProblem, read_table
from resultsday.grading import Boundaries, BoundaryError, MarkResult, default_catalogue, mark_to_result
from resultsday.identifiers import (
    check_candidate_number,
    check_centre_number,
    check_qualification_number,
)
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Learner, Registration
from resultsday.release.cache import learner_results_changed

if TYPE_CHECKING:
    from resultsday.accounts.models import AuditEvent, User


@dataclass(frozen=True)
class GradeProblem:
    field: str | None
    message: str


class UnitGradeError(Exception):
    """A grading rule said no. `problems` lists every reason, each with the field it is about."""

    def __init__(self, problems: Sequence[GradeProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def one(cls, field: str | None, message: str) -> UnitGradeError:
        return cls([GradeProblem(field, message)])

    @property
    def message(self) -> str:
        return self.problems[0].message


@dataclass(frozen=True)
class GradeOutcome:
    unit_result: UnitResult
    changed: bool
    created: bool = False
    changed_after_claim: bool = False


def has_claim(registration: Registration) -> bool:
    """Whether the centre has made the full award claim (select_related("claim") saves a query)."""
    try:
        registration.claim  # noqa: B018 (the reverse one-to-one raises when there is none)
    except ObjectDoesNotExist:
        return False
    return True


def unit_grade_problems(
    *,
    registration: Registration,
    unit: Unit,
    in_structure: bool,
    grade: str,
    is_retake: bool,
    current: UnitResult | None,
) -> list[GradeProblem]:
    """Why this grade cannot be reported, given the unit's current (latest) attempt, if at all."""
    qualification = registration.qualification
    problems = []
    if registration.status != RegistrationStatus.ACTIVE:
        problems.append(GradeProblem(
            None, f"{registration.learner.full_name}'s registration on {qualification.qn} is "
            f"{registration.get_status_display().lower()}: grades can be reported only for an "
            "active registration",
        ))
    if not in_structure:
        problems.append(GradeProblem(
            "unit", f"{unit} is not in {qualification.title} ({qualification.qn}): report "
            "grades only for units in the learner's qualification",
        ))
        return problems
    if unit.is_external:
        problems.append(GradeProblem(
            "unit", f"{unit} is externally assessed: its result comes from the awarding "
            "organisation's marking, not from the centre",
        ))
        return problems
    if grade == UnitGrade.N:
        problems.append(GradeProblem(
            "grade", "Near Pass (N) is only for externally assessed units: enter U, P, M or D"
        ))
    elif grade not in INTERNAL_GRADES:
        problems.append(GradeProblem("grade", "Enter a grade: U, P, M or D"))
    elif is_retake and grade in RETAKE_CAPPED_GRADES:
        problems.append(GradeProblem(
            "grade", f"A retake can achieve at most a Pass: {unit} cannot be {grade} on a "
            "retake. Enter P or U, or report the grade as a first attempt if it is not a retake",
        ))
    if is_retake and current is None:
        problems.append(GradeProblem(
            "is_retake", f"{unit} has no earlier grade to retake: report the first grade "
            "without marking it as a retake",
        ))
    elif not is_retake and current is not None and current.is_retake:
        problems.append(GradeProblem(
            "is_retake", f"{unit} already has a retake grade ({current.grade}): to correct it, "
            "report it as a retake",
        ))
    return problems


def _snapshot(result: UnitResult) -> dict[str, Any]:
    return {"attempt": result.attempt, "grade": result.grade, "is_retake": result.is_retake}


@dataclass(frozen=True)
class GradeEntry:
    """One grade in a batch; `label` names the learner or the row in messages."""

    registration: Registration
    unit: Unit
    grade: str
    is_retake: bool = False
    label: str = ""


@dataclass(frozen=True)
class EntryProblem:
    index: int
    field: str | None
    message: str


_T = TypeVar("_T")
# Rows per query or insert: well inside SQLite's and PostgreSQL's limits on parameters.
_CHUNK = 2000


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _claimed(registrations: Iterable[Registration]) -> set[int]:
    """The ids of those registrations with a full award claim, asking only about those whose
    claim was not fetched with them (select_related("claim"))."""
    claimed: set[int] = set()
    unknown: set[int] = set()
    for registration in registrations:
        if not Registration.claim.is_cached(registration):
            unknown.add(registration.pk)
        elif has_claim(registration):
            claimed.add(registration.pk)
    for ids in _chunks(sorted(unknown)):
        claimed.update(
            Registration.objects.filter(pk__in=ids, claim__isnull=False).values_list("pk", flat=True)
        )
    return claimed


@dataclass
class _Change:
    entry: GradeEntry
    result: UnitResult
    before: dict[str, Any] | None
    created: bool


class _GradeBatch:
    """Grades with everything the rules need to know about them, loaded in a few queries however
    many there are. One grade from a page is a batch of one, so a grade is checked and written
    the same way whether it comes alone, from the grid or in an upload of a hundred thousand.
    """

    def __init__(self, entries: Sequence[GradeEntry], *, lock: bool) -> None:
        self.entries = list(entries)
        unit_ids = {e.unit.pk for e in self.entries}
        self.placed = set(
            QualificationUnit.objects.filter(
                qualification_id__in={e.registration.qualification_id for e in self.entries},
                unit_id__in=unit_ids,
            ).values_list("qualification_id", "unit_id")
        )
        # Each unit's current (latest) attempt. Locked when the batch is to be written, so the
        # rules are checked against the rows the writes change.
        self.current: dict[tuple[int, int], UnitResult] = {}
        for ids in _chunks(sorted({e.registration.pk for e in self.entries})):
            results = UnitResult.objects.filter(registration_id__in=ids, unit_id__in=unit_ids)
            if lock:
                results = results.select_for_update(of=("self",))
            for result in results.order_by("attempt"):
                self.current[result.registration_id, result.unit_id] = result

    def problems(self) -> list[EntryProblem]:
        """Every problem with the batch, each with the index of its entry."""
        problems = []
        seen: dict[tuple[int, int], GradeEntry] = {}
        for index, entry in enumerate(self.entries):
            key = (entry.registration.pk, entry.unit.pk)
            if key in seen:
                # Its other problems are listed too: the row kept may be this one.
                problems.append(EntryProblem(
                    index, "unit", f"this repeats {seen[key].label}: remove one of them"
                ))
            seen.setdefault(key, entry)
            problems += [
                EntryProblem(index, p.field, p.message)
                for p in unit_grade_problems(
                    registration=entry.registration, unit=entry.unit,
                    in_structure=(entry.registration.qualification_id, entry.unit.pk)
                    in self.placed,
                    grade=entry.grade.strip().upper(), is_retake=entry.is_retake,
                    current=self.current.get(key),
                )
            ]
        return problems

    def apply(self, *, actor: User | None, reason: str) -> list[GradeOutcome]:
        """Write a batch without problems: new attempts, corrected attempts and an audit event
        for each change; a grade the unit already has writes nothing. Returns each entry's
        outcome in order. Raises UnitGradeError if someone else added an attempt meanwhile."""
        reporter = actor if actor is not None and actor.pk else None
        changes: list[_Change] = []
        outcomes: list[GradeOutcome | _Change] = []
        for entry in self.entries:
            grade = entry.grade.strip().upper()
            current = self.current.get((entry.registration.pk, entry.unit.pk))
            if current is not None and (current.grade, current.is_retake) == (
                grade, entry.is_retake
            ):
                outcomes.append(GradeOutcome(unit_result=current, changed=False))
                continue
            before = _snapshot(current) if current is not None else None
            if current is None or (entry.is_retake and not current.is_retake):
                change = _Change(entry, UnitResult(
                    registration=entry.registration, unit=entry.unit,
                    attempt=1 if current is None else current.attempt + 1,
                    source=ResultSource.CENTRE, grade=grade, is_retake=entry.is_retake,
                    reported_by=reporter,
                ), before, created=True)
            else:
                current.grade, current.source, current.reported_by = (
                    grade, ResultSource.CENTRE, reporter
                )
                change = _Change(entry, current, before, created=False)
            changes.append(change)
            outcomes.append(change)

        self._insert([c.result for c in changes if c.created])
        corrected: dict[str, list[int]] = {}
        for change in changes:
            if not change.created:
                corrected.setdefault(change.result.grade, []).append(change.result.pk)
        for grade, pks in corrected.items():  # one update per grade, not one per row
            for ids in _chunks(pks):
                UnitResult.objects.filter(pk__in=ids).update(
                    grade=grade, source=ResultSource.CENTRE, reported_by=reporter
                )
        learner_results_changed(learner_ids=[c.entry.registration.learner_id for c in changes])
        claimed = _claimed(c.entry.registration for c in changes)
        audit_record_many(events=[
            _grade_audit_event(
                actor=actor, change=change,
                after_claim=change.entry.registration.pk in claimed, reason=reason,
            )
            for change in changes
        ])
        return [
            GradeOutcome(
                unit_result=o.result, changed=True, created=o.created,
                changed_after_claim=o.entry.registration.pk in claimed,
            ) if isinstance(o, _Change) else o
            for o in outcomes
        ]

    @staticmethod
    def _insert(results: list[UnitResult]) -> None:
        try:
            with transaction.atomic():
                rows_insert(rows=results)
        except IntegrityError as exc:  # another request reported one of these a moment ago
            taken: set[tuple[int, int, int]] = set()
            for ids in _chunks(sorted({r.registration_id for r in results})):
                taken.update(UnitResult.objects.filter(registration_id__in=ids).values_list(
                    "registration_id", "unit_id", "attempt"
                ))
            unit = next(
                (r.unit for r in results if (r.registration_id, r.unit_id, r.attempt) in taken),
                results[0].unit,
            )
            raise UnitGradeError.one(
                None, f"{unit} was changed by someone else a moment ago: check it and try again"
            ) from exc


def _grade_audit_event(
    *, actor: User | None, change: _Change, after_claim: bool, reason: str
) -> AuditEvent:
    registration, unit, result = change.entry.registration, change.entry.unit, change.result
    qualification = registration.qualification
    what = f"{registration.learner}: {unit} on {qualification.qn}"
    if change.before is None:
        summary = f"{what} recorded as {result.grade}"
    else:
        summary = f"{what} changed from {change.before['grade']} to {result.grade}"
    if result.is_retake:
        summary += f" (retake, attempt {result.attempt})"
    if after_claim:
        summary += "; changed after claim"
    return audit_event(
        actor=actor,
        action=AuditAction.UNIT_RESULT_RECORDED if change.created
        else AuditAction.UNIT_RESULT_CHANGED,
        summary=summary,
        obj=result,
        centre=registration.centre,
        awarding_organisation=qualification.awarding_organisation,
        before=change.before,
        after={**_snapshot(result), "changed_after_claim": after_claim},
        reason=reason.strip(),
    )


@transaction.atomic
def unit_grade_record(
    *,
    actor: User | None,
    registration: Registration,
    unit: Unit,
    grade: str,
    is_retake: bool = False,
    reason: str = "",
) -> GradeOutcome:
    """Report a learner's current grade for an internal unit of their qualification.

    A retake after a first attempt adds a new attempt; otherwise the current attempt is
    corrected. Reporting the grade the unit already has changes nothing and records nothing.
    A change after the full award claim is allowed, and flagged in the audit.
    """
    batch = _GradeBatch(
        [GradeEntry(registration=registration, unit=unit, grade=grade, is_retake=is_retake)],
        lock=True,
    )
    problems = batch.problems()
    if problems:
        raise UnitGradeError([GradeProblem(p.field, p.message) for p in problems])
    return batch.apply(actor=actor, reason=reason)[0]


# ---- batches: the grid, uploads and the API -------------------------------------------------


@dataclass
class BatchOutcome:
    problems: list[EntryProblem] = field(default_factory=list)
    recorded: int = 0
    changed: int = 0
    unchanged: int = 0
    changed_after_claim: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems

    @classmethod
    def of(cls, outcomes: Iterable[GradeOutcome]) -> BatchOutcome:
        totals = cls()
        for outcome in outcomes:
            if not outcome.changed:
                totals.unchanged += 1
            elif outcome.created:
                totals.recorded += 1
            else:
                totals.changed += 1
            totals.changed_after_claim += outcome.changed_after_claim
        return totals


def unit_grades_check(*, entries: Sequence[GradeEntry]) -> list[EntryProblem]:
    """Every problem with a batch, found with a few queries however long the batch is."""
    return _GradeBatch(entries, lock=False).problems()


def _batch_apply(batch: _GradeBatch, *, actor: User | None, reason: str) -> BatchOutcome:
    try:
        return BatchOutcome.of(batch.apply(actor=actor, reason=reason))
    except UnitGradeError as exc:  # the data changed between checking and writing
        return BatchOutcome(problems=[EntryProblem(-1, p.field, p.message) for p in exc.problems])


def unit_grades_record_many(
    *, actor: User | None, entries: Sequence[GradeEntry], reason: str = ""
) -> BatchOutcome:
    """Report every grade of a batch, or none: nothing is written if any grade is wrong."""
    with transaction.atomic():
        batch = _GradeBatch(entries, lock=True)
        problems = batch.problems()
        if problems:
            return BatchOutcome(problems=problems)
        return _batch_apply(batch, actor=actor, reason=reason)


# ---- rows that name learners, qualifications and units (uploads and the API) ----------------

UNIT_GRADE_COLUMNS: tuple[Column, ...] = (
    Column("candidate_number", True, "The learner's 4-digit candidate number at your centre, "
           "with any leading zeros", "0042"),
    Column("uln", False, "The learner's 10-digit Unique Learner Number, to check the candidate "
           "number. Leave blank if you do not want the check", "1000000019"),
    Column("qualification_qn", True, "The Ofqual qualification number (QN) the learner is "
           "registered on", "601/7157/7"),
    Column("unit_number", True, "The unit number as printed in the specification", "1"),
    Column("grade", True, "The unit grade: U, P, M or D", "P"),
    Column("retake", False, "Yes if the grade is from a retake (a retake can achieve at most "
           "P); otherwise No or blank", "No"),
)

# A service problem's field, as a column of the file.
_COLUMN_OF = {"unit": "unit_number", "is_retake": "retake", "grade": "grade"}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


class _GradeRowReader:
    """Turns rows naming a candidate, a QN and a unit number into grade entries of one centre."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        self.learners = {x.candidate_number: x for x in Learner.objects.filter(centre=centre)}
        self.active = {
            (r.learner_id, r.qualification.qn): r
            for r in Registration.objects.filter(centre=centre, status=RegistrationStatus.ACTIVE)
            .select_related("learner", "qualification__awarding_organisation", "centre", "claim")
        }
        self.structures: dict[int, dict[str, Unit]] = {}
        self.suite_units: dict[tuple[int, str], Unit | None] = {}

    def structure(self, qualification: Qualification) -> dict[str, Unit]:
        if qualification.pk not in self.structures:
            self.structures[qualification.pk] = {
                p.unit.number: p.unit for p in qualification.structure.select_related("unit")
            }
        return self.structures[qualification.pk]

    def unit_elsewhere(self, qualification: Qualification, number: str) -> Unit | None:
        """A unit of the qualification's suite with this number (same sector first), if any."""
        key = (qualification.pk, number)
        if key not in self.suite_units:
            units = sorted(
                Unit.objects.filter(suite_id=qualification.suite_id, number=number),
                key=lambda u: not u.code.startswith(f"{qualification.sector}-"),
            )
            self.suite_units[key] = units[0] if units else None
        return self.suite_units[key]

    def read(
        self, *, label: str, candidate_number: str, uln: str, qualification_qn: str,
        unit_number: str, grade: str, is_retake: bool,
    ) -> tuple[GradeEntry | None, list[GradeProblem]]:
        problems: list[GradeProblem] = []
        number = check_candidate_number(candidate_number)
        qn = check_qualification_number(qualification_qn)
        if not number.ok:
            problems.append(GradeProblem("candidate_number", number.message or ""))
        if not qn.ok:
            problems.append(GradeProblem("qualification_qn", qn.message or ""))
        if problems:
            return None, problems
        learner = self.learners.get(number.value)
        if learner is None:
            return None, [GradeProblem(
                "candidate_number", f"there is no candidate {number.value} at your centre: "
                "check the candidate number",
            )]
        if uln.strip() and uln.strip() != learner.uln:
            return None, [GradeProblem(
                "uln", f"candidate {number.value} is {learner.full_name}, whose ULN is "
                "different: check the candidate number and the ULN",
            )]
        registration = self.active.get((learner.pk, qn.value))
        if registration is None:
            return None, [GradeProblem(
                "qualification_qn", f"{learner.full_name} (candidate {number.value}) has no "
                f"active registration on {qn.value}: check the QN, or register them first",
            )]
        qualification = registration.qualification
        unit = self.structure(qualification).get(unit_number)
        if unit is None:
            elsewhere = self.unit_elsewhere(qualification, unit_number)
            where = f"{qualification.title} ({qualification.qn})"
            message = (
                f"There is no unit {unit_number} in {where}: check the unit number"
                if elsewhere is None
                else f"{elsewhere} is not in {where}: check the unit number"
            )
            return None, [GradeProblem("unit_number", message)]
        return GradeEntry(
            registration=registration, unit=unit, grade=grade.strip().upper(),
            is_retake=is_retake, label=label,
        ), []


@dataclass(frozen=True)
class GradeRow:
    """One grade as an MIS or a file gives it: by candidate number, QN and unit number."""

    candidate_number: str
    qualification_qn: str
    unit_number: str
    grade: str
    retake: bool = False
    uln: str = ""


def _rows_batch(
    *, centre: Centre, rows: Sequence[GradeRow], labels: Sequence[str], lock: bool
) -> tuple[_GradeBatch, list[tuple[int, GradeProblem]]]:
    """The grades rows name, and every problem with them, each with the index of its row."""
    reader = _GradeRowReader(centre)
    entries: list[GradeEntry] = []
    entry_rows: list[int] = []
    problems: list[tuple[int, GradeProblem]] = []
    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        entry, row_problems = reader.read(
            label=label, candidate_number=row.candidate_number, uln=row.uln,
            qualification_qn=row.qualification_qn, unit_number=row.unit_number,
            grade=row.grade, is_retake=row.retake,
        )
        problems += [(index, p) for p in row_problems]
        if entry is not None:
            entries.append(entry)
            entry_rows.append(index)
    batch = _GradeBatch(entries, lock=lock)
    problems += [
        (entry_rows[p.index], GradeProblem(_COLUMN_OF.get(p.field or "", p.field), p.message))
        for p in batch.problems()
    ]
    problems.sort(key=lambda item: item[0])
    return batch, problems


def unit_grade_rows_check(
    *, centre: Centre, rows: Sequence[GradeRow], labels: Sequence[str]
) -> tuple[list[GradeEntry], list[tuple[int, GradeProblem]]]:
    """Check rows that name learners by candidate number; problems carry their row's index."""
    batch, problems = _rows_batch(centre=centre, rows=rows, labels=labels, lock=False)
    return batch.entries, problems


def unit_grades_record_rows(
    *, actor: User | None, centre: Centre, rows: Sequence[GradeRow], labels: Sequence[str],
    reason: str = "",
) -> tuple[BatchOutcome, list[tuple[int | None, GradeProblem]]]:
    """Record rows that name learners by candidate number, all or nothing.

    Returns the outcome and every problem with the index of its row (None: not one row's).
    """
    with transaction.atomic():
        batch, problems = _rows_batch(centre=centre, rows=rows, labels=labels, lock=True)
        if problems:
            return BatchOutcome(), [(index, p) for index, p in problems]
        outcome = _batch_apply(batch, actor=actor, reason=reason)
    return outcome, [(None, GradeProblem(p.field, p.message)) for p in outcome.problems]


@dataclass
class GradeUploadOutcome:
    problems: list[ImportProblem] = field(default_factory=list)
    recorded: int = 0
    changed: int = 0
    unchanged: int = 0
    changed_after_claim: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems


def unit_grade_upload(
    *, actor: User | None, centre: Centre, data: bytes, filename: str
) -> GradeUploadOutcome:
    """Record every grade of an uploaded file, or none: nothing is written if any row is wrong.

    Uploading the same file again changes nothing: a grade the unit already has is unchanged.
    """
    table = read_table(data, filename, UNIT_GRADE_COLUMNS)
    outcome = GradeUploadOutcome(problems=list(table.problems))
    if outcome.problems:
        return outcome
    rows: list[GradeRow] = []
    for row in table.rows:
        retake_text = row.values["retake"]
        if retake_text.lower() not in _YES | _NO:
            outcome.problems.append(ImportProblem(
                row.number, "retake", retake_text,
                f"Row {row.number}: Enter Yes or No for retake",
            ))
        rows.append(GradeRow(
            candidate_number=row.values["candidate_number"], uln=row.values["uln"],
            qualification_qn=row.values["qualification_qn"],
            unit_number=row.values["unit_number"], grade=row.values["grade"],
            retake=retake_text.lower() in _YES,
        ))
    with transaction.atomic():
        batch, problems = _rows_batch(
            centre=centre, rows=rows, labels=[f"row {row.number}" for row in table.rows],
            lock=True,
        )
        for index, problem in problems:
            row = table.rows[index]
            value = row.values.get(problem.field, "") if problem.field else None
            outcome.problems.append(ImportProblem(
                row.number, problem.field, value, f"Row {row.number}: {problem.message}"
            ))
        outcome.problems.sort(key=lambda p: p.row or 0)
        if outcome.problems:
            return outcome
        applied = _batch_apply(batch, actor=actor, reason="")
    outcome.problems = [ImportProblem(None, p.field, None, p.message) for p in applied.problems]
    if not outcome.problems:
        outcome.recorded, outcome.changed = applied.recorded, applied.changed
        outcome.unchanged = applied.unchanged
        outcome.changed_after_claim = applied.changed_after_claim
    return outcome


# ---- grade boundaries of external assessments ----------------------------------------------
#
# An AO officer enters, per external unit and series, the maximum mark and the minimum raw mark
# of each grade, as a draft; approving it locks it. A correction is a new draft (the next
# version), and approving that supersedes the approved version and re-converts the marks
# already stored for the unit and series: this is how a regrade with new boundaries starts.
# The rule for valid boundaries is `grading.Boundaries`'; the conversion of a raw mark to a
# grade and points is `grading.mark_to_result`, with the unit's suite's points and sliding
# scale. Neither is restated here.


class GradeBoundaryError(UnitGradeError):
    """Boundaries, their approval or a batch of marks cannot be accepted; `problems` says why."""


# The boundary fields lowest grade first, with the grade names the messages use.
_BOUNDARY_GRADES = (
    ("n_boundary", "Near Pass"), ("p_boundary", "Pass"), ("m_boundary", "Merit"),
    ("d_boundary", "Distinction"),
)


def grade_boundary_problems(
    *, max_mark: int, n_boundary: int, p_boundary: int, m_boundary: int, d_boundary: int
) -> list[GradeProblem]:
    """Why these boundaries cannot be used, each problem on the field to correct.

    Whether they can is decided by `grading.Boundaries` alone; this only finds the field that
    breaks its rule, to say so in words.
    """
    try:
        Boundaries(max=max_mark, N=n_boundary, P=p_boundary, M=m_boundary, D=d_boundary)
    except BoundaryError as exc:
        rule = str(exc)
    else:
        return []
    values = {"n_boundary": n_boundary, "p_boundary": p_boundary, "m_boundary": m_boundary,
              "d_boundary": d_boundary}
    problems = []
    below, below_text = 0, "0"
    for name, label in _BOUNDARY_GRADES:
        if values[name] <= below:
            problems.append(GradeProblem(
                name, f"The {label} boundary must be more than {below_text}"
            ))
        below, below_text = values[name], f"the {label} boundary ({values[name]})"
    if d_boundary > max_mark:
        problems.append(GradeProblem(
            "d_boundary", f"The Distinction boundary must not be more than the maximum mark "
            f"({max_mark})",
        ))
    return problems or [GradeProblem(None, f"Enter boundaries that increase: {rule}")]


def _boundary_snapshot(boundary: GradeBoundary) -> dict[str, Any]:
    return {"version": boundary.version, "status": boundary.status, **boundary.as_dict()}


def _boundary_text(boundary: GradeBoundary) -> str:
    values = boundary.as_dict()
    return ", ".join(f"{name} {values[name]}" for name in ("max", "N", "P", "M", "D"))


@transaction.atomic
def grade_boundary_save(
    *, actor: User | None, unit: Unit, series: Series, max_mark: int, n_boundary: int,
    p_boundary: int, m_boundary: int, d_boundary: int, reason: str = "",
) -> GradeBoundary:
    """Enter or change the draft grade boundaries of an external unit in a series.

    An approved version is never changed: the draft is the next version, and replaces the
    approved one when it is approved. Saving the values the draft already has records nothing.
    """
    values = {"max_mark": max_mark, "n_boundary": n_boundary, "p_boundary": p_boundary,
              "m_boundary": m_boundary, "d_boundary": d_boundary}
    if not unit.is_external:
        raise GradeBoundaryError.one(
            None, f"{unit} is internally assessed: only external units have grade boundaries"
        )
    problems = grade_boundary_problems(**values)
    if problems:
        raise GradeBoundaryError(problems)
    versions = list(GradeBoundary.objects.select_for_update(of=("self",)).filter(unit=unit, series=series))
    draft = next((b for b in versions if b.is_draft), None)
    before = None
    if draft is None:
        draft = GradeBoundary(
            unit=unit, series=series, version=max((b.version for b in versions), default=0) + 1,
            created_by=actor if actor is not None and actor.pk else None, **values,
        )
        try:
            with transaction.atomic():
                draft.save(force_insert=True)
        except IntegrityError as exc:  # another officer started a draft a moment ago
            raise GradeBoundaryError.one(
                None, f"The boundaries for {unit} in {series} were changed by someone else a "
                "moment ago: check them and try again",
            ) from exc
    else:
        if all(getattr(draft, name) == value for name, value in values.items()):
            return draft
        before = _boundary_snapshot(draft)
        for name, value in values.items():
            setattr(draft, name, value)
        draft.save(update_fields=[*values, "updated_at"])
    audit_record(
        actor=actor, action=AuditAction.GRADE_BOUNDARY_SAVED,
        summary=f"{unit} in {series}: draft boundaries version {draft.version} "
        f"{'entered' if before is None else 'changed'} ({_boundary_text(draft)})",
        obj=draft, awarding_organisation=series.awarding_organisation,
        before=before, after=_boundary_snapshot(draft), reason=reason.strip(),
    )
    return draft


MarkConverter = Callable[[int], MarkResult]


def _mark_converter(*, unit: Unit, boundary: GradeBoundary) -> MarkConverter:
    """Raw mark -> unit grade and points, by the grading engine with the unit suite's points
    table and sliding scale. Raises GradeBoundaryError when the suite has no such table."""
    try:
        suite = default_catalogue().points_suite(unit.suite.code)
        suite.external_points(unit.glh or 0)
    except KeyError as exc:
        raise GradeBoundaryError.one(
            None, f"Marks for {unit} cannot be converted to points: {exc.args[0]}",
        ) from exc
    boundaries, glh = boundary.boundaries(), unit.glh or 0
    return lambda raw_mark: mark_to_result(raw_mark, boundaries, glh, suite=suite)


def _mark_snapshot(result: UnitResult, boundary: GradeBoundary | None) -> dict[str, Any]:
    return {
        "attempt": result.attempt, "raw_mark": result.raw_mark, "grade": result.grade,
        "points": result.points,
        "boundary_version": boundary.version if boundary is not None else None,
    }


@dataclass(frozen=True)
class ApprovalOutcome:
    boundary: GradeBoundary
    replaced: GradeBoundary | None
    marks: int  # marks already stored for the unit and series, all re-converted
    changed: int  # of which the grade or the points changed


@transaction.atomic
def grade_boundary_approve(
    *, actor: User | None, boundary: GradeBoundary, reason: str = ""
) -> ApprovalOutcome:
    """Approve draft boundaries: they replace the approved version, if there is one, and every
    mark already stored for the unit and series is converted again with them.

    Each result whose grade or points change is audited with before and after; the next
    awarding run picks the changes up.
    """
    versions = {
        b.pk: b for b in GradeBoundary.objects.select_for_update(of=("self",))
        .filter(unit_id=boundary.unit_id, series_id=boundary.series_id)
        .select_related("unit__suite", "series__awarding_organisation")
    }
    draft = versions.get(boundary.pk)
    if draft is None or not draft.is_draft:
        raise GradeBoundaryError.one(
            None, f"Version {boundary.version} of these boundaries is "
            f"{boundary.get_status_display().lower()}, so it cannot be approved: enter new "
            "draft boundaries to change them",
        )
    unit, series = draft.unit, draft.series
    problems = grade_boundary_problems(**{
        name: getattr(draft, name) for name in ("max_mark", *dict(_BOUNDARY_GRADES))
    })
    if problems:
        raise GradeBoundaryError(problems)
    convert = _mark_converter(unit=unit, boundary=draft)
    stored = list(
        UnitResult.objects.select_for_update(of=("self",))
        .filter(unit=unit, series=series, raw_mark__isnull=False)
        .select_related("registration__learner", "registration__centre", "boundary")
        .order_by("pk")
    )
    over = sum(1 for r in stored if (r.raw_mark or 0) > draft.max_mark)
    if over:
        raise GradeBoundaryError.one(
            "max_mark", f"{over} mark{'s' if over != 1 else ''} already imported for {unit} in "
            f"{series} {'are' if over != 1 else 'is'} more than the maximum mark "
            f"({draft.max_mark}): check the maximum mark",
        )
    replaced = next((b for b in versions.values() if b.status == BoundaryStatus.APPROVED), None)
    if replaced is not None:
        # First, so that there is never more than one approved version.
        replaced.status = BoundaryStatus.SUPERSEDED
        replaced.save(update_fields=["status", "updated_at"])
    before = _boundary_snapshot(draft)
    draft.status = BoundaryStatus.APPROVED
    draft.approved_at = timezone.now()
    draft.approved_by = actor if actor is not None and actor.pk else None
    draft.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    changed = _marks_reconvert(
        actor=actor, boundary=draft, convert=convert, results=stored, reason=reason.strip()
    )
    summary = (
        f"{unit} in {series}: boundaries version {draft.version} approved "
        f"({_boundary_text(draft)})"
    )
    if replaced is not None:
        summary += f", replacing version {replaced.version}"
    audit_record(
        actor=actor, action=AuditAction.GRADE_BOUNDARY_APPROVED,
        summary=f"{summary}; {len(stored)} marks re-converted, {changed} changed",
        obj=draft, awarding_organisation=series.awarding_organisation,
        before={**before, "replaces": _boundary_snapshot(replaced) if replaced else None},
        after={**_boundary_snapshot(draft), "marks": len(stored), "changed": changed},
        reason=reason.strip(),
    )
    return ApprovalOutcome(boundary=draft, replaced=replaced, marks=len(stored), changed=changed)


def _marks_reconvert(
    *, actor: User | None, boundary: GradeBoundary, convert: MarkConverter,
    results: Sequence[UnitResult], reason: str,
) -> int:
    """Convert stored marks again with newly approved boundaries; audit each that changes."""
    unit, series = boundary.unit, boundary.series
    changed: list[tuple[UnitResult, dict[str, Any]]] = []
    for result in results:
        converted = convert(result.raw_mark or 0)
        before = _mark_snapshot(result, result.boundary)
        result.boundary = boundary
        if (result.grade, result.points) != (converted.grade.value, converted.points):
            result.grade, result.points = converted.grade.value, converted.points
            changed.append((result, before))
    # The caller holds these rows locked: the same set, in one statement.
    UnitResult.objects.filter(unit=unit, series=series, raw_mark__isnull=False).update(
        boundary=boundary
    )
    UnitResult.objects.bulk_update([r for r, _ in changed], ["grade", "points"], batch_size=1000)
    learner_results_changed(learner_ids=[r.registration.learner_id for r, _ in changed])
    why = f"Re-converted with grade boundaries version {boundary.version} for {series}"
    audit_record_many(events=[
        audit_event(
            actor=actor, action=AuditAction.UNIT_RESULT_CHANGED,
            summary=f"{result.registration.learner}: {unit} in {series} regraded from "
            f"{before['grade']} ({before['points']} points) to {result.grade} "
            f"({result.points} points) with boundaries version {boundary.version}",
            # The AO's event, not the centre's: it names an external grade, which the centre
            # sees only through the release policy (never in its audit log before then).
            obj=result, awarding_organisation=series.awarding_organisation,
            before=before, after=_mark_snapshot(result, boundary),
            reason=f"{why}: {reason}" if reason else why,
        )
        for result, before in changed
    ])
    return len(changed)


# ---- raw marks of an external assessment (one unit in one series) ---------------------------

MARK_COLUMNS: tuple[Column, ...] = (
    Column("centre_number", True, "The 5-digit number of the learner's centre", "10001"),
    Column("candidate_number", True, "The learner's 4-digit candidate number at the centre, "
           "with any leading zeros", "0042"),
    Column("uln", False, "The learner's 10-digit Unique Learner Number, to check the candidate "
           "number. Leave blank if you do not want the check", "1000000019"),
    Column("qualification_qn", True, "The Ofqual qualification number (QN) the learner is "
           "registered on", "601/7157/7"),
    # Signed numbers are let through the reader so that -1 gets the range message: the reader's
    # "remove the -" would turn it into a different mark.
    Column("raw_mark", True, "The raw mark: a whole number from 0 to the assessment's maximum "
           "mark", "44", allow_signed_numbers=True),
)


@dataclass(frozen=True)
class MarkRow:
    """One learner's raw mark as a file or the API gives it."""

    centre_number: str
    candidate_number: str
    qualification_qn: str
    raw_mark: str
    uln: str = ""


@dataclass(frozen=True)
class _Mark:
    registration: Registration
    raw_mark: int


@dataclass
class MarksOutcome:
    """Problems, each with the index of its row (None: the whole batch), or what was saved."""

    problems: list[tuple[int | None, GradeProblem]] = field(default_factory=list)
    recorded: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems


_WHOLE_NUMBER = re.compile(r"([+-]?)0*([0-9]+)")  # sign, digits without leading zeros
_RAW_MARK_DIGITS = 9  # more digits than any maximum mark can have (PositiveIntegerField)


def _raw_mark(text: str, *, boundary: GradeBoundary, unit: Unit, series: Series) -> int | GradeProblem:
    """The mark a raw_mark cell holds, or what is wrong with it."""
    number = _WHOLE_NUMBER.fullmatch(text)
    if number is None:
        return GradeProblem(
            "raw_mark", f"Enter the raw mark as a whole number from 0 to {boundary.max_mark}"
        )
    sign, digits = number.groups()
    # Too many digits is far beyond any maximum mark (and over 4,300 too many for int()).
    value = int(digits) if len(digits) <= _RAW_MARK_DIGITS else None
    if value is None or (sign == "-" and value > 0) or (not sign and value > boundary.max_mark):
        return GradeProblem(
            "raw_mark", f"The raw mark must be from 0 to {boundary.max_mark}, the maximum "
            f"mark for {unit} in {series}",
        )
    if sign:
        return GradeProblem(
            "raw_mark", f"Enter the raw mark as a whole number from 0 to {boundary.max_mark}, "
            "without a sign",
        )
    return value


class _MarkReader:
    """Finds, for rows naming a centre, a candidate and a QN, the registration entered for the
    unit in the series, with a few queries however many rows there are."""

    def __init__(self, *, unit: Unit, series: Series) -> None:
        self.unit, self.series = unit, series
        self.ao = series.awarding_organisation
        self.entered: dict[tuple[str, str, str], Registration] = {}
        registrations = (
            Registration.objects.filter(
                entries__unit=unit, entries__series=series,
                entries__status=EntryStatus.ENTERED,
                qualification__awarding_organisation=self.ao,
                status__in=MARKABLE_REGISTRATION_STATUSES,
            ).select_related("learner", "centre", "qualification")
        )
        for r in registrations:
            self.entered[r.centre.number, r.learner.candidate_number, r.qualification.qn] = r

    def explain(self, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], GradeProblem]:
        """Why each of these rows has no entry: no such centre, candidate or registration."""
        centres = {k[0] for k in keys}
        known_centres = set(
            Centre.objects.filter(number__in=centres, awarding_organisations=self.ao)
            .values_list("number", flat=True)
        )
        learners = {
            (x.centre.number, x.candidate_number): x
            for x in Learner.objects.filter(
                centre__number__in=known_centres, candidate_number__in={k[1] for k in keys}
            ).select_related("centre")
        }
        # Each learner's registrations on these QNs, by status: a withdrawn or topped-up one
        # keeps its entries but can have no mark, and says so rather than "no entry".
        registered: dict[tuple[int, str], dict[str, Registration]] = {}
        for registration in Registration.objects.filter(
            learner__in=list(learners.values()), qualification__qn__in={k[2] for k in keys}
        ).select_related("qualification", "topped_up_to__qualification").order_by("pk"):
            registered.setdefault(
                (registration.learner_id, registration.qualification.qn), {}
            )[registration.status] = registration
        reasons = {}
        for key in keys:
            centre, candidate, qn = key
            learner = learners.get((centre, candidate))
            if centre not in known_centres:
                reasons[key] = GradeProblem(
                    "centre_number", f"there is no centre {centre} approved by {self.ao}: check "
                    "the centre number",
                )
            elif learner is None:
                reasons[key] = GradeProblem(
                    "candidate_number", f"there is no candidate {candidate} at centre {centre}: "
                    "check the candidate number",
                )
            elif (learner.pk, qn) not in registered:
                reasons[key] = GradeProblem(
                    "qualification_qn", f"{learner.full_name} (candidate {candidate} at centre "
                    f"{centre}) has no registration on {qn}: check the QN",
                )
            elif (reason := self._not_current(
                registered[learner.pk, qn], f"{learner.full_name} (candidate {candidate} at "
                f"centre {centre})", qn,
            )) is not None:
                reasons[key] = reason
            else:
                reasons[key] = GradeProblem(
                    "qualification_qn", f"{learner.full_name} (candidate {candidate} at centre "
                    f"{centre}) on {qn} has no entry for {self.unit} in {self.series}: only "
                    "entered learners can have a mark",
                )
        return reasons

    def _not_current(
        self, by_status: dict[str, Registration], who: str, qn: str
    ) -> GradeProblem | None:
        """Why a learner with no current registration on the QN cannot have a mark, if so."""
        if any(status in by_status for status in MARKABLE_REGISTRATION_STATUSES):
            return None
        topped_up = by_status.get(RegistrationStatus.TOPPED_UP)
        if topped_up is not None:
            larger = getattr(topped_up, "topped_up_to", None)
            if larger is not None:
                return GradeProblem(
                    "qualification_qn", f"{who} was topped up from {qn} to "
                    f"{larger.qualification.qn}, which now holds their entries: enter "
                    f"{larger.qualification.qn} as the QN",
                )
        if RegistrationStatus.WITHDRAWN in by_status:
            return GradeProblem(
                "qualification_qn", f"{who} has been withdrawn from {qn}, so cannot have a "
                f"mark for {self.unit} in {self.series}: remove the row (if they did sit the "
                "assessment, check the withdrawal with the centre)",
            )
        return None


def _marks_read(
    *, unit: Unit, series: Series, boundary: GradeBoundary, rows: Sequence[MarkRow],
    labels: Sequence[str],
) -> tuple[list[_Mark], list[tuple[int, GradeProblem]]]:
    """The marks rows give, and every problem with them, each with the index of its row."""
    reader = _MarkReader(unit=unit, series=series)
    problems: list[tuple[int, GradeProblem]] = []
    found: dict[int, Registration] = {}
    missing: dict[int, tuple[str, str, str]] = {}
    marks: dict[int, int] = {}
    for index, row in enumerate(rows):
        checks = [
            ("centre_number", check_centre_number(row.centre_number)),
            ("candidate_number", check_candidate_number(row.candidate_number)),
            ("qualification_qn", check_qualification_number(row.qualification_qn)),
        ]
        bad = [(name, check) for name, check in checks if not check.ok]
        problems += [(index, GradeProblem(name, check.message or "")) for name, check in bad]
        mark = _raw_mark(row.raw_mark.strip(), boundary=boundary, unit=unit, series=series)
        if isinstance(mark, GradeProblem):
            problems.append((index, mark))
        else:
            marks[index] = mark
        if bad:
            continue
        key = (checks[0][1].value, checks[1][1].value, checks[2][1].value)
        registration = reader.entered.get(key)
        if registration is None:
            missing[index] = key
        elif row.uln.strip() and row.uln.strip() != registration.learner.uln:
            problems.append((index, GradeProblem(
                "uln", f"candidate {key[1]} at centre {key[0]} is "
                f"{registration.learner.full_name}, whose ULN is different: check the candidate "
                "number and the ULN",
            )))
        else:
            found[index] = registration
    reasons = reader.explain(set(missing.values())) if missing else {}
    problems += [(index, reasons[key]) for index, key in missing.items()]
    seen: dict[int, int] = {}
    for index, registration in found.items():
        if registration.pk in seen:
            problems.append((index, GradeProblem(
                "candidate_number", f"this repeats {labels[seen[registration.pk]]}: remove one "
                "of them",
            )))
        seen.setdefault(registration.pk, index)
    problems.sort(key=lambda item: item[0])
    if problems:
        return [], problems
    return [_Mark(found[i], marks[i]) for i in range(len(rows))], []


def _marks_apply(
    *, actor: User | None, unit: Unit, series: Series, boundary: GradeBoundary,
    marks: Sequence[_Mark], reason: str,
) -> MarksOutcome:
    """Write checked marks: a mark for a new sitting is a new attempt; a different mark for the
    sitting the unit already has a result for (same series) corrects that attempt."""
    convert = _mark_converter(unit=unit, boundary=boundary)
    reporter = actor if actor is not None and actor.pk else None
    attempts: dict[int, list[UnitResult]] = {}
    for ids in _chunks(sorted({m.registration.pk for m in marks})):
        for result in UnitResult.objects.select_for_update(of=("self",)).filter(
            registration_id__in=ids, unit=unit
        ).select_related("boundary").order_by("attempt"):
            attempts.setdefault(result.registration_id, []).append(result)
    outcome = MarksOutcome()
    created: list[UnitResult] = []
    updated: list[tuple[UnitResult, dict[str, Any]]] = []
    for mark in marks:
        converted = convert(mark.raw_mark)
        grade, points = converted.grade.value, converted.points
        earlier = attempts.get(mark.registration.pk, [])
        sitting = next((r for r in reversed(earlier) if r.series_id == series.pk), None)
        if sitting is None:
            result = UnitResult(
                registration=mark.registration, unit=unit,
                attempt=earlier[-1].attempt + 1 if earlier else 1,
                source=ResultSource.MARKED, grade=grade, points=points, raw_mark=mark.raw_mark,
                series=series, boundary=boundary, reported_by=reporter,
            )
            created.append(result)
        elif (sitting.raw_mark, sitting.grade, sitting.points, sitting.boundary_id) == (
            mark.raw_mark, grade, points, boundary.pk
        ):
            outcome.unchanged += 1
        else:
            before = _mark_snapshot(sitting, sitting.boundary)
            sitting.raw_mark, sitting.grade, sitting.points = mark.raw_mark, grade, points
            sitting.source, sitting.boundary, sitting.reported_by = (
                ResultSource.MARKED, boundary, reporter
            )
            updated.append((sitting, before))
    try:
        with transaction.atomic():
            rows_insert(rows=created)
    except IntegrityError as exc:  # another import added an attempt a moment ago
        raise GradeBoundaryError.one(
            None, f"Marks for {unit} in {series} were changed by someone else a moment ago: "
            "import the file again",
        ) from exc
    UnitResult.objects.bulk_update(
        [r for r, _ in updated],
        ["raw_mark", "grade", "points", "source", "boundary", "reported_by"], batch_size=1000,
    )
    outcome.recorded, outcome.changed = len(created), len(updated)
    learner_results_changed(
        learner_ids=[r.registration.learner_id for r in [*created, *(u for u, _ in updated)]]
    )
    ao = series.awarding_organisation
    events = [
        audit_event(
            actor=actor, action=AuditAction.UNIT_RESULT_RECORDED,
            summary=f"{r.registration.learner}: {unit} in {series} marked {r.raw_mark} = "
            f"{r.grade} ({r.points} points, attempt {r.attempt})",
            obj=r, awarding_organisation=ao,  # the AO's event, as above
            after=_mark_snapshot(r, boundary), reason=reason,
        )
        for r in created
    ] + [
        audit_event(
            actor=actor, action=AuditAction.UNIT_RESULT_CHANGED,
            summary=f"{r.registration.learner}: {unit} in {series} mark changed from "
            f"{before['raw_mark']} ({before['grade']}) to {r.raw_mark} ({r.grade}, "
            f"{r.points} points)",
            obj=r, awarding_organisation=ao,  # the AO's event, as above
            before=before, after=_mark_snapshot(r, boundary), reason=reason,
        )
        for r, before in updated
    ]
    if events:
        events.append(audit_event(
            actor=actor, action=AuditAction.MARKS_IMPORTED,
            summary=f"Marks for {unit} in {series} imported with boundaries version "
            f"{boundary.version}: {outcome.recorded} new, {outcome.changed} changed, "
            f"{outcome.unchanged} unchanged",
            obj=boundary, awarding_organisation=ao,
            after={"recorded": outcome.recorded, "changed": outcome.changed,
                   "unchanged": outcome.unchanged, "boundary_version": boundary.version},
            reason=reason,
        ))
    audit_record_many(events=events)
    return outcome


def marks_record_rows(
    *, actor: User | None, unit: Unit, series: Series, rows: Sequence[MarkRow],
    labels: Sequence[str], reason: str = "",
) -> MarksOutcome:
    """Record the raw marks of one external assessment, all or none, converted to grades and
    points with its approved boundaries. Recording the same marks again changes nothing."""
    with transaction.atomic():
        boundary = (
            GradeBoundary.objects.select_for_update(of=("self",))
            .filter(unit=unit, series=series, status=BoundaryStatus.APPROVED).first()
        )
        if boundary is None:
            return MarksOutcome(problems=[(None, GradeProblem(
                None, f"The grade boundaries for {unit} in {series} are not approved: approve "
                "the boundaries first, then import the marks",
            ))])
        if not unit.is_external:
            return MarksOutcome(problems=[(None, GradeProblem(
                None, f"{unit} is internally assessed: it has no marks to import"
            ))])
        marks, problems = _marks_read(
            unit=unit, series=series, boundary=boundary, rows=rows, labels=labels
        )
        if problems:
            return MarksOutcome(problems=[(i, p) for i, p in problems])
        try:
            return _marks_apply(
                actor=actor, unit=unit, series=series, boundary=boundary, marks=marks,
                reason=reason.strip(),
            )
        except GradeBoundaryError as exc:
            transaction.set_rollback(True)
            return MarksOutcome(problems=[(None, p) for p in exc.problems])


@dataclass
class MarksUploadOutcome:
    problems: list[ImportProblem] = field(default_factory=list)
    recorded: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems


def marks_upload(
    *, actor: User | None, unit: Unit, series: Series, data: bytes, filename: str
) -> MarksUploadOutcome:
    """Record every raw mark of an uploaded file, or none if any row is wrong.

    Uploading the same file again changes nothing.
    """
    table = read_table(data, filename, MARK_COLUMNS)
    if table.problems:
        return MarksUploadOutcome(problems=list(table.problems))
    rows = [
        MarkRow(
            centre_number=row.values["centre_number"],
            candidate_number=row.values["candidate_number"], uln=row.values["uln"],
            qualification_qn=row.values["qualification_qn"], raw_mark=row.values["raw_mark"],
        )
        for row in table.rows
    ]
    outcome = marks_record_rows(
        actor=actor, unit=unit, series=series, rows=rows,
        labels=[f"row {row.number}" for row in table.rows],
    )
    problems = []
    for index, problem in outcome.problems:
        if index is None:
            problems.append(ImportProblem(None, problem.field, None, problem.message))
            continue
        row = table.rows[index]
        value = row.values.get(problem.field, "") if problem.field else None
        problems.append(ImportProblem(
            row.number, problem.field, value, f"Row {row.number}: {problem.message}"
        ))
    return MarksUploadOutcome(
        problems=problems, recorded=outcome.recorded, changed=outcome.changed,
        unchanged=outcome.unchanged,
    )
