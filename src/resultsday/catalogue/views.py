from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from resultsday.accounts.access import (
    centres_for_user,
    get_awarding_organisation_for_user,
    principal_for,
    requires,
    signed_in,
)
from resultsday.accounts.permissions import Permission
from resultsday.catalogue.calculator import (
    calculator_qualifications,
    calculator_request,
    unit_choices,
)
from resultsday.catalogue.models import Qualification
from resultsday.catalogue.selectors import (
    key_dates_all,
    qualifications_with_counts,
    regulator_overview,
)
from resultsday.core.ordering import unit_order_key
from resultsday.grading import GradeRequestError, grade, parse_request


@requires(Permission.AO_VIEW)
def ao_home(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, Permission.AO_VIEW)
    centres = centres_for_user(request.user, Permission.AO_CENTRES_READ).filter(
        awarding_organisations=ao
    )
    return render(
        request,
        "catalogue/ao_home.html",
        {
            "ao": ao,
            "centre_count": centres.count(),
            "centres": centres.order_by("number")[:200],
            "series": ao.series.prefetch_related("key_dates"),
        },
    )


@requires(Permission.AO_CATALOGUE_READ)
def qualification_index(request: HttpRequest) -> HttpResponse:
    ao_ids = principal_for(request.user).ao_ids(Permission.AO_CATALOGUE_READ)
    return render(
        request,
        "catalogue/index.html",
        {"qualifications": qualifications_with_counts(awarding_organisation_ids=ao_ids)},
    )


@requires(Permission.AO_CATALOGUE_READ)
def qualification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ao_ids = principal_for(request.user).ao_ids(Permission.AO_CATALOGUE_READ)
    qualification = get_object_or_404(
        Qualification.objects.select_related("suite"), pk=pk, awarding_organisation_id__in=ao_ids
    )
    structure = sorted(
        qualification.structure.select_related("unit"),
        key=lambda placement: (not placement.mandatory, unit_order_key(placement.unit)),
    )
    return render(
        request,
        "catalogue/qualification.html",
        {"qualification": qualification, "structure": structure},
    )


@signed_in
def key_dates(request: HttpRequest) -> HttpResponse:
    return render(request, "catalogue/key_dates.html", {"key_dates": key_dates_all()})


@requires(Permission.REGULATOR_VIEW)
def regulator_home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "catalogue/regulator_home.html", {"organisations": regulator_overview()}
    )


@requires(Permission.GRADE_CALCULATOR_USE)
def grade_calculator(request: HttpRequest) -> HttpResponse:
    qualifications = calculator_qualifications()
    by_qn = {q.qn: q for q in qualifications}
    chosen = by_qn.get(request.GET.get("qualification", ""))
    context: dict[str, object] = {"qualifications": qualifications, "chosen": chosen}
    if chosen is not None:
        choices = unit_choices(chosen, request.GET)
        context["choices"] = choices
        if request.GET.get("calculate"):
            grading_request = calculator_request(chosen, choices, registered_on=None)
            try:
                context["outcome"] = grade(parse_request(grading_request))
            except GradeRequestError as exc:
                context["problem"] = f"{exc.path}: {exc.message}"
    return render(request, "catalogue/calculator.html", context)
