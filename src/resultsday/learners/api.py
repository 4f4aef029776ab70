from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr

from resultsday.accounts.access import (
    get_centre_for_user,
    learners_for_user,
    registrations_for_user,
)
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.catalogue.models import Qualification, Series, Unit
from resultsday.identifiers import check_qualification_number
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Registration
from resultsday.learners.selectors import entries_for_user
from resultsday.learners.services import (
    LearnerDetails,
    RegistrationError,
    entry_create,
    entry_withdraw,
    learner_details_warnings,
    no_qualification_message,
    registration_create,
    registration_create_with_new_learner,
    registration_top_up,
    registration_withdraw,
)

router = Router(tags=["learners"])

WRITE = Permission.CENTRE_LEARNERS_WRITE
READ = Permission.CENTRE_LEARNERS_READ


class StrictSchema(Schema):
    # (Text holding NUL, which PostgreSQL cannot store, is refused for every operation by the
    # API's parser: api.api.TextParser.)
    model_config = ConfigDict(extra="forbid")


class LearnerOut(Schema):
    id: int
    candidate_number: str
    uln: str
    uci: str
    first_name: str
    last_name: str
    date_of_birth: dt.date


class NewLearnerIn(StrictSchema):
    candidate_number: StrictStr
    first_name: StrictStr
    last_name: StrictStr
    date_of_birth: dt.date
    uln: StrictStr = ""
    uci: StrictStr = ""
    ucas_personal_id: StrictStr = ""
    confirmed_different_person: StrictBool = False


class RegistrationIn(StrictSchema):
    """Give `learner_id` for a learner already at the centre, or `learner` for a new one."""

    learner_id: StrictInt | None = None
    learner: NewLearnerIn | None = None
    qualification_qn: StrictStr
    series_code: StrictStr
    ucas_applicant: StrictBool = False
    needs_result_to_progress: StrictBool = False


class WithdrawIn(StrictSchema):
    reason: StrictStr


class RegistrationOut(Schema):
    id: int
    learner_id: int
    candidate_number: str
    uln: str
    qualification_qn: str
    series_code: str
    status: str
    is_late: bool
    ucas_applicant: bool
    needs_result_to_progress: bool
    registered_on: dt.date
    topped_up_from_id: int | None

    @staticmethod
    def of(registration: Registration) -> RegistrationOut:
        return RegistrationOut(
            id=registration.pk,
            learner_id=registration.learner_id,
            candidate_number=registration.learner.candidate_number,
            uln=registration.learner.uln,
            qualification_qn=registration.qualification.qn,
            series_code=registration.series.code,
            status=registration.status,
            is_late=registration.is_late,
            ucas_applicant=registration.ucas_applicant,
            needs_result_to_progress=registration.needs_result_to_progress,
            registered_on=registration.registered_on,
            topped_up_from_id=registration.topped_up_from_id,
        )


class WarningOut(Schema):
    """A doubt about what was sent that did not stop it: `field` names the request field."""

    field: str
    message: str


class RegistrationAddedOut(RegistrationOut):
    """The new registration, with `warnings`: doubts about the new learner's details that did
    not stop the registration (a name exam data files cannot carry, a UCI whose check letter
    could not be checked). Check them with the learner's record."""

    warnings: list[WarningOut]


def _unprocessable(error: RegistrationError) -> HttpError:
    return HttpError(422, str(error))  # every problem, joined with "; "


@router.get(
    "/centres/{number}/learners",
    response=list[LearnerOut],
    summary="The centre's learners (centre staff of that centre, or its AO)",
)
def centre_learners(request: HttpRequest, number: str) -> list[LearnerOut]:
    api_require(request, READ)
    centre = get_centre_for_user(request, number, READ)
    learners = learners_for_user(request.user, READ).filter(centre=centre)
    return [LearnerOut.model_validate(x, from_attributes=True) for x in learners.order_by("pk")]


@router.get(
    "/centres/{number}/registrations",
    response=list[RegistrationOut],
    summary="The centre's registrations, optionally only those with one status",
)
def centre_registrations(
    request: HttpRequest, number: str, status: RegistrationStatus | None = None
) -> list[RegistrationOut]:
    api_require(request, READ)
    centre = get_centre_for_user(request, number, READ)
    registrations = registrations_for_user(request.user, READ).filter(centre=centre)
    if status is not None:
        registrations = registrations.filter(status=status)
    return [
        RegistrationOut.of(r)
        for r in registrations.select_related("learner", "qualification", "series").order_by("pk")
    ]


@router.post(
    "/centres/{number}/registrations",
    response={201: RegistrationAddedOut},
    summary="Register one learner (existing by learner_id, or new) on a qualification",
)
def registration_add(
    request: HttpRequest, number: str, payload: RegistrationIn
) -> Status[RegistrationAddedOut]:
    api_require(request, WRITE)
    centre = get_centre_for_user(request, number, WRITE)
    if (payload.learner_id is None) == (payload.learner is None):
        raise HttpError(422, "Give either learner_id or learner, not both")
    qn = check_qualification_number(payload.qualification_qn)
    if not qn.ok:
        raise HttpError(422, qn.message or "Enter a qualification number")
    qualification = Qualification.objects.filter(
        qn=qn.value, awarding_organisation__in=centre.awarding_organisations.all()
    ).select_related("awarding_organisation").first()
    if qualification is None:
        raise HttpError(422, no_qualification_message(qn))
    series = Series.objects.filter(
        awarding_organisation=qualification.awarding_organisation, code=payload.series_code
    ).first()
    if series is None:
        raise HttpError(
            422, f"There is no series {payload.series_code} of "
            f"{qualification.awarding_organisation.name}"
        )
    actor = request.user
    warnings: list[WarningOut] = []
    try:
        if payload.learner is not None:
            new = payload.learner
            details = LearnerDetails(
                candidate_number=new.candidate_number, first_name=new.first_name,
                last_name=new.last_name, date_of_birth=new.date_of_birth, uln=new.uln,
                uci=new.uci, ucas_personal_id=new.ucas_personal_id,
            )
            registration = registration_create_with_new_learner(
                actor=actor,  # type: ignore[arg-type]
                centre=centre,
                details=details,
                confirmed_different_person=new.confirmed_different_person,
                qualification=qualification, series=series,
                ucas_applicant=payload.ucas_applicant,
                needs_result_to_progress=payload.needs_result_to_progress,
            )
            warnings += [
                WarningOut(field=f"learner.{w.field}", message=w.message)
                for w in learner_details_warnings(details=details)
            ]
        else:
            learner = get_object_or_404(
                learners_for_user(request.user, WRITE).filter(centre=centre),
                pk=payload.learner_id,
            )
            registration = registration_create(
                actor=actor,  # type: ignore[arg-type]
                learner=learner, qualification=qualification, series=series,
                ucas_applicant=payload.ucas_applicant,
                needs_result_to_progress=payload.needs_result_to_progress,
            )
    except RegistrationError as exc:
        raise _unprocessable(exc) from exc
    return Status(201, RegistrationAddedOut(
        **RegistrationOut.of(registration).model_dump(), warnings=warnings
    ))


@router.post(
    "/centres/{number}/registrations/{registration_id}/withdraw",
    response=RegistrationOut,
    summary="Withdraw an active registration, giving the reason",
)
def registration_withdraw_api(
    request: HttpRequest, number: str, registration_id: int, payload: WithdrawIn
) -> RegistrationOut:
    api_require(request, WRITE)
    centre = get_centre_for_user(request, number, WRITE)
    registration = get_object_or_404(
        registrations_for_user(request.user, WRITE)
        .filter(centre=centre)
        .select_related("learner", "qualification", "series", "centre"),
        pk=registration_id,
    )
    try:
        registration = registration_withdraw(
            actor=request.user,  # type: ignore[arg-type]
            registration=registration, reason=payload.reason,
        )
    except RegistrationError as exc:
        raise _unprocessable(exc) from exc
    return RegistrationOut.of(registration)


# ---- entries -------------------------------------------------------------------------------


class EntryIn(StrictSchema):
    """`unit_code` is the catalogue unit code (like business-2); see GET /catalogue."""

    registration_id: StrictInt
    unit_code: StrictStr
    series_code: StrictStr


class EntryOut(Schema):
    id: int
    registration_id: int
    candidate_number: str
    qualification_qn: str
    unit_code: str
    entry_code: str
    series_code: str
    status: str
    is_late: bool
    entered_at: dt.datetime

    @staticmethod
    def of(entry: Entry) -> EntryOut:
        return EntryOut(
            id=entry.pk,
            registration_id=entry.registration_id,
            candidate_number=entry.registration.learner.candidate_number,
            qualification_qn=entry.registration.qualification.qn,
            unit_code=entry.unit.code,
            entry_code=entry.unit.number,
            series_code=entry.series.code,
            status=entry.status,
            is_late=entry.is_late,
            entered_at=entry.entered_at,
        )


_ENTRY_RELATED = ("registration__learner", "registration__qualification", "unit", "series")


@router.get(
    "/centres/{number}/entries",
    response=list[EntryOut],
    summary="The centre's entries for external assessment, optionally of one series or status",
)
def centre_entries(
    request: HttpRequest, number: str, series_code: str | None = None,
    status: EntryStatus | None = None,
) -> list[EntryOut]:
    api_require(request, READ)
    centre = get_centre_for_user(request, number, READ)
    entries = entries_for_user(request.user, READ).filter(registration__centre=centre)
    if series_code is not None:
        entries = entries.filter(series__code=series_code)
    if status is not None:
        entries = entries.filter(status=status)
    return [EntryOut.of(e) for e in entries.select_related(*_ENTRY_RELATED).order_by("pk")]


@router.post(
    "/centres/{number}/entries",
    response={201: EntryOut},
    summary="Enter a registration for an external unit in a series",
)
def entry_add(request: HttpRequest, number: str, payload: EntryIn) -> Status[EntryOut]:
    api_require(request, WRITE)
    centre = get_centre_for_user(request, number, WRITE)
    registration = get_object_or_404(
        registrations_for_user(request.user, WRITE)
        .filter(centre=centre)
        .select_related("learner", "qualification__awarding_organisation", "centre"),
        pk=payload.registration_id,
    )
    qualification = registration.qualification
    unit = Unit.objects.filter(suite_id=qualification.suite_id, code=payload.unit_code).first()
    if unit is None:
        raise HttpError(422, f"There is no unit {payload.unit_code} in {qualification.title}")
    series = Series.objects.filter(
        awarding_organisation_id=qualification.awarding_organisation_id, code=payload.series_code
    ).first()
    if series is None:
        raise HttpError(
            422, f"There is no series {payload.series_code} of "
            f"{qualification.awarding_organisation.name}"
        )
    try:
        entry = entry_create(
            actor=request.user,  # type: ignore[arg-type]
            registration=registration, unit=unit, series=series,
        )
    except RegistrationError as exc:
        raise _unprocessable(exc) from exc
    return Status(201, EntryOut.of(entry))


@router.post(
    "/centres/{number}/entries/{entry_id}/withdraw",
    response=EntryOut,
    summary="Withdraw an entry, giving the reason",
)
def entry_withdraw_api(
    request: HttpRequest, number: str, entry_id: int, payload: WithdrawIn
) -> EntryOut:
    api_require(request, WRITE)
    centre = get_centre_for_user(request, number, WRITE)
    entry = get_object_or_404(
        entries_for_user(request.user, WRITE)
        .filter(registration__centre=centre)
        .select_related(*_ENTRY_RELATED, "registration__centre"),
        pk=entry_id,
    )
    try:
        entry = entry_withdraw(
            actor=request.user,  # type: ignore[arg-type]
            entry=entry, reason=payload.reason,
        )
    except RegistrationError as exc:
        raise _unprocessable(exc) from exc
    return EntryOut.of(entry)


# ---- top-ups -------------------------------------------------------------------------------


class TopUpIn(StrictSchema):
    to_qualification_qn: StrictStr
    reason: StrictStr = ""


@router.post(
    "/centres/{number}/registrations/{registration_id}/top-up",
    response=RegistrationOut,
    summary="Top a registration up to a larger qualification of the same suite and sector; "
    "answers with the larger registration, which now holds every unit result and entry",
)
def registration_top_up_api(
    request: HttpRequest, number: str, registration_id: int, payload: TopUpIn
) -> RegistrationOut:
    api_require(request, WRITE)
    centre = get_centre_for_user(request, number, WRITE)
    registration = get_object_or_404(
        registrations_for_user(request.user, WRITE)
        .filter(centre=centre)
        .select_related("learner", "qualification", "series", "centre"),
        pk=registration_id,
    )
    qn = check_qualification_number(payload.to_qualification_qn)
    if not qn.ok:
        raise HttpError(422, qn.message or "Enter a qualification number")
    to_qualification = Qualification.objects.filter(
        qn=qn.value, awarding_organisation__in=centre.awarding_organisations.all()
    ).select_related("awarding_organisation").first()
    if to_qualification is None:
        raise HttpError(422, no_qualification_message(qn))
    try:
        target = registration_top_up(
            registration=registration, to_qualification=to_qualification,
            actor=request.user,  # type: ignore[arg-type]
            reason=payload.reason,
        )
    except RegistrationError as exc:
        raise _unprocessable(exc) from exc
    return RegistrationOut.of(target)
