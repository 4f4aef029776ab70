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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_event, audit_record_many, rows_insert
from resultsday.assessment.choices import (
    INTERNAL_GRADES,
    RETAKE_CAPPED_GRADES,
    ResultSource,
    UnitGrade,
)
from resultsday.assessment.models import UnitResult
from resultsday.catalogue.models import Qualification, QualificationUnit, Unit
from resultsday.formats.columns import Column
from resultsday.formats.tabular import ImportProblem, read_table
from resultsday.identifiers import check_candidate_number, check_qualification_number
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Learner, Registration

if TYPE_CHECKING:
    from resultsday.accounts.models import AuditEvent, User
    from resultsday.centres.models import Centre


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
                results = results.select_for_update()
            for result in results.order_by("attempt"):
                self.current[result.registration_id, result.unit_id] = result

    def problems(self) -> list[EntryProblem]:
        """Every problem with the batch, each with the index of its entry."""
        problems = []
        seen: dict[tuple[int, int], GradeEntry] = {}
        for index, entry in enumerate(self.entries):
            key = (entry.registration.pk, entry.unit.pk)
            if key in seen:
                problems.append(EntryProblem(
                    index, "unit", f"this repeats {seen[key].label}: remove one of them"
                ))
                continue
            seen[key] = entry
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
