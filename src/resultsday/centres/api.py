from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, StrictStr

from resultsday.accounts.access import get_centre_for_user, principal_for
from resultsday.accounts.permissions import Permission
from resultsday.api.permissions import api_require
from resultsday.catalogue.models import Suite
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.selectors import ProgrammeVerification, centre_verifications
from resultsday.centres.services import VerificationError, verification_status_set

router = Router(tags=["centres"])

READ = Permission.CENTRE_VIEW
WRITE = Permission.AO_VERIFICATION_WRITE


class VerificationOut(Schema):
    suite: str
    suite_name: str
    sector: str
    status: VerificationStatus
    status_label: str
    updated_at: dt.datetime | None

    @staticmethod
    def of(p: ProgrammeVerification) -> VerificationOut:
        return VerificationOut(
            suite=p.suite.code, suite_name=p.suite.name, sector=p.sector, status=p.status,
            status_label=p.status_label, updated_at=p.updated_at,
        )


class VerificationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    suite: StrictStr
    sector: StrictStr
    status: VerificationStatus
    reason: StrictStr = ""


@router.get(
    "/centres/{number}/verification",
    response=list[VerificationOut],
    summary="Standards verification status of each of the centre's programmes",
)
def centre_verification(request: HttpRequest, number: str) -> list[VerificationOut]:
    api_require(request, READ)
    centre = get_centre_for_user(request, number, READ)
    principal = principal_for(request.user)
    # AO staff see the programmes of their own AO's suites only.
    ao_ids = (
        None if centre.pk in principal.centre_ids(READ)
        else principal.ao_ids(Permission.AO_CENTRES_READ)
    )
    return [
        VerificationOut.of(p)
        for p in centre_verifications(centre=centre, awarding_organisation_ids=ao_ids)
    ]


@router.put(
    "/centres/{number}/verification",
    response=VerificationOut,
    summary="Set one programme's standards verification status (AO officers of the suite's AO)",
)
def centre_verification_set(
    request: HttpRequest, number: str, payload: VerificationIn
) -> VerificationOut:
    api_require(request, WRITE)
    centre = get_centre_for_user(request, number, WRITE)
    suite = get_object_or_404(
        Suite, code=payload.suite,
        awarding_organisation_id__in=principal_for(request.user).ao_ids(WRITE),
    )
    try:
        verification_status_set(
            actor=request.user,  # type: ignore[arg-type]
            centre=centre, suite=suite, sector=payload.sector, status=payload.status,
            reason=payload.reason,
        )
    except VerificationError as exc:
        raise HttpError(422, exc.message) from exc
    programmes = centre_verifications(
        centre=centre, awarding_organisation_ids=[suite.awarding_organisation_id]
    )
    return next(
        VerificationOut.of(p)
        for p in programmes
        if p.suite.pk == suite.pk and p.sector == payload.sector
    )
