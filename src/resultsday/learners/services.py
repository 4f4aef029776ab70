"""Centre workflows on learners and registrations: create, amend, register, withdraw, upload.

Every function here is the one way to make its change: it checks the domain rules, writes the
rows and records an audit event in the same transaction. Rule failures raise
`RegistrationError`, whose problems carry the form field they belong to and a message in GOV.UK
voice, so pages, the API and uploads all say the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from anyascii import anyascii
from django.db import IntegrityError, transaction
from django.db.models import CharField, Q, QuerySet
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_event, audit_record, audit_record_many, rows_insert
from resultsday.catalogue.choices import KeyDateKind, KeyDateScope
from resultsday.catalogue.models import KeyDate, Qualification, QualificationUnit, Series, Unit
from resultsday.formats.columns import Column
from resultsday.formats.edi import (
    DataType,
    EdiFileNameError,
    EdiProblem,
    EdiWriteError,
    EntryRecord,
    OptionEntry,
    build_file_name,
    edi_date,
    parse_file_name,
    read_entries,
    write_entries,
)
from resultsday.formats.tabular import ImportProblem, ImportRow, read_table
from resultsday.formats.text import lower_first
from resultsday.identifiers import (
    EDI_NAME_MAX_LENGTH,
    Check,
    check_candidate_number,
    check_forenames,
    check_qualification_number,
    check_surname,
    check_ucas_personal_id,
    check_uci,
    check_uln,
    edi_candidate_name,
)
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Learner, Registration
from resultsday.release.cache import learner_results_changed

if TYPE_CHECKING:
    from resultsday.accounts.models import User
    from resultsday.centres.models import Centre


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    message: str


class RegistrationError(Exception):
    """A domain rule said no. `problems` lists every reason, each with the field it is about."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def one(cls, field: str | None, message: str) -> RegistrationError:
        return cls([FieldProblem(field, message)])

    @property
    def field(self) -> str | None:
        return self.problems[0].field

    @property
    def message(self) -> str:
        return self.problems[0].message


def _date_text(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


# ---- learners ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerDetails:
    """What a centre tells us about a learner, as typed; `learner_details_check` normalises it."""

    candidate_number: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    uln: str = ""
    uci: str = ""
    ucas_personal_id: str = ""


_LEARNER_FIELDS = (
    "candidate_number", "uln", "uci", "first_name", "last_name", "date_of_birth",
    "ucas_personal_id",
)


def _name_max_length(name: str) -> int | None:
    """The longest value the learner's field stores, so a longer one is refused, not cut."""
    field = Learner._meta.get_field(name)
    return field.max_length if isinstance(field, CharField) else None


def _learner_checks(details: LearnerDetails) -> dict[str, Check]:
    return {
        "candidate_number": check_candidate_number(details.candidate_number),
        "uln": check_uln(details.uln, required=False),
        "uci": check_uci(details.uci, required=False),
        "first_name": check_forenames(
            details.first_name, max_length=_name_max_length("first_name")
        ),
        "last_name": check_surname(details.last_name, max_length=_name_max_length("last_name")),
        "ucas_personal_id": check_ucas_personal_id(details.ucas_personal_id),
    }


class CheckedDetails(NamedTuple):
    details: LearnerDetails  # normalised
    problems: list[FieldProblem]
    warnings: list[FieldProblem]  # as `learner_details_warnings` gives them


def learner_details_check(*, details: LearnerDetails) -> CheckedDetails:
    """Check each identifier and name; return the normalised details, every problem and every
    warning (from the same checks: an upload checks each row once)."""
    checks = _learner_checks(details)
    problems = [FieldProblem(name, c.message or "") for name, c in checks.items() if not c.ok]
    if details.date_of_birth > timezone.localdate():
        problems.append(FieldProblem("date_of_birth", "Date of birth must be in the past"))
    normalised = LearnerDetails(
        candidate_number=checks["candidate_number"].value,
        uln=checks["uln"].value,
        uci=checks["uci"].value,
        first_name=checks["first_name"].value,
        last_name=checks["last_name"].value,
        date_of_birth=details.date_of_birth,
        ucas_personal_id=checks["ucas_personal_id"].value,
    )
    return CheckedDetails(normalised, problems, _warnings(checks))


def learner_details_warnings(*, details: LearnerDetails) -> list[FieldProblem]:
    """Doubts about details that pass, to show without blocking: a name exam data files cannot
    carry, a UCI whose check letter cannot be checked, and the like (identifiers.Check.warning)."""
    return _warnings(_learner_checks(details))


def _warnings(checks: dict[str, Check]) -> list[FieldProblem]:
    return [FieldProblem(name, c.warning) for name, c in checks.items() if c.ok and c.warning]


def learner_duplicates_check(
    *,
    centre: Centre,
    details: LearnerDetails,
    exclude: Learner | None = None,
    confirmed_different_person: bool = False,
) -> list[FieldProblem]:
    """Problems with another learner at the centre: same candidate number, ULN, or person."""
    others = Learner.objects.filter(centre=centre)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    problems = []
    same_number = others.filter(candidate_number=details.candidate_number).first()
    if same_number is not None:
        problems.append(FieldProblem(
            "candidate_number",
            f"Candidate number {details.candidate_number} is already used by "
            f"{same_number.full_name} at this centre: enter a different candidate number",
        ))
    if details.uln:
        same_uln = others.filter(uln=details.uln).first()
        if same_uln is not None:
            problems.append(FieldProblem(
                "uln",
                f"A learner with this ULN is already at this centre: {same_uln.full_name} "
                f"(candidate {same_uln.candidate_number})",
            ))
    if not confirmed_different_person:
        same_person = others.filter(
            last_name__iexact=details.last_name,
            first_name__iexact=details.first_name,
            date_of_birth=details.date_of_birth,
        ).first()
        if same_person is not None:
            problems.append(FieldProblem(
                "confirm_different_person",
                f"{same_person.full_name}, born {_date_text(same_person.date_of_birth)}, is "
                f"already at this centre (candidate {same_person.candidate_number}): register "
                "them from their learner page, or confirm this is a different person",
            ))
    return problems


def _learner_snapshot(learner: Learner) -> dict[str, str]:
    return {name: str(getattr(learner, name)) for name in _LEARNER_FIELDS}


@transaction.atomic
def learner_create(
    *,
    actor: User | None,
    centre: Centre,
    details: LearnerDetails,
    confirmed_different_person: bool = False,
) -> Learner:
    details, problems, _ = learner_details_check(details=details)
    problems += learner_duplicates_check(
        centre=centre, details=details, confirmed_different_person=confirmed_different_person
    )
    if problems:
        raise RegistrationError(problems)
    learner = Learner.objects.create(
        centre=centre, **{name: getattr(details, name) for name in _LEARNER_FIELDS}
    )
    audit_record(
        actor=actor,
        action=AuditAction.LEARNER_CREATED,
        summary=f"Learner {learner} created",
        obj=learner,
        centre=centre,
        after=_learner_snapshot(learner),
    )
    return learner


@transaction.atomic
def learner_amend(
    *, actor: User | None, learner: Learner, details: LearnerDetails, reason: str = ""
) -> Learner:
    """Change a learner's details; records before and after of what changed (nothing if none)."""
    details, problems, _ = learner_details_check(details=details)
    problems += learner_duplicates_check(
        centre=learner.centre, details=details, exclude=learner, confirmed_different_person=True
    )
    if problems:
        raise RegistrationError(problems)
    before = _learner_snapshot(learner)
    for name in _LEARNER_FIELDS:
        setattr(learner, name, getattr(details, name))
    after = _learner_snapshot(learner)
    changed = [name for name in _LEARNER_FIELDS if before[name] != after[name]]
    if not changed:
        return learner
    learner.save(update_fields=changed)
    learner_results_changed(learner_ids=[learner.pk])
    audit_record(
        actor=actor,
        action=AuditAction.LEARNER_AMENDED,
        summary=f"Learner {learner} amended: {', '.join(changed)}",
        obj=learner,
        centre=learner.centre,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        reason=reason,
    )
    return learner


# ---- registrations -------------------------------------------------------------------------


def series_deadline(
    *, series: Series, qualification: Qualification, kind: KeyDateKind
) -> dt.datetime | None:
    """The series' key date of this kind for this qualification's results day, if set.

    A date for the qualification's own level wins over a date for all qualifications.
    """
    dates = {
        kd.applies_to: kd.at
        for kd in KeyDate.objects.filter(
            series=series,
            kind=kind,
            applies_to__in=[KeyDateScope.ALL, qualification.results_day_type],
        )
    }
    return dates.get(qualification.results_day_type) or dates.get(KeyDateScope.ALL)


def registration_deadline(*, series: Series, qualification: Qualification) -> dt.datetime | None:
    return series_deadline(
        series=series, qualification=qualification, kind=KeyDateKind.REGISTRATION_DEADLINE
    )


def registration_problems(
    *, learner: Learner, qualification: Qualification, series: Series
) -> list[FieldProblem]:
    """Why this learner cannot be registered on this qualification in this series, if at all."""
    problems = []
    ao = qualification.awarding_organisation
    if not learner.centre.awarding_organisations.filter(pk=ao.pk).exists():
        problems.append(FieldProblem(
            "qualification",
            f"Your centre is not approved by {ao.name} to offer {qualification.qn}: "
            "select a qualification your centre is approved for",
        ))
    elif not qualification.is_active:
        problems.append(FieldProblem(
            "qualification",
            f"{qualification.qn} is closed to new registrations: select another qualification",
        ))
    if series.awarding_organisation_id != ao.pk:
        problems.append(FieldProblem(
            "series", f"Select a series of {ao.name}, the awarding organisation of "
            f"{qualification.qn}",
        ))
    existing = (
        Registration.objects.filter(
            learner=learner, qualification=qualification, status=RegistrationStatus.ACTIVE
        ).select_related("series").first()
    )
    if existing is not None:
        problems.append(FieldProblem(
            "qualification",
            f"This learner is already registered on {qualification.title} ({qualification.qn}) "
            f"for {existing.series.name}",
        ))
    return problems


@transaction.atomic
def registration_create(
    *,
    actor: User | None,
    learner: Learner,
    qualification: Qualification,
    series: Series,
    ucas_applicant: bool = False,
    needs_result_to_progress: bool = False,
) -> Registration:
    """Register a learner; a registration made after the series' deadline is marked late."""
    problems = registration_problems(learner=learner, qualification=qualification, series=series)
    if problems:
        raise RegistrationError(problems)
    now = timezone.now()
    deadline = registration_deadline(series=series, qualification=qualification)
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                learner=learner,
                centre=learner.centre,
                qualification=qualification,
                series=series,
                registered_on=timezone.localdate(now),
                ucas_applicant=ucas_applicant,
                needs_result_to_progress=needs_result_to_progress,
                is_late=deadline is not None and now > deadline,
            )
    except IntegrityError as exc:  # another request registered them a moment ago
        raise RegistrationError.one(
            "qualification",
            f"This learner is already registered on {qualification.title} ({qualification.qn})",
        ) from exc
    learner_results_changed(learner_ids=[learner.pk])
    audit_record(
        actor=actor,
        action=AuditAction.REGISTRATION_CREATED,
        summary=f"{learner} registered on {qualification.qn} for {series.name}"
        + (" (late)" if registration.is_late else ""),
        obj=registration,
        centre=learner.centre,
        awarding_organisation=qualification.awarding_organisation,
        after={
            "qualification": qualification.qn,
            "series": series.code,
            "ucas_applicant": ucas_applicant,
            "needs_result_to_progress": needs_result_to_progress,
            "is_late": registration.is_late,
        },
    )
    return registration


@transaction.atomic
def registration_create_with_new_learner(
    *,
    actor: User | None,
    centre: Centre,
    details: LearnerDetails,
    confirmed_different_person: bool,
    qualification: Qualification,
    series: Series,
    ucas_applicant: bool = False,
    needs_result_to_progress: bool = False,
) -> Registration:
    """Add a learner and register them in one go: both happen, or neither."""
    learner = learner_create(
        actor=actor, centre=centre, details=details,
        confirmed_different_person=confirmed_different_person,
    )
    return registration_create(
        actor=actor, learner=learner, qualification=qualification, series=series,
        ucas_applicant=ucas_applicant, needs_result_to_progress=needs_result_to_progress,
    )


@transaction.atomic
def registration_withdraw(
    *, actor: User | None, registration: Registration, reason: str
) -> Registration:
    reason = reason.strip()
    if not reason:
        raise RegistrationError.one("reason", "Enter the reason for withdrawing the registration")
    # A conditional update, so two people withdrawing at once record one withdrawal.
    updated = Registration.objects.filter(
        pk=registration.pk, status=RegistrationStatus.ACTIVE
    ).update(status=RegistrationStatus.WITHDRAWN)
    if not updated:
        raise RegistrationError.one(
            None, "This registration is not active, so it cannot be withdrawn"
        )
    learner_results_changed(learner_ids=[registration.learner_id])
    before_status = registration.status
    registration.refresh_from_db(fields=["status"])
    audit_record(
        actor=actor,
        action=AuditAction.REGISTRATION_WITHDRAWN,
        summary=f"{registration.learner} withdrawn from {registration.qualification.qn}",
        obj=registration,
        centre=registration.centre,
        awarding_organisation=registration.qualification.awarding_organisation,
        before={"status": before_status},
        after={"status": registration.status},
        reason=reason,
    )
    return registration


# ---- bulk upload ---------------------------------------------------------------------------

REGISTRATION_COLUMNS: tuple[Column, ...] = (
    Column("candidate_number", True, "The learner's 4-digit candidate number at your centre, "
           "with any leading zeros", "0042"),
    Column("uln", False, "The learner's 10-digit Unique Learner Number. Leave blank if they "
           "do not have one", "1000000019"),
    Column("uci", False, "The learner's 13-character Unique Candidate Identifier",
           "100010260042A"),
    Column("surname", True, "The learner's surname", "Lovelace"),
    Column("forenames", True, "The learner's forenames", "Ada"),
    Column("date_of_birth", True, "Date of birth as YYYY-MM-DD", "2008-03-27"),
    Column("qualification_qn", True, "The Ofqual qualification number (QN)", "601/7157/7"),
    Column("series_code", True, "The series of the estimated completion date, e.g. 2026-06",
           "2026-06"),
    Column("ucas_applicant", False, "Yes if the learner has applied through UCAS", "No"),
    Column("needs_result_to_progress", False,
           "Yes if the learner needs the result to progress (university, job, next course)",
           "Yes"),
)

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T00:00:00)?")


@dataclass
class UploadOutcome:
    """What an upload did. `warnings` are doubts about rows that do not block them (a name exam
    data files cannot carry, a UCI whose check letter cannot be checked), shown with the
    outcome whether or not it was applied."""

    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    learners_created: int = 0
    registrations_created: int = 0
    unchanged: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems


@dataclass
class _PlannedRow:
    number: int
    details: LearnerDetails
    learner: Learner | None
    qualification: Qualification
    series: Series
    ucas_applicant: bool
    needs_result_to_progress: bool
    unchanged: bool


def _yes_no(row: ImportRow, name: str, problems: list[ImportProblem]) -> bool:
    value = row.values[name]
    if value.lower() in _YES:
        return True
    if value.lower() not in _NO:
        problems.append(ImportProblem(
            row.number, name, value, f"Enter Yes or No for {name} in row {row.number}"
        ))
    return False


def _upload_date(row: ImportRow, problems: list[ImportProblem]) -> dt.date | None:
    value = row.values["date_of_birth"]
    match = _ISO_DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        problems.append(ImportProblem(
            row.number, "date_of_birth", value,
            f"Enter the date_of_birth in row {row.number} as YYYY-MM-DD, like 2008-03-27",
        ))
        return None


class _UploadPlanner:
    """Checks every row of a registration upload against the file itself and the database."""

    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        self.ao_ids = set(centre.awarding_organisations.values_list("pk", flat=True))
        learners = list(Learner.objects.filter(centre=centre))
        self.by_number = {x.candidate_number: x for x in learners}
        self.by_uln = {x.uln: x for x in learners if x.uln}
        self.by_person = {
            (x.last_name.casefold(), x.first_name.casefold(), x.date_of_birth): x
            for x in learners
        }
        self.active = {
            (r.learner_id, r.qualification_id): r
            for r in Registration.objects.filter(
                centre=centre, status=RegistrationStatus.ACTIVE
            ).select_related("series")
        }
        self.qualifications: dict[str, Qualification | None] = {}
        self.series: dict[tuple[int, str], Series | None] = {}
        self.seen_rows: dict[tuple[str, str], int] = {}
        self.seen_people: dict[str, tuple[int, LearnerDetails]] = {}
        self.seen_ulns: dict[str, tuple[int, str]] = {}
        self.warnings: list[ImportProblem] = []

    def qualification(self, qn: str) -> Qualification | None:
        if qn not in self.qualifications:
            self.qualifications[qn] = (
                Qualification.objects.select_related("awarding_organisation").filter(qn=qn).first()
            )
        return self.qualifications[qn]

    def series_for(self, ao_id: int, code: str) -> Series | None:
        if (ao_id, code) not in self.series:
            self.series[ao_id, code] = Series.objects.filter(
                awarding_organisation_id=ao_id, code=code
            ).first()
        return self.series[ao_id, code]

    def plan(self, row: ImportRow) -> tuple[_PlannedRow | None, list[ImportProblem]]:
        problems: list[ImportProblem] = []
        n = row.number

        def add(name: str | None, message: str) -> None:
            value = row.values.get(name, "") if name else None
            problems.append(ImportProblem(n, name, value, f"Row {n}: {message}"))

        dob = _upload_date(row, problems)
        details, detail_problems, detail_warnings = learner_details_check(details=LearnerDetails(
            candidate_number=row.values["candidate_number"],
            uln=row.values["uln"],
            uci=row.values["uci"],
            first_name=row.values["forenames"],
            last_name=row.values["surname"],
            date_of_birth=dob or dt.date.min,
        ))
        column_of = {"first_name": "forenames", "last_name": "surname"}
        for p in detail_problems:
            add(column_of.get(p.field or "", p.field), p.message)
        ucas = _yes_no(row, "ucas_applicant", problems)
        progress = _yes_no(row, "needs_result_to_progress", problems)

        qn_check = check_qualification_number(row.values["qualification_qn"])
        for warning in detail_warnings:
            name = column_of.get(warning.field or "", warning.field or "")
            self.warnings.append(ImportProblem(
                n, name, row.values.get(name, ""), f"Row {n}, {name}: {warning.message}"
            ))
        qualification = self.qualification(qn_check.value) if qn_check.ok else None
        series = None
        if not qn_check.ok:
            add("qualification_qn", qn_check.message or "")
        elif qualification is None or qualification.awarding_organisation_id not in self.ao_ids:
            # Another AO's QN reads the same as an unknown one: centres see only their AOs.
            add("qualification_qn", no_qualification_message(
                qn_check, advice=": check the QN with your awarding organisation"))
        elif not qualification.is_active:
            add("qualification_qn", f"{qualification.qn} is closed to new registrations")
        else:
            series = self.series_for(
                qualification.awarding_organisation_id, row.values["series_code"]
            )
            if series is None:
                add("series_code", f"There is no series {row.values['series_code']} of "
                    f"{qualification.awarding_organisation.name}: enter a series code like 2026-06")
        if problems or dob is None or qualification is None or series is None:
            return None, problems

        key = (details.candidate_number, qualification.qn)
        if key in self.seen_rows:
            add("candidate_number", f"this repeats row {self.seen_rows[key]} (candidate "
                f"{details.candidate_number} on {qualification.qn}): remove one of them")
            return None, problems
        self.seen_rows[key] = n
        earlier = self.seen_people.get(details.candidate_number)
        if earlier is not None and earlier[1] != details:
            add("candidate_number", f"candidate {details.candidate_number} has different details "
                f"in row {earlier[0]}: give each learner the same details in every row")
            return None, problems
        self.seen_people.setdefault(details.candidate_number, (n, details))
        if details.uln:
            earlier_uln = self.seen_ulns.get(details.uln)
            if earlier_uln is not None and earlier_uln[1] != details.candidate_number:
                add("uln", f"row {earlier_uln[0]} gives this ULN to candidate "
                    f"{earlier_uln[1]}: each learner has their own ULN")
                return None, problems
            self.seen_ulns.setdefault(details.uln, (n, details.candidate_number))

        learner = self.by_number.get(details.candidate_number)
        if learner is not None:
            differs = [
                label for label, ours, theirs in [
                    ("surname", learner.last_name, details.last_name),
                    ("forenames", learner.first_name, details.first_name),
                    ("date_of_birth", learner.date_of_birth, details.date_of_birth),
                    ("uln", learner.uln, details.uln or learner.uln),
                    ("uci", learner.uci, details.uci or learner.uci),
                ] if ours != theirs
            ]
            if differs:
                add(differs[0], f"candidate {details.candidate_number} is {learner.full_name} "
                    f"and their {', '.join(differs)} differ from the file: check the candidate "
                    "number, or amend the learner's details first")
                return None, problems
        else:
            same_uln = self.by_uln.get(details.uln) if details.uln else None
            same_person = self.by_person.get(
                (details.last_name.casefold(), details.first_name.casefold(), details.date_of_birth)
            )
            if same_uln is not None:
                add("uln", f"this ULN belongs to {same_uln.full_name}, candidate "
                    f"{same_uln.candidate_number}: use their candidate number")
                return None, problems
            if same_person is not None:
                add("candidate_number", f"{same_person.full_name} with this date of birth is "
                    f"already candidate {same_person.candidate_number}: use that number, or "
                    "register a different person with the same name one at a time")
                return None, problems

        if details.uln and Registration.objects.filter(
            ~Q(centre=self.centre),
            learner__uln=details.uln,
            qualification=qualification,
            status=RegistrationStatus.ACTIVE,
        ).exists():
            # Say no more than this: the other centre's data is not ours to show.
            add("uln", f"a learner with this ULN is registered on {qualification.qn} at another "
                "centre: ask that centre to withdraw them before you register them")
            return None, problems

        unchanged = False
        existing = self.active.get((learner.pk, qualification.pk)) if learner else None
        if existing is not None:
            identical = (
                existing.series_id == series.pk
                and existing.ucas_applicant == ucas
                and existing.needs_result_to_progress == progress
            )
            if not identical:
                add("qualification_qn", f"{learner.full_name if learner else ''} is already "
                    f"registered on {qualification.qn} for {existing.series.name} with other "
                    "details: an upload cannot change a registration, so remove this row or "
                    "withdraw that registration first")
                return None, problems
            unchanged = True
        return _PlannedRow(
            number=n, details=details, learner=learner, qualification=qualification,
            series=series, ucas_applicant=ucas, needs_result_to_progress=progress,
            unchanged=unchanged,
        ), problems


def no_qualification_message(check: Check, *, advice: str = "") -> str:
    """A QN the centre cannot register on, with the QN check character's doubt if it has one
    (a QN that is in the catalogue is right whatever its check character, which is only
    INFERRED, so the doubt is told only here)."""
    doubt = f" ({lower_first(check.warning)})" if check.warning else ""
    return (f"There is no qualification {check.value} that your centre is approved to offer"
            f"{advice}{doubt}")




def registration_upload(
    *, actor: User | None, centre: Centre, data: bytes, filename: str
) -> UploadOutcome:
    """Register every row of an uploaded file, or none: nothing is written if any row is wrong.

    Uploading the same file again changes nothing: a row whose registration already exists with
    the same details counts as unchanged.
    """
    table = read_table(data, filename, REGISTRATION_COLUMNS)
    outcome = UploadOutcome(problems=list(table.problems))
    if outcome.problems:
        return outcome
    planner = _UploadPlanner(centre)
    planned: list[_PlannedRow] = []
    for row in table.rows:
        plan, problems = planner.plan(row)
        outcome.problems.extend(problems)
        if plan is not None:
            planned.append(plan)
    outcome.warnings = planner.warnings
    if outcome.problems:
        return outcome
    try:
        with transaction.atomic():
            created: dict[str, Learner] = {}
            for plan in planned:
                if plan.unchanged:
                    outcome.unchanged += 1
                    continue
                learner = plan.learner or created.get(plan.details.candidate_number)
                if learner is None:
                    learner = learner_create(actor=actor, centre=centre, details=plan.details)
                    created[plan.details.candidate_number] = learner
                    outcome.learners_created += 1
                registration_create(
                    actor=actor, learner=learner, qualification=plan.qualification,
                    series=plan.series, ucas_applicant=plan.ucas_applicant,
                    needs_result_to_progress=plan.needs_result_to_progress,
                )
                outcome.registrations_created += 1
    except RegistrationError as exc:  # the data changed between checking and writing
        return UploadOutcome(problems=[
            ImportProblem(None, p.field, None, p.message) for p in exc.problems
        ])
    return outcome


# ---- entries -------------------------------------------------------------------------------


def entry_deadline(*, series: Series, qualification: Qualification) -> dt.datetime | None:
    """The series' entry deadline for external assessments of this qualification, if set."""
    return series_deadline(
        series=series, qualification=qualification, kind=KeyDateKind.ENTRY_DEADLINE
    )


def unit_label(unit: Unit) -> str:
    return f"Unit {unit.number} {unit.title}"


def entry_unit_problems(
    *, qualification: Qualification, unit: Unit, series: Series, in_structure: bool | None = None
) -> list[FieldProblem]:
    """Why learners on this qualification cannot be entered for this unit in this series.

    `in_structure` says whether the unit is in the qualification, when the caller knows.
    """
    if in_structure is None:
        in_structure = qualification.structure.filter(unit=unit).exists()
    problems = []
    if not in_structure:
        problems.append(FieldProblem(
            "unit",
            f"{unit_label(unit)} is not in {qualification.title} ({qualification.qn}): select "
            "an external unit of the learner's qualification",
        ))
    elif not unit.is_external:
        problems.append(FieldProblem(
            "unit",
            f"{unit_label(unit)} is internally assessed: only external units have entries",
        ))
    if series.awarding_organisation_id != qualification.awarding_organisation_id:
        problems.append(FieldProblem(
            "series",
            f"{series.name} is a series of {series.awarding_organisation.name}: select a series "
            f"of {qualification.awarding_organisation.name}",
        ))
    return problems


def _already_entered(registration: Registration, unit: Unit, series: Series) -> FieldProblem:
    return FieldProblem(
        "unit",
        f"{registration.learner.full_name} is already entered for {unit_label(unit)} in "
        f"{series.name}",
    )


def entry_problems(
    *,
    registration: Registration,
    unit: Unit,
    series: Series,
    in_structure: bool | None = None,
    entered: bool | None = None,
) -> list[FieldProblem]:
    """Why this registration cannot be entered for this unit in this series, if at all.

    `in_structure` (the unit is in the qualification) and `entered` (the registration is already
    entered for it) are looked up when the caller does not know them.
    """
    qualification = registration.qualification
    problems = []
    if registration.status != RegistrationStatus.ACTIVE:
        problems.append(FieldProblem(
            None,
            f"{registration.learner.full_name}'s registration on {qualification.title} is "
            f"{registration.get_status_display().lower()}: only active registrations have entries",
        ))
    problems += entry_unit_problems(
        qualification=qualification, unit=unit, series=series, in_structure=in_structure
    )
    if problems:
        return problems
    if entered is None:
        entered = Entry.objects.filter(
            registration=registration, unit=unit, series=series, status=EntryStatus.ENTERED
        ).exists()
    return [_already_entered(registration, unit, series)] if entered else []


@dataclass(frozen=True)
class EntryWanted:
    """One entry to make: a registration, an external unit, a series."""

    registration: Registration
    unit: Unit
    series: Series


# Rows per query or insert: well inside SQLite's and PostgreSQL's limits on parameters.
_CHUNK = 2000


@transaction.atomic
def entries_create(*, actor: User | None, wanted: Sequence[EntryWanted]) -> list[Entry]:
    """Make every entry wanted, or none, with a few queries however many there are.

    Each is checked by `entry_problems` (all reasons are raised together as a RegistrationError),
    marked late if made after the series' entry deadline, and recorded in the audit.
    """
    registration_ids = sorted({w.registration.pk for w in wanted})
    placed = set(
        QualificationUnit.objects.filter(
            qualification_id__in={w.registration.qualification_id for w in wanted},
            unit_id__in={w.unit.pk for w in wanted},
        ).values_list("qualification_id", "unit_id")
    )
    entered: set[tuple[int, int, int]] = set()
    for start in range(0, len(registration_ids), _CHUNK):
        entered.update(Entry.objects.filter(
            registration_id__in=registration_ids[start:start + _CHUNK],
            status=EntryStatus.ENTERED,
        ).values_list("registration_id", "unit_id", "series_id"))
    problems = []
    for w in wanted:
        key = (w.registration.pk, w.unit.pk, w.series.pk)
        problems += entry_problems(
            registration=w.registration, unit=w.unit, series=w.series,
            in_structure=(w.registration.qualification_id, w.unit.pk) in placed,
            entered=key in entered,
        )
        entered.add(key)  # so the same entry twice in one batch is refused too
    if problems:
        raise RegistrationError(problems)

    deadlines: dict[tuple[int, str], dt.datetime | None] = {}
    now = timezone.now()
    entries = []
    for w in wanted:
        qualification = w.registration.qualification
        day = (w.series.pk, qualification.results_day_type)
        if day not in deadlines:
            deadlines[day] = entry_deadline(series=w.series, qualification=qualification)
        deadline = deadlines[day]
        entries.append(Entry(
            registration=w.registration, unit=w.unit, series=w.series,
            is_late=deadline is not None and now > deadline,
        ))
    try:
        with transaction.atomic():
            rows_insert(rows=entries)
    except IntegrityError as exc:  # another request entered one of them a moment ago
        raise RegistrationError([_entry_taken(entries)]) from exc
    # An entry for an external assessment puts the result under the embargo.
    learner_results_changed(learner_ids=[w.registration.learner_id for w in wanted])
    audit_record_many(events=[
        audit_event(
            actor=actor,
            action=AuditAction.ENTRY_CREATED,
            summary=f"{entry.registration.learner} entered for {unit_label(entry.unit)} in "
            f"{entry.series.name}" + (" (late)" if entry.is_late else ""),
            obj=entry,
            centre=entry.registration.centre,
            awarding_organisation=entry.registration.qualification.awarding_organisation,
            after={
                "registration": entry.registration.pk,
                "qualification": entry.registration.qualification.qn,
                "unit": entry.unit.code,
                "series": entry.series.code,
                "status": entry.status,
                "is_late": entry.is_late,
            },
        )
        for entry in entries
    ])
    return entries


def _entry_taken(entries: Sequence[Entry]) -> FieldProblem:
    """The first of these entries someone else has made since they were checked."""
    taken: set[tuple[int, int, int]] = set()
    registration_ids = sorted({e.registration_id for e in entries})
    for start in range(0, len(registration_ids), _CHUNK):
        taken.update(Entry.objects.filter(
            registration_id__in=registration_ids[start:start + _CHUNK],
            status=EntryStatus.ENTERED,
        ).values_list("registration_id", "unit_id", "series_id"))
    entry = next(
        (e for e in entries if (e.registration_id, e.unit_id, e.series_id) in taken), entries[0]
    )
    return _already_entered(entry.registration, entry.unit, entry.series)


def entry_create(
    *, actor: User | None, registration: Registration, unit: Unit, series: Series
) -> Entry:
    """Enter a registration for an external unit in a series; after the deadline it is late."""
    return entries_create(
        actor=actor, wanted=[EntryWanted(registration=registration, unit=unit, series=series)]
    )[0]


@transaction.atomic
def entry_withdraw(*, actor: User | None, entry: Entry, reason: str) -> Entry:
    reason = reason.strip()
    if not reason:
        raise RegistrationError.one("reason", "Enter the reason for withdrawing the entry")
    # A conditional update, so two people withdrawing at once record one withdrawal.
    updated = Entry.objects.filter(pk=entry.pk, status=EntryStatus.ENTERED).update(
        status=EntryStatus.WITHDRAWN
    )
    if not updated:
        raise RegistrationError.one(None, "This entry is already withdrawn")
    learner_results_changed(learner_ids=[entry.registration.learner_id])
    before_status = entry.status
    entry.refresh_from_db(fields=["status"])
    registration = entry.registration
    audit_record(
        actor=actor,
        action=AuditAction.ENTRY_WITHDRAWN,
        summary=f"{registration.learner} withdrawn from {unit_label(entry.unit)} in "
        f"{entry.series.name}",
        obj=entry,
        centre=registration.centre,
        awarding_organisation=registration.qualification.awarding_organisation,
        before={"status": before_status},
        after={"status": entry.status},
        reason=reason,
    )
    return entry


@dataclass
class BulkEntryOutcome:
    entered: list[Entry] = field(default_factory=list)
    already_entered: int = 0

    @property
    def late(self) -> int:
        return sum(1 for e in self.entered if e.is_late)


@transaction.atomic
def entries_create_for_qualification(
    *,
    actor: User | None,
    centre: Centre,
    qualification: Qualification,
    unit: Unit,
    series: Series,
) -> BulkEntryOutcome:
    """Enter every active registration at the centre on this qualification for one unit in one
    series. Learners already entered are left as they are, so doing it twice changes nothing."""
    registrations = list(
        Registration.objects.filter(
            centre=centre, qualification=qualification, status=RegistrationStatus.ACTIVE
        ).select_related("learner", "qualification__awarding_organisation", "centre")
        .order_by("learner__last_name", "learner__first_name", "pk")
    )
    if not registrations:
        raise RegistrationError.one(
            "qualification",
            f"No learners at your centre are actively registered on {qualification.title}",
        )
    problems = entry_unit_problems(qualification=qualification, unit=unit, series=series)
    if problems:
        raise RegistrationError(problems)
    entered = set(
        Entry.objects.filter(
            registration__in=registrations, unit=unit, series=series, status=EntryStatus.ENTERED
        ).values_list("registration_id", flat=True)
    )
    outcome = BulkEntryOutcome(already_entered=len(entered))
    outcome.entered = entries_create(actor=actor, wanted=[
        EntryWanted(registration=registration, unit=unit, series=series)
        for registration in registrations if registration.pk not in entered
    ])
    return outcome


# ---- entries files (JCQ EDI, data type E) ------------------------------------------------

EDI_AB_ID = "RD"
"""**Project choice.** The awarding-body identifier we write in sample E files. Pearson's JCQ
identifier is UNKNOWN (exchange-formats §1.2), so we use letters no JCQ awarding body uses, and
the importer does not check the identifier of an uploaded file."""

ENTRY_CODE_HELP = (
    "The option entry code (positions 109 to 114, 12 per record) is the unit number as printed "
    "in the specification, like 2 or 31; leading zeros are ignored, so 000002 is unit 2. It is "
    "matched against the units of the qualification each candidate is actively registered on."
)
SERIES_HELP = (
    "The series and year in the file header name the series: series 06 and year 26 is the "
    "series 2026-06 (Summer 2026)."
)


def edi_entry_code(unit: Unit) -> str:
    return unit.number


def _normalise_entry_code(code: str) -> str:
    code = code.strip().upper()
    return (code.lstrip("0") or "0") if code.isdigit() else code


def edi_series_code(series: Series) -> tuple[str, str] | None:
    """The file header's (series, year) for our series code YYYY-MM, or None if it is not."""
    match = re.fullmatch(r"\d\d(\d\d)-(\d\d)", series.code)
    return (match.group(2), match.group(1)) if match else None


@dataclass
class EntryImportOutcome:
    problems: list[EdiProblem] = field(default_factory=list)
    entered: int = 0
    late: int = 0
    unchanged: int = 0

    @property
    def applied(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _PlannedEntry:
    line: int
    registration: Registration
    unit: Unit
    series: Series


def _name_keys(text: str) -> set[str]:
    """What a name is compared by: its letters, case-folded, with accents taken off (é -> e),
    transliterated (ł -> l, ø -> o, ı -> i, æ -> ae, as `anyascii` writes them), upper-cased
    first (as our own E-file writes ı: I), or with letters outside A to Z left out (as an
    exporter that keeps only A to Z writes them)."""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    forms = (folded, anyascii(text), anyascii(text.upper()), "".join(c for c in text if c.isascii()))
    return {"".join(c for c in form.casefold() if "a" <= c <= "z") for form in forms}


def _edi_name_matches(record: EntryRecord, learner: Learner) -> bool:
    """Whether the file's SURNAME:FORENAMES is the learner's name. Letters are compared, not
    case, accents, spaces or punctuation, which exporters write differently; where the
    learner's name is too long for the field, the file may hold a shorter form of the
    forenames (the start of them)."""
    theirs_surname = _name_keys(record.surname)
    theirs_forenames = _name_keys(record.forenames)
    if not theirs_surname & _name_keys(learner.last_name):
        return False
    ours_forenames = _name_keys(learner.first_name)
    if theirs_forenames & ours_forenames:
        return True
    too_long = len(f"{learner.last_name.strip()}:{learner.first_name.strip()}") > EDI_NAME_MAX_LENGTH
    return too_long and any(
        ours.startswith(theirs) for ours in ours_forenames for theirs in theirs_forenames if theirs
    )


def _edi_identity_problems(record: EntryRecord, learner: Learner) -> list[tuple[str, str, str]]:
    """Why a record may not be this learner, as (field, value, message): a name, date of birth,
    ULN or UCI that is not theirs. An identifier in the file that the learner does not have
    is refused too, as in the registration upload: it is added on the learner's page, never
    dropped."""
    n, number = record.line or 0, record.candidate_number
    ours_name = f"{learner.last_name.upper()}:{learner.first_name.upper()}"
    check = "check the candidate number, or correct the learner's details"
    problems = []
    if not _edi_name_matches(record, learner):
        problems.append(("candidate name", record.candidate_name, (
            f"Line {n}, candidate name: candidate {number} is {ours_name}, not "
            f"{record.candidate_name}: {check}"
        )))
    ours_birth = edi_date(learner.date_of_birth)
    if record.date_of_birth != edi_date(None) and record.date_of_birth != ours_birth:
        problems.append(("date of birth", record.date_of_birth, (
            f"Line {n}, date of birth: candidate {number} ({ours_name}) was born on "
            f"{_date_text(learner.date_of_birth)} ({ours_birth}), not {record.date_of_birth}: "
            f"{check}"
        )))
    for label, ours, theirs in (("ULN", learner.uln, record.uln),
                                ("UCI", learner.uci, record.uci)):
        if ours and theirs and ours != theirs:
            problems.append((label, theirs, (
                f"Line {n}: candidate {number} is {learner.full_name}, whose {label} is not "
                f"{theirs}: {check}"
            )))
        elif theirs and not ours:
            problems.append((label, theirs, (
                f"Line {n}, {label}: the file gives {theirs} for candidate {number} "
                f"({learner.full_name}), who has no {label} in their details: add the {label} "
                "to the learner's details first, or check the candidate number"
            )))
    return problems


class _EntryFilePlanner:
    """Checks every option entry of an E file against the centre's learners and registrations."""

    def __init__(self, centre: Centre, series_code: str) -> None:
        self.centre = centre
        self.series_code = series_code
        self.learners = {x.candidate_number: x for x in Learner.objects.filter(centre=centre)}
        self.registrations: dict[int, list[Registration]] = {}
        self.units: dict[int, dict[str, Unit]] = {}  # qualification -> entry code -> unit
        for registration in (
            Registration.objects.filter(centre=centre, status=RegistrationStatus.ACTIVE)
            .select_related("learner", "qualification__awarding_organisation", "centre")
            .order_by("pk")
        ):
            self.registrations.setdefault(registration.learner_id, []).append(registration)
            self.units[registration.qualification_id] = {}
        for placement in QualificationUnit.objects.filter(
            qualification_id__in=self.units
        ).select_related("unit"):
            unit = placement.unit
            self.units[placement.qualification_id][_normalise_entry_code(edi_entry_code(unit))] = unit
        self.suite_codes: dict[int, set[str]] = {}
        self.series: dict[int, Series | None] = {}
        self.existing = set(
            Entry.objects.filter(
                registration__centre=centre, status=EntryStatus.ENTERED
            ).values_list("registration_id", "unit_id", "series_id")
        )
        self.seen: dict[tuple[str, int], int] = {}

    def codes_in_suite(self, suite_id: int) -> set[str]:
        if suite_id not in self.suite_codes:
            self.suite_codes[suite_id] = {
                _normalise_entry_code(n)
                for n in Unit.objects.filter(suite_id=suite_id).values_list("number", flat=True)
            }
        return self.suite_codes[suite_id]

    def series_of(self, qualification: Qualification) -> Series | None:
        ao_id = qualification.awarding_organisation_id
        if ao_id not in self.series:
            self.series[ao_id] = Series.objects.filter(
                awarding_organisation_id=ao_id, code=self.series_code
            ).first()
        return self.series[ao_id]

    def plan(self, record: EntryRecord) -> tuple[list[_PlannedEntry], list[EdiProblem], int]:
        n = record.line or 0
        problems: list[EdiProblem] = []
        planned: list[_PlannedEntry] = []
        unchanged = 0

        def add(name: str, value: str, message: str) -> None:
            problems.append(EdiProblem(n, name, value, f"Line {n}: {message}"))

        number = record.candidate_number
        learner = self.learners.get(number)
        if learner is None:
            add("candidate number", number, f"there is no candidate {number} at your centre: "
                "register the learner first, or correct the candidate number")
            return planned, problems, unchanged
        identity = _edi_identity_problems(record, learner)
        if identity:
            problems += [EdiProblem(n, name, value, message) for name, value, message in identity]
            return planned, problems, unchanged
        registrations = self.registrations.get(learner.pk, [])
        if not registrations:
            add("candidate number", number, f"candidate {number} ({learner.full_name}) has no "
                "active registration, so cannot be entered: register them first")
            return planned, problems, unchanged
        for option in record.entries:
            code = _normalise_entry_code(option.code)
            if option.flag.strip():
                add("option entry flag", option.flag, f"entry code {option.code} has the flag "
                    f"{option.flag!r}, which we cannot read: remove the flag, and withdraw "
                    "entries on the learner's entries page")
                continue
            earlier = self.seen.get((code, learner.pk))
            if earlier is not None:
                add("option entry code", option.code, f"candidate {number} is entered for entry "
                    f"code {option.code} on line {earlier} too: remove one of them")
                continue
            self.seen[code, learner.pk] = n
            matches = [
                (r, self.units[r.qualification_id][code])
                for r in registrations if code in self.units[r.qualification_id]
            ]
            titles = " or ".join(
                f"{r.qualification.title} ({r.qualification.qn})" for r in registrations
            )
            if not matches:
                known = any(
                    code in self.codes_in_suite(r.qualification.suite_id) for r in registrations
                )
                if known:
                    add("option entry code", option.code, f"entry code {option.code} is not a "
                        f"unit of {titles}, which candidate {number} is registered on")
                else:
                    add("option entry code", option.code, f"there is no unit with entry code "
                        f"{option.code}: the entry code is the unit number from the "
                        "specification, like 2 or 31")
                continue
            if len(matches) > 1:
                add("option entry code", option.code, f"entry code {option.code} matches a unit "
                    f"in each of {titles}, which candidate {number} is registered on: top up or "
                    "withdraw one registration, or enter them on their learner page")
                continue
            registration, unit = matches[0]
            if not unit.is_external:
                add("option entry code", option.code, f"entry code {option.code} is "
                    f"{unit_label(unit)}, which is internally assessed: only external units have "
                    "entries, so remove it")
                continue
            series = self.series_of(registration.qualification)
            if series is None:
                add("series", self.series_code, f"there is no series {self.series_code} of "
                    f"{registration.qualification.awarding_organisation.name}: check the series "
                    "and year in the file header")
                continue
            if (registration.pk, unit.pk, series.pk) in self.existing:
                unchanged += 1
                continue
            planned.append(_PlannedEntry(n, registration, unit, series))
        return planned, problems, unchanged


def entries_import_edi(
    *, actor: User | None, centre: Centre, data: bytes, filename: str | None = None
) -> EntryImportOutcome:
    """Make every entry in an uploaded JCQ entries (E) file, or none.

    Everything is checked before anything is written: the file itself (formats.edi), that it is
    an E file from the uploader's own centre for a series we know, and each option entry (known
    candidate, a unit of their qualification, external, not repeated). Entries we already hold
    count as unchanged, so uploading the same file again changes nothing.
    """
    # Files reach us by browser upload, not an EDI carrier, and browsers rename downloads
    # ("E1000199 (1).X01"); the name is checked only when it still has the EDI form.
    edi_name = filename
    if filename is not None:
        try:
            parse_file_name(filename)
        except EdiFileNameError:
            edi_name = None
    edi = read_entries(data, filename=edi_name)
    outcome = EntryImportOutcome(problems=list(edi.problems))
    if outcome.problems or edi.header is None:
        return outcome
    header = edi.header
    if header.data_type != DataType.ENTRIES:
        outcome.problems.append(EdiProblem(
            1, "data type", header.data_type,
            f"This is an amendments ({header.data_type}) file: upload an entries (E) file",
        ))
    if header.originator != centre.number:
        outcome.problems.append(EdiProblem(
            1, "centre number", header.originator,
            f"This file is for centre {header.originator}, not your centre {centre.number}: "
            "upload an entries file from your own centre",
        ))
    series_code = f"20{header.year}-{header.series}"
    if not re.fullmatch(r"\d{4}-\d{2}", series_code):
        outcome.problems.append(EdiProblem(
            1, "series", f"{header.series}{header.year}",
            f"The file header has series {header.series!r} and year {header.year!r}: "
            "use the month of the series (like 06) and two digits of the year (like 26)",
        ))
    if outcome.problems:
        return outcome

    planner = _EntryFilePlanner(centre, series_code)
    planned: list[_PlannedEntry] = []
    for record in edi.records:
        more, problems, unchanged = planner.plan(record)
        planned += more
        outcome.problems += problems
        outcome.unchanged += unchanged
    if outcome.problems:
        return outcome
    try:
        entries = entries_create(actor=actor, wanted=[
            EntryWanted(registration=plan.registration, unit=plan.unit, series=plan.series)
            for plan in planned
        ])
    except RegistrationError as exc:  # the data changed between checking and writing
        return EntryImportOutcome(problems=[
            EdiProblem(None, p.field, None, p.message) for p in exc.problems
        ])
    outcome.entered = len(entries)
    outcome.late = sum(entry.is_late for entry in entries)
    return outcome


def entries_sample_edi(*, centre: Centre, series: Series, produced_on: dt.date) -> bytes:
    """The centre's current entries for a series as a JCQ entries (E) file, as our importer
    reads it: uploading it back changes nothing. Raises EdiWriteError if it cannot be written."""
    codes = edi_series_code(series)
    if codes is None:
        raise EdiWriteError([f"The series code {series.code} is not of the form YYYY-MM"])
    by_learner: dict[int, list[Entry]] = {}
    for entry in (
        Entry.objects.filter(
            registration__centre=centre, series=series, status=EntryStatus.ENTERED
        ).select_related("registration__learner", "unit")
        .order_by("registration__learner__candidate_number", "unit__code")
    ):
        by_learner.setdefault(entry.registration.learner_id, []).append(entry)
    records = []
    for entries in by_learner.values():
        learner = entries[0].registration.learner
        name = edi_candidate_name(learner.last_name.upper(), learner.first_name.upper())
        records.append(EntryRecord(
            centre_number=centre.number,
            candidate_number=learner.candidate_number,
            candidate_name=name.value,
            date_of_birth=edi_date(learner.date_of_birth),
            uci=learner.uci,
            uln=learner.uln,
            entries=tuple(OptionEntry(edi_entry_code(e.unit)) for e in entries),
        ))
    return write_entries(
        records, centre_number=centre.number, ab_id=EDI_AB_ID, series=codes[0], year=codes[1],
        sequence=1, produced_on=produced_on,
    )


def entries_sample_file_name(*, centre: Centre) -> str:
    return build_file_name(
        data_type=DataType.ENTRIES, originator=centre.number, ab_id=EDI_AB_ID, sequence=1
    )


# ---- top-ups -------------------------------------------------------------------------------


def top_up_problems(
    *, registration: Registration, to_qualification: Qualification
) -> list[FieldProblem]:
    """Why this registration cannot be topped up to this qualification, if at all."""
    current = registration.qualification
    field_name = "to_qualification"
    if registration.status != RegistrationStatus.ACTIVE:
        return [FieldProblem(
            None,
            f"This registration is {registration.get_status_display().lower()}: only an active "
            "registration can be topped up",
        )]
    if to_qualification.suite_id != current.suite_id or to_qualification.sector != current.sector:
        return [FieldProblem(
            field_name,
            f"{to_qualification.title} is not in the same suite and sector as {current.title}: "
            "a top-up moves to a larger qualification of the same suite and sector",
        )]
    if (
        to_qualification.size_glh is None or current.size_glh is None
        or to_qualification.size_glh <= current.size_glh
    ):
        return [FieldProblem(
            field_name,
            f"{to_qualification.title} ({to_qualification.size_glh or 'no'} GLH) is not larger "
            f"than {current.title} ({current.size_glh or 'no'} GLH): a top-up moves to a larger "
            "qualification",
        )]
    problems = []
    in_new = set(to_qualification.structure.values_list("unit_id", flat=True))
    outside = sorted(
        {r.unit for r in registration.unit_results.select_related("unit")
         if r.unit_id not in in_new}
        | {e.unit for e in registration.entries.select_related("unit")
           if e.unit_id not in in_new and e.status == EntryStatus.ENTERED},
        key=lambda u: u.code,
    )
    for unit in outside:
        problems.append(FieldProblem(
            field_name,
            f"{unit_label(unit)} is not in {to_qualification.title}, and "
            f"{registration.learner.full_name} has a result or entry for it: choose a "
            "qualification that includes it, or correct the unit first",
        ))
    target = _top_up_target(registration=registration, to_qualification=to_qualification)
    if target is None and not to_qualification.is_active:
        problems.append(FieldProblem(
            field_name, f"{to_qualification.qn} is closed to new registrations"
        ))
    if target is not None and target.topped_up_from_id is not None:
        problems.append(FieldProblem(
            field_name,
            f"{registration.learner.full_name}'s registration on {to_qualification.title} has "
            "already been topped up from another registration: a registration takes one top-up",
        ))
    return problems


def _top_up_target(
    *, registration: Registration, to_qualification: Qualification
) -> Registration | None:
    """The learner's active registration on the larger qualification, if they have one."""
    return Registration.objects.filter(
        learner_id=registration.learner_id, qualification=to_qualification,
        status=RegistrationStatus.ACTIVE,
    ).first()


def _carry_unit_results(*, source: Registration, target: Registration) -> list[int]:
    """Move every unit result (all attempts) to the target; attempts already used there for the
    same unit are numbered on after the target's own, oldest first."""
    # Unit results belong to the assessment app; until it offers a carry service this is the one
    # place they change registration, inside the top-up's transaction.
    from resultsday.assessment.models import UnitResult

    last_attempt: dict[int, int] = {}
    for unit_id, attempt in UnitResult.objects.filter(registration=target).values_list(
        "unit_id", "attempt"
    ):
        last_attempt[unit_id] = max(attempt, last_attempt.get(unit_id, 0))
    moved = []
    for result in UnitResult.objects.filter(registration=source).order_by(
        "unit_id", "attempt", "pk"
    ):
        if result.unit_id in last_attempt:
            last_attempt[result.unit_id] += 1
            result.attempt = last_attempt[result.unit_id]
        result.registration = target
        result.save(update_fields=["registration", "attempt"])
        moved.append(result.pk)
    return moved


def _carry_entries(*, source: Registration, target: Registration) -> tuple[list[int], list[int]]:
    """Move every entry to the target. An entry for a unit and series the target is already
    entered for is the same sitting, so it moves as withdrawn."""
    already = set(
        Entry.objects.filter(registration=target, status=EntryStatus.ENTERED).values_list(
            "unit_id", "series_id"
        )
    )
    moved, withdrawn = [], []
    for entry in Entry.objects.filter(registration=source).order_by("pk"):
        if entry.status == EntryStatus.ENTERED and (entry.unit_id, entry.series_id) in already:
            entry.status = EntryStatus.WITHDRAWN
            withdrawn.append(entry.pk)
        entry.registration = target
        entry.save(update_fields=["registration", "status"])
        moved.append(entry.pk)
    return moved, withdrawn


@transaction.atomic
def registration_top_up(
    *,
    registration: Registration,
    to_qualification: Qualification,
    actor: User | None,
    reason: str = "",
) -> Registration:
    """Move a learner to a larger qualification of the same suite and sector.

    Every unit result (all attempts) and every entry moves to the larger registration (the
    learner's existing active one, or a new one in the same series), and the old registration
    becomes topped up, linked from the new one. All of it happens, or none.
    """
    problems = top_up_problems(registration=registration, to_qualification=to_qualification)
    if problems:
        raise RegistrationError(problems)
    updated = Registration.objects.filter(
        pk=registration.pk, status=RegistrationStatus.ACTIVE
    ).update(status=RegistrationStatus.TOPPED_UP)
    if not updated:  # someone withdrew or topped it up a moment ago
        raise RegistrationError.one(
            None, "This registration is no longer active, so it cannot be topped up"
        )
    registration.refresh_from_db(fields=["status"])
    target = _top_up_target(registration=registration, to_qualification=to_qualification)
    created = target is None
    if target is None:
        target = Registration.objects.create(
            learner=registration.learner,
            centre=registration.centre,
            qualification=to_qualification,
            series=registration.series,
            # The learner's cohort is that of their first registration (grade threshold tables).
            registered_on=registration.registered_on,
            ucas_applicant=registration.ucas_applicant,
            needs_result_to_progress=registration.needs_result_to_progress,
            is_late=registration.is_late,
            topped_up_from=registration,
        )
    else:
        target.topped_up_from = registration
        target.save(update_fields=["topped_up_from"])
    unit_results = _carry_unit_results(source=registration, target=target)
    entries, entries_withdrawn = _carry_entries(source=registration, target=target)
    learner_results_changed(learner_ids=[registration.learner_id])
    audit_record(
        actor=actor,
        action=AuditAction.REGISTRATION_TOPPED_UP,
        summary=f"{registration.learner} topped up from {registration.qualification.qn} to "
        f"{to_qualification.qn}: {len(unit_results)} unit results and {len(entries)} entries "
        "carried",
        obj=target,
        centre=registration.centre,
        awarding_organisation=to_qualification.awarding_organisation,
        before={
            "registration": registration.pk,
            "qualification": registration.qualification.qn,
            "status": RegistrationStatus.ACTIVE,
            "unit_results": unit_results,
            "entries": entries,
        },
        after={
            "registration": target.pk,
            "qualification": to_qualification.qn,
            "new_registration": created,
            "old_registration_status": registration.status,
            "unit_results": unit_results,
            "entries": entries,
            "entries_withdrawn_as_duplicates": entries_withdrawn,
        },
        reason=reason.strip(),
    )
    return target


def top_up_choices(*, registration: Registration) -> QuerySet[Qualification]:
    """The qualifications this registration could be topped up to: larger, same suite+sector."""
    current = registration.qualification
    if current.size_glh is None:
        return Qualification.objects.none()
    return Qualification.objects.filter(
        suite_id=current.suite_id, sector=current.sector, size_glh__gt=current.size_glh
    ).order_by("size_glh", "qn")
