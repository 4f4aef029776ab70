from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from resultsday.accounts.access import (
    get_awarding_organisation_for_user,
    get_centre_for_user,
    get_registration_for_user,
    principal_for,
    registrations_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.assessment.choices import BoundaryStatus
from resultsday.assessment.forms import (
    BoundaryApproveForm,
    GradeBoundaryForm,
    GridChoiceForm,
    SeriesChoiceForm,
    UnitGradeForm,
    UnitGridForm,
    UploadForm,
)
from resultsday.assessment.models import GradeBoundary
from resultsday.assessment.selectors import (
    approved_boundary,
    boundary_versions,
    boundary_versions_with_notes,
    external_unit_of_ao,
    grid_qualifications,
    grid_units,
    internal_unit_of,
    marks_count,
    registration_internal_grades,
    series_boundaries,
    unit_grid,
)
from resultsday.assessment.services import (
    MARK_COLUMNS,
    UNIT_GRADE_COLUMNS,
    GradeBoundaryError,
    GradeEntry,
    UnitGradeError,
    grade_boundary_approve,
    grade_boundary_save,
    has_claim,
    marks_upload,
    unit_grade_record,
    unit_grade_upload,
    unit_grades_record_many,
)
from resultsday.catalogue.models import AwardingOrganisation, Series, Unit
from resultsday.core.uploads import template_download, upload_refused
from resultsday.formats.tabular import DEFAULT_MAX_BYTES
from resultsday.learners.choices import RegistrationStatus

READ = Permission.CENTRE_LEARNERS_READ
WRITE = Permission.CENTRE_UNIT_GRADES_WRITE
BOUNDARIES = Permission.AO_BOUNDARIES_WRITE


@requires(READ)
def registration_unit_grades(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, READ)
    can_write = (
        registration.centre_id in principal_for(request.user).centre_ids(WRITE)
        and registration.status == RegistrationStatus.ACTIVE
    )
    return render(
        request, "assessment/registration_grades.html",
        {"registration": registration, "rows": registration_internal_grades(registration=registration),
         "can_write": can_write, "claimed": has_claim(registration)},
    )


@requires(WRITE)
def unit_grade_edit(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, WRITE)
    unit = internal_unit_of(registration=registration, unit_id=unit_id)
    if unit is None:
        raise Http404("That unit is not an internal unit of this qualification.")
    current = next(
        (r.current for r in registration_internal_grades(registration=registration)
         if r.unit.pk == unit.pk), None,
    )
    initial = {"grade": current.grade, "is_retake": current.is_retake} if current else {}
    form = UnitGradeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = unit_grade_record(
                actor=request.user,  # type: ignore[arg-type]
                registration=registration, unit=unit,
                grade=form.cleaned_data["grade"], is_retake=form.cleaned_data["is_retake"],
                reason=form.cleaned_data["reason"],
            )
        except UnitGradeError as exc:
            form.add_service_errors(exc)
        else:
            learner = registration.learner.full_name
            if not outcome.changed:
                messages.info(request, f"{learner}'s grade for {unit} is unchanged")
            else:
                messages.success(
                    request, f"{learner}'s grade for {unit} is {outcome.unit_result.grade}"
                )
            if outcome.changed_after_claim:
                messages.warning(
                    request, "This qualification has already been claimed: the change is "
                    "recorded as made after the claim",
                )
            return redirect("assessment:registration_grades", registration.pk)
    return render(
        request, "assessment/grade_edit.html",
        {"registration": registration, "unit": unit, "current": current, "form": form,
         "claimed": has_claim(registration)},
    )


@requires(WRITE)
def unit_grid_page(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, WRITE)
    registrations = registrations_for_user(request.user, WRITE).filter(centre=centre)
    qualifications = grid_qualifications(registrations=registrations)
    qualification_id = _int(request.GET.get("qualification"))
    chosen_qualification = (
        qualifications.filter(pk=qualification_id).first() if qualification_id else None
    )
    units = grid_units(qualification=chosen_qualification) if chosen_qualification else []
    choice = GridChoiceForm(
        request.GET if "qualification" in request.GET else None,
        qualifications=qualifications, units=units,
    )
    unit = None
    if choice.is_bound and choice.is_valid():
        unit = choice.cleaned_data["unit"]
    context: dict[str, object] = {"centre": centre, "choice": choice, "unit": unit}
    if unit is None:
        return render(request, "assessment/grid.html", context)

    rows = unit_grid(registrations=registrations, unit=unit)
    form = UnitGridForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        entries = [
            GradeEntry(
                registration=row.registration, unit=unit, grade=grade, is_retake=retake,
                label=f"{row.registration.learner.full_name} "
                f"(candidate {row.registration.learner.candidate_number})",
            )
            for row, grade, retake in chosen
        ]
        outcome = unit_grades_record_many(
            actor=request.user,  # type: ignore[arg-type]
            entries=entries, reason=form.cleaned_data["reason"],
        )
        for problem in outcome.problems:
            if problem.index < 0:
                form.add_error(None, problem.message)
                continue
            entry = entries[problem.index]
            name = "retake" if problem.field == "is_retake" else "grade"
            form.add_error(
                f"{name}_{entry.registration.pk}", f"{entry.label}: {problem.message}"
            )
        if outcome.applied:
            saved = outcome.recorded + outcome.changed
            messages.success(
                request, f"{saved} grade{'s' if saved != 1 else ''} saved for {unit}"
                f" ({outcome.unchanged} unchanged)",
            )
            if outcome.changed_after_claim:
                messages.warning(
                    request, f"{outcome.changed_after_claim} of these learners' qualifications "
                    "had already been claimed: the changes are recorded as made after the claim",
                )
            return redirect(_grid_url(centre.number, unit.pk, chosen_qualification))
    context.update({"form": form, "action": _grid_url(centre.number, unit.pk, chosen_qualification)})
    return render(request, "assessment/grid.html", context)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _grid_url(number: str, unit_id: int, qualification: object) -> str:
    query = urlencode({"qualification": getattr(qualification, "pk", ""), "unit": unit_id})
    return f"{reverse('assessment:grid', args=[number])}?{query}"


@requires(WRITE)
def unit_grade_template(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    get_centre_for_user(request, number, WRITE)
    return template_download(kind, UNIT_GRADE_COLUMNS, "unit-grades-template")


@requires(WRITE)
def unit_grade_upload_page(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, WRITE)
    form = UploadForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = unit_grade_upload(
            actor=request.user,  # type: ignore[arg-type]
            centre=centre,
            # One byte over the limit is enough for the reader to say the file is too big.
            data=upload.read(DEFAULT_MAX_BYTES + 1),
            filename=upload.name,
        )
        if outcome.problems:
            upload_refused(form, len(outcome.problems), "No grades have been saved.")
    return render(
        request, "assessment/upload.html",
        {"centre": centre, "form": form, "outcome": outcome, "columns": UNIT_GRADE_COLUMNS},
    )


# ---- grade boundaries and marks of external assessments (AO officers) ------------------------


def _assessment_for_user(
    request: HttpRequest, code: str, series_code: str, unit_id: int
) -> tuple[AwardingOrganisation, Series, Unit]:
    """The AO, series and external unit named in the URL, or 404 for anyone not of that AO."""
    ao = get_awarding_organisation_for_user(request, code, BOUNDARIES)
    series = get_object_or_404(Series, awarding_organisation=ao, code=series_code)
    unit = external_unit_of_ao(awarding_organisation=ao, unit_id=unit_id)
    if unit is None:
        raise Http404("No external unit of this awarding organisation has that id.")
    return ao, series, unit


def _boundary_url(ao: AwardingOrganisation, series: Series, unit: Unit) -> str:
    return reverse("assessment:boundary_detail", args=[ao.code, series.code, unit.pk])


@requires(BOUNDARIES)
def boundary_list(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, BOUNDARIES)
    all_series = list(ao.series.order_by("-code"))
    choice = SeriesChoiceForm(
        request.GET if "series" in request.GET else None,
        series=[(s.code, f"{s.name} ({s.code})") for s in all_series],
    )
    series = all_series[0] if all_series else None
    if choice.is_bound and choice.is_valid():
        series = next(s for s in all_series if s.code == choice.cleaned_data["series"])
    elif not choice.is_bound and series is not None:
        choice = SeriesChoiceForm(
            initial={"series": series.code},
            series=[(s.code, f"{s.name} ({s.code})") for s in all_series],
        )
    rows = (
        series_boundaries(awarding_organisation=ao, series=series)
        if series is not None and not choice.errors else []
    )
    return render(
        request, "assessment/boundary_list.html",
        {"ao": ao, "series": series, "choice": choice, "rows": rows},
    )


@requires(BOUNDARIES)
def boundary_detail(request: HttpRequest, code: str, series: str, unit_id: int) -> HttpResponse:
    ao, series_obj, unit = _assessment_for_user(request, code, series, unit_id)
    versions = boundary_versions(unit=unit, series=series_obj)
    draft = next((b for b in versions if b.is_draft), None)
    approved = next((b for b in versions if b.status == BoundaryStatus.APPROVED), None)
    shown = draft or approved
    initial = {name: getattr(shown, name) for name in GradeBoundaryForm.base_fields
               if name != "reason"} if shown else {}
    form = GradeBoundaryForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        try:
            saved = grade_boundary_save(
                actor=request.user,  # type: ignore[arg-type]
                unit=unit, series=series_obj, reason=form.cleaned_data["reason"], **values,
            )
        except GradeBoundaryError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, f"Draft boundaries version {saved.version} saved for {unit}: approve "
                "them to use them",
            )
            return redirect(_boundary_url(ao, series_obj, unit))
    return render(
        request, "assessment/boundary_detail.html",
        {"ao": ao, "series": series_obj, "unit": unit, "versions": versions, "draft": draft,
         "version_rows": boundary_versions_with_notes(versions),
         "approved": approved, "form": form, "approve_form": BoundaryApproveForm(prefix="approve"),
         "marks": marks_count(unit=unit, series=series_obj)},
    )


@requires(BOUNDARIES)
@require_POST
def boundary_approve(request: HttpRequest, code: str, series: str, unit_id: int) -> HttpResponse:
    ao, series_obj, unit = _assessment_for_user(request, code, series, unit_id)
    form = BoundaryApproveForm(request.POST, prefix="approve")
    draft = GradeBoundary.objects.filter(unit=unit, series=series_obj, status=BoundaryStatus.DRAFT).first()
    if draft is None:
        messages.error(request, "There are no draft boundaries to approve")
    elif form.is_valid():
        try:
            outcome = grade_boundary_approve(
                actor=request.user,  # type: ignore[arg-type]
                boundary=draft, reason=form.cleaned_data["reason"],
            )
        except GradeBoundaryError as exc:
            for problem in exc.problems:
                messages.error(request, problem.message)
        else:
            text = f"Boundaries version {outcome.boundary.version} approved for {unit}"
            if outcome.marks:
                text += (
                    f": {outcome.marks} mark{'s' if outcome.marks != 1 else ''} converted again, "
                    f"{outcome.changed} with a new grade or points"
                )
            messages.success(request, text)
    return redirect(_boundary_url(ao, series_obj, unit))


@requires(BOUNDARIES)
def marks_template(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    get_awarding_organisation_for_user(request, code, BOUNDARIES)
    return template_download(kind, MARK_COLUMNS, "marks-template")


@requires(BOUNDARIES)
def marks_upload_page(request: HttpRequest, code: str, series: str, unit_id: int) -> HttpResponse:
    ao, series_obj, unit = _assessment_for_user(request, code, series, unit_id)
    boundary = approved_boundary(unit=unit, series=series_obj)
    form = UploadForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = marks_upload(
            actor=request.user,  # type: ignore[arg-type]
            unit=unit, series=series_obj,
            data=upload.read(DEFAULT_MAX_BYTES + 1), filename=upload.name,
        )
        if outcome.problems:
            upload_refused(form, len(outcome.problems), "No marks have been saved.")
    return render(
        request, "assessment/marks_upload.html",
        {"ao": ao, "series": series_obj, "unit": unit, "boundary": boundary, "form": form,
         "outcome": outcome, "columns": MARK_COLUMNS},
    )
