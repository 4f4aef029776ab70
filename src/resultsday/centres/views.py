from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from resultsday.accounts.access import (
    centres_for_user,
    get_awarding_organisation_for_user,
    get_centre_for_user,
    principal_for,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.catalogue.models import Suite
from resultsday.centres.forms import VerificationFilterForm, VerificationForm
from resultsday.centres.models import StandardsVerification
from resultsday.centres.selectors import (
    awarding_organisation_verifications,
    centre_overview,
    centre_verifications,
)
from resultsday.centres.services import VerificationError, verification_status_set

SV_WRITE = Permission.AO_VERIFICATION_WRITE


@requires(Permission.CENTRE_VIEW)
def centre_home(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, Permission.CENTRE_VIEW)
    principal = principal_for(request.user)
    is_staff_here = centre.pk in principal.centre_ids(Permission.CENTRE_VIEW)
    # AO staff see the programmes of their own AO's suites only.
    ao_ids = None if is_staff_here else principal.ao_ids(Permission.AO_CENTRES_READ)
    sv_aos = centre.awarding_organisations.filter(pk__in=principal.ao_ids(SV_WRITE))
    return render(
        request, "centres/home.html",
        {"centre": centre, **centre_overview(centre=centre, awarding_organisation_ids=ao_ids),
         "verifications": centre_verifications(centre=centre, awarding_organisation_ids=ao_ids),
         "can_write_grades": centre.pk in principal.centre_ids(
             Permission.CENTRE_UNIT_GRADES_WRITE
         ),
         "sv_links": [
             (ao, f"{reverse('centres:verification_list', args=[ao.code])}?centre={centre.number}")
             for ao in sv_aos
         ]},
    )


@requires(Permission.AO_CENTRES_READ)
def verification_list(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, Permission.AO_CENTRES_READ)
    filters = VerificationFilterForm(request.GET or None)
    status = centre_number = ""
    if filters.is_valid():
        status = filters.cleaned_data["status"]
        centre_number = filters.cleaned_data["centre"].strip()
    programmes = awarding_organisation_verifications(
        awarding_organisation=ao,
        centres=centres_for_user(request.user, Permission.AO_CENTRES_READ).filter(
            awarding_organisations=ao
        ),
        status=status, centre_number=centre_number,
    )
    return render(
        request, "centres/verification_list.html",
        {"ao": ao, "programmes": programmes, "filters": filters,
         "can_write": ao.pk in principal_for(request.user).ao_ids(SV_WRITE)},
    )


@requires(SV_WRITE)
def verification_change(
    request: HttpRequest, code: str, number: str, suite: str, sector: str
) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, SV_WRITE)
    centre = get_object_or_404(
        centres_for_user(request.user, SV_WRITE).filter(awarding_organisations=ao), number=number
    )
    suite_obj = get_object_or_404(Suite, code=suite, awarding_organisation=ao)
    current = StandardsVerification.objects.filter(
        centre=centre, suite=suite_obj, sector=sector
    ).first()
    form = VerificationForm(
        request.POST if request.method == "POST" else None,
        initial={"status": current.status} if current else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            verification = verification_status_set(
                actor=request.user,  # type: ignore[arg-type]
                centre=centre, suite=suite_obj, sector=sector,
                status=form.cleaned_data["status"], reason=form.cleaned_data["reason"],
            )
        except VerificationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, f"{suite_obj.name} {sector} at centre {centre.number} is now "
                f"{verification.get_status_display()}",
            )
            return redirect(
                f"{reverse('centres:verification_list', args=[ao.code])}?centre={centre.number}"
            )
    return render(
        request, "centres/verification_change.html",
        {"ao": ao, "centre": centre, "suite": suite_obj, "sector": sector,
         "current": current, "form": form},
    )
