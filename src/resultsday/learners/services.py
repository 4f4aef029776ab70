"""Centre workflows on learners and registrations: create, amend, register, withdraw, upload.

Every function here is the one way to make its change: it checks the domain rules, writes the
rows and records an audit event in the same transaction. Rule failures raise
`RegistrationError`, whose problems carry the form field they belong to and a message in GOV.UK
voice, so pages, the API and uploads all say the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_record
from resultsday.catalogue.choices import KeyDateKind, KeyDateScope
from resultsday.catalogue.models import KeyDate, Qualification, Series
from resultsday.formats.columns import Column
from resultsday.formats.tabular import ImportProblem, ImportRow, read_table
from resultsday.identifiers import (
    Check,
    check_candidate_number,
    check_forenames,
    check_qualification_number,
    check_surname,
    check_ucas_personal_id,
    check_uci,
    check_uln,
)
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Learner, Registration

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


def learner_details_check(*, details: LearnerDetails) -> tuple[LearnerDetails, list[FieldProblem]]:
    """Check each identifier and name; return the normalised details and every problem."""
    checks: dict[str, Check] = {
        "candidate_number": check_candidate_number(details.candidate_number),
        "uln": check_uln(details.uln, required=False),
        "uci": check_uci(details.uci, required=False),
        "first_name": check_forenames(details.first_name),
        "last_name": check_surname(details.last_name),
        "ucas_personal_id": check_ucas_personal_id(details.ucas_personal_id),
    }
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
    return normalised, problems


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
    details, problems = learner_details_check(details=details)
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
    details, problems = learner_details_check(details=details)
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


def registration_deadline(*, series: Series, qualification: Qualification) -> dt.datetime | None:
    """The series' registration deadline for this qualification's results day, if set.

    A date for the qualification's own level wins over a date for all qualifications.
    """
    dates = {
        kd.applies_to: kd.at
        for kd in KeyDate.objects.filter(
            series=series,
            kind=KeyDateKind.REGISTRATION_DEADLINE,
            applies_to__in=[KeyDateScope.ALL, qualification.results_day_type],
        )
    }
    return dates.get(qualification.results_day_type) or dates.get(KeyDateScope.ALL)


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
    problems: list[ImportProblem] = field(default_factory=list)
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
        details, detail_problems = learner_details_check(details=LearnerDetails(
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
        qualification = self.qualification(qn_check.value) if qn_check.ok else None
        series = None
        if not qn_check.ok:
            add("qualification_qn", qn_check.message or "")
        elif qualification is None or qualification.awarding_organisation_id not in self.ao_ids:
            # Another AO's QN reads the same as an unknown one: centres see only their AOs.
            add("qualification_qn", f"There is no qualification {qn_check.value} that your "
                "centre is approved to offer: check the QN with your awarding organisation")
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
