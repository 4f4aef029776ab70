from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from resultsday.accounts.access import (
    get_centre_for_user,
    get_learner_for_user,
    get_registration_for_user,
    learners_for_user,
    own_learner,
    principal_for,
    registrations_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.formats.safe_output import template_csv, template_xlsx
from resultsday.formats.tabular import DEFAULT_MAX_BYTES
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.forms import (
    LearnerAmendForm,
    NewLearnerRegistrationForm,
    RegistrationForm,
    UploadForm,
    WithdrawForm,
)
from resultsday.learners.models import Registration
from resultsday.learners.selectors import learner_registrations, learner_search
from resultsday.learners.services import (
    REGISTRATION_COLUMNS,
    RegistrationError,
    learner_amend,
    registration_create,
    registration_create_with_new_learner,
    registration_upload,
    registration_withdraw,
)

WRITE = Permission.CENTRE_LEARNERS_WRITE


def _can_write(request: HttpRequest, centre_id: int) -> bool:
    return centre_id in principal_for(request.user).centre_ids(WRITE)


@requires(Permission.CENTRE_LEARNERS_READ)
def learner_list(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, Permission.CENTRE_LEARNERS_READ)
    query = request.GET.get("q", "")
    learners = learner_search(
        learners=learners_for_user(request.user, Permission.CENTRE_LEARNERS_READ).filter(
            centre=centre
        ),
        query=query,
    ).order_by("last_name", "first_name", "pk")
    page = Paginator(learners, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "learners/list.html",
        {"centre": centre, "page": page, "query": query,
         "can_write": _can_write(request, centre.pk)},
    )


@requires(Permission.CENTRE_LEARNERS_READ)
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, Permission.CENTRE_LEARNERS_READ)
    registrations = learner_registrations(
        registrations=registrations_for_user(
            request.user, Permission.CENTRE_LEARNERS_READ
        ).filter(learner=learner)
    )
    return render(
        request,
        "learners/detail.html",
        {"learner": learner, "registrations": registrations,
         "can_write": _can_write(request, learner.centre_id),
         "active": RegistrationStatus.ACTIVE},
    )


@requires(Permission.LEARNER_OWN_RESULTS_READ)
def my_home(request: HttpRequest) -> HttpResponse:
    learner = own_learner(request)
    registrations = learner_registrations(registrations=learner.registrations.all())
    return render(
        request, "learners/my_home.html", {"learner": learner, "registrations": registrations}
    )


@requires(WRITE)
def register_new_learner(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, WRITE)
    form = NewLearnerRegistrationForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            registration = registration_create_with_new_learner(
                actor=request.user,  # type: ignore[arg-type]
                centre=centre,
                details=form.details(),
                confirmed_different_person=form.cleaned_data["confirm_different_person"],
                qualification=form.cleaned_data["qualification"],
                series=form.cleaned_data["series"],
                ucas_applicant=form.cleaned_data["ucas_applicant"],
                needs_result_to_progress=form.cleaned_data["needs_result_to_progress"],
            )
        except RegistrationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _registered_message(registration))
            return redirect("learners:detail", registration.learner_id)
    return render(request, "learners/register.html", {"centre": centre, "form": form})


@requires(WRITE)
def register_existing_learner(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, WRITE)
    form = RegistrationForm(request.POST or None, centre=learner.centre)
    if request.method == "POST" and form.is_valid():
        try:
            registration = registration_create(
                actor=request.user,  # type: ignore[arg-type]
                learner=learner,
                qualification=form.cleaned_data["qualification"],
                series=form.cleaned_data["series"],
                ucas_applicant=form.cleaned_data["ucas_applicant"],
                needs_result_to_progress=form.cleaned_data["needs_result_to_progress"],
            )
        except RegistrationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _registered_message(registration))
            return redirect("learners:detail", learner.pk)
    return render(
        request, "learners/register.html",
        {"centre": learner.centre, "learner": learner, "form": form},
    )


def _registered_message(registration: Registration) -> str:
    text = (
        f"{registration.learner.full_name} is registered on {registration.qualification.title} "
        f"for {registration.series.name}"
    )
    return text + (". This is a late registration." if registration.is_late else "")


@requires(WRITE)
def learner_amend_page(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, WRITE)
    form = LearnerAmendForm(request.POST or None, initial=LearnerAmendForm.initial_for(learner))
    if request.method == "POST" and form.is_valid():
        try:
            learner_amend(
                actor=request.user,  # type: ignore[arg-type]
                learner=learner,
                details=form.details(),
                reason=form.cleaned_data["reason"],
            )
        except RegistrationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"{learner.full_name}'s details are saved")
            return redirect("learners:detail", learner.pk)
    return render(request, "learners/amend.html", {"learner": learner, "form": form})


@requires(WRITE)
def registration_withdraw_page(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, WRITE)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration_withdraw(
                actor=request.user,  # type: ignore[arg-type]
                registration=registration,
                reason=form.cleaned_data["reason"],
            )
        except RegistrationError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(
                request,
                f"{registration.learner.full_name} is withdrawn from "
                f"{registration.qualification.title}",
            )
            return redirect("learners:detail", registration.learner_id)
    return render(
        request, "learners/withdraw.html", {"registration": registration, "form": form}
    )


@requires(WRITE)
def registration_template(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    get_centre_for_user(request, number, WRITE)
    if kind not in ("csv", "xlsx"):
        raise Http404("Templates are CSV or XLSX.")
    if kind == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        data = template_xlsx(REGISTRATION_COLUMNS)
    else:
        content_type, data = "text/csv; charset=utf-8", template_csv(REGISTRATION_COLUMNS)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="registrations-template.{kind}"'
    return response


@requires(WRITE)
def registration_upload_page(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, WRITE)
    form = UploadForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = registration_upload(
            actor=request.user,  # type: ignore[arg-type]
            centre=centre,
            # One byte over the limit is enough for the reader to say the file is too big.
            data=upload.read(DEFAULT_MAX_BYTES + 1),
            filename=upload.name,
        )
        if outcome.problems:
            count = len(outcome.problems)
            form.add_error(
                "file",
                f"The file has {count} problem{'s' if count != 1 else ''}: fix "
                f"{'them' if count != 1 else 'it'} and upload the file again. "
                "Nothing has been registered.",
            )
    return render(
        request, "learners/upload.html",
        {"centre": centre, "form": form, "outcome": outcome,
         "columns": REGISTRATION_COLUMNS},
    )
