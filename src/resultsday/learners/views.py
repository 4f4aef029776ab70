from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from resultsday.accounts.access import (
    get_centre_for_user,
    get_learner_for_user,
    get_registration_for_user,
    learners_for_user,
    own_learner_id,
    principal_for,
    public,
    registrations_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.catalogue.choices import Assessment
from resultsday.catalogue.models import Series
from resultsday.core.layout import render_body_in_layout
from resultsday.core.uploads import template_download, upload_refused
from resultsday.formats.edi import DEFAULT_MAX_BYTES as EDI_MAX_BYTES
from resultsday.formats.edi import EdiWriteError
from resultsday.formats.tabular import DEFAULT_MAX_BYTES
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.forms import (
    AccessCodeFilterForm,
    AccessCodesForm,
    AccessCodeSignInForm,
    BulkEntryForm,
    EntriesFileForm,
    EntryForm,
    EntryWithdrawForm,
    InvitationAcceptForm,
    LearnerAmendForm,
    LearnerInviteForm,
    NewLearnerRegistrationForm,
    RegistrationForm,
    TopUpForm,
    UploadForm,
    WithdrawForm,
)
from resultsday.learners.models import LearnerAccessCode, Registration
from resultsday.learners.selectors import (
    access_code_learners,
    access_code_qualifications,
    access_code_series,
    entries_for_user,
    get_entry_for_user,
    learner_registrations,
    learner_search,
    registration_entries,
    top_up_candidates,
)
from resultsday.learners.services import (
    ENTRY_CODE_HELP,
    REGISTRATION_COLUMNS,
    SERIES_HELP,
    LearnerDetails,
    RegistrationError,
    entries_create_for_qualification,
    entries_import_edi,
    entries_sample_edi,
    entries_sample_file_name,
    entry_create,
    entry_withdraw,
    learner_amend,
    learner_details_warnings,
    registration_create,
    registration_create_with_new_learner,
    registration_top_up,
    registration_upload,
    registration_withdraw,
    unit_label,
)
from resultsday.learners.sign_in import (
    ACCESS_CODES_AT_ONCE,
    INVITATION_LIFETIME,
    LearnerSignInError,
    access_code_display,
    learner_access_code_issue,
    learner_access_code_withdraw,
    learner_access_codes_issue,
    learner_invitation_accept,
    learner_invitation_cancel,
    learner_invitation_open_for,
    learner_invite,
    learner_sign_in_with_code,
)
from resultsday.release.cache import learner_results_page_cached
from resultsday.release.services import results_open

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
         "can_release": learner.centre_id
         in principal_for(request.user).centre_ids(Permission.CENTRE_RESULTS_RELEASE),
         "result_visibility": results_open(
             user=request.user, registrations=registrations, page=request.path
         ),
         "active": RegistrationStatus.ACTIVE},
    )


@requires(Permission.LEARNER_OWN_RESULTS_READ)
def my_home(request: HttpRequest) -> HttpResponse:
    # Results day: stored results from the shared cache, the release policy applied now, and
    # the page body cached with the results by what it shows (with REDIS_URL); the layout
    # around it rendered once per process.
    body = learner_results_page_cached(learner_id=own_learner_id(request), now=timezone.now())
    return render_body_in_layout(request, "learners/my_home.html", body)


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
            _warn_about_details(request, form.details())
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


def _warn_about_details(request: HttpRequest, details: LearnerDetails) -> None:
    """Doubts about details that were saved (a name exam data files cannot carry…), as the
    upload shows them: to check, not blocking."""
    for warning in learner_details_warnings(details=details):
        messages.warning(request, warning.message)


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
            _warn_about_details(request, form.details())
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
    return template_download(kind, REGISTRATION_COLUMNS, "registrations-template")


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
            upload_refused(form, len(outcome.problems), "Nothing has been registered.")
    return render(
        request, "learners/upload.html",
        {"centre": centre, "form": form, "outcome": outcome,
         "columns": REGISTRATION_COLUMNS},
    )


# ---- entries -------------------------------------------------------------------------------

READ = Permission.CENTRE_LEARNERS_READ


@requires(READ)
def centre_entries(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, READ)
    entries = (
        entries_for_user(request.user, READ)
        .filter(registration__centre=centre)
        .select_related("registration__learner", "registration__qualification", "unit", "series")
        .order_by("series__code", "registration__learner__last_name",
                  "registration__learner__first_name", "unit__code", "pk")
    )
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request, "learners/entries_centre.html",
        {"centre": centre, "page": page, "can_write": _can_write(request, centre.pk),
         "entered": EntryStatus.ENTERED},
    )


@requires(READ)
def registration_entries_page(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, READ)
    return render(
        request, "learners/entries_registration.html",
        {"registration": registration, "entries": registration_entries(registration=registration),
         "can_write": _can_write(request, registration.centre_id)
         and registration.status == RegistrationStatus.ACTIVE,
         "entered": EntryStatus.ENTERED},
    )


@requires(WRITE)
def entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, WRITE)
    form = EntryForm(request.POST or None, registration=registration)
    if request.method == "POST" and form.is_valid():
        try:
            entry = entry_create(
                actor=request.user,  # type: ignore[arg-type]
                registration=registration,
                unit=form.cleaned_data["unit"],
                series=form.cleaned_data["series"],
            )
        except RegistrationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"{registration.learner.full_name} is entered for {unit_label(entry.unit)} in "
                f"{entry.series.name}" + (". This is a late entry." if entry.is_late else ""),
            )
            return redirect("learners:entries", registration.pk)
    return render(
        request, "learners/entry_new.html", {"registration": registration, "form": form}
    )


@requires(WRITE)
def entry_withdraw_page(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk, WRITE)
    form = EntryWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry_withdraw(
                actor=request.user,  # type: ignore[arg-type]
                entry=entry, reason=form.cleaned_data["reason"],
            )
        except RegistrationError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(
                request,
                f"{entry.registration.learner.full_name} is withdrawn from "
                f"{unit_label(entry.unit)} in {entry.series.name}",
            )
            return redirect("learners:entries", entry.registration_id)
    return render(request, "learners/entry_withdraw.html", {"entry": entry, "form": form})


@requires(WRITE)
def entries_bulk_page(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, WRITE)
    form = BulkEntryForm(request.POST or None, centre=centre)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = entries_create_for_qualification(
                actor=request.user,  # type: ignore[arg-type]
                centre=centre,
                qualification=form.cleaned_data["qualification"],
                unit=form.cleaned_data["unit"],
                series=form.cleaned_data["series"],
            )
        except RegistrationError as exc:
            form.add_service_errors(exc)
        else:
            count = len(outcome.entered)
            text = (
                f"{count} learner{'s' if count != 1 else ''} entered for "
                f"{unit_label(form.cleaned_data['unit'])} in {form.cleaned_data['series'].name}"
            )
            if outcome.already_entered:
                text += f"; {outcome.already_entered} already entered"
            if outcome.late:
                text += f"; {outcome.late} of the entries are late"
            messages.success(request, text)
            return redirect("learners:centre_entries", centre.number)
    return render(request, "learners/entries_bulk.html", {"centre": centre, "form": form})


@requires(WRITE)
def entries_upload_page(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, WRITE)
    form = EntriesFileForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = entries_import_edi(
            actor=request.user,  # type: ignore[arg-type]
            centre=centre,
            # One byte over the limit is enough for the reader to say the file is too big.
            data=upload.read(EDI_MAX_BYTES + 1),
            filename=upload.name,
        )
        if outcome.problems:
            upload_refused(form, len(outcome.problems), "Nothing has been entered.")
    series = Series.objects.filter(
        awarding_organisation__in=centre.awarding_organisations.all()
    ).select_related("awarding_organisation").order_by("awarding_organisation__name", "code")
    return render(
        request, "learners/entries_upload.html",
        {"centre": centre, "form": form, "outcome": outcome, "series_list": series,
         "entry_code_help": ENTRY_CODE_HELP, "series_help": SERIES_HELP},
    )


@requires(WRITE)
def entries_sample(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, WRITE)
    series = get_object_or_404(
        Series.objects.filter(awarding_organisation__in=centre.awarding_organisations.all()),
        code=request.GET.get("series", ""),
    )
    try:
        data = entries_sample_edi(centre=centre, series=series, produced_on=timezone.localdate())
    except EdiWriteError as exc:
        messages.error(request, f"The sample file cannot be written: {exc}")
        return redirect("learners:entries_upload", centre.number)
    response = HttpResponse(data, content_type="text/plain; charset=ascii")
    response["Content-Disposition"] = (
        f'attachment; filename="{entries_sample_file_name(centre=centre)}"'
    )
    return response


# ---- top-ups -------------------------------------------------------------------------------


@requires(READ)
def top_ups_needed(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, READ)
    candidates = top_up_candidates(
        centre, registrations=registrations_for_user(request.user, READ)
    )
    return render(
        request, "learners/top_ups.html",
        {"centre": centre, "candidates": candidates,
         "can_write": _can_write(request, centre.pk)},
    )


@requires(WRITE)
def registration_top_up_page(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, WRITE)
    form = TopUpForm(
        request.POST or None, registration=registration,
        initial={"to_qualification": request.GET.get("to")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            target = registration_top_up(
                registration=registration,
                to_qualification=form.cleaned_data["to_qualification"],
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except RegistrationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                f"{registration.learner.full_name} is topped up to {target.qualification.title}. "
                "Their unit results and entries are now under that registration.",
            )
            return redirect("learners:detail", registration.learner_id)
    # External unit grades wait for the result's release, as on the learner page: shown only
    # when the release policy lets the user see the result, and recorded if that is early.
    visibility = results_open(user=request.user, registrations=[registration],
                              page=request.path)[registration.pk]
    unit_results = list(
        registration.unit_results.select_related("unit").order_by("unit__code", "attempt")
    )
    shown = unit_results if visibility.visible else [
        r for r in unit_results if r.unit.assessment != Assessment.EXTERNAL
    ]
    return render(
        request, "learners/top_up.html",
        {"registration": registration, "form": form,
         "has_choices": form.fields["to_qualification"].queryset.exists(),  # type: ignore[attr-defined]
         "unit_results": shown, "external_held": len(shown) < len(unit_results),
         "entries": registration_entries(registration=registration),
         "active": registration.status == RegistrationStatus.ACTIVE},
    )


# ---- learners' own sign-in: the centre's invitations and access codes, the learner's pages --

# The invitation token moves from the link into the session at once, so the page where the
# password is typed has no secret in its address (nor in any Referer it sends).
INVITATION_SESSION_KEY = "learner_invitation_token"
# Learners are authenticated by the services below, then signed in with the standard backend.
SIGN_IN_BACKEND = "resultsday.accounts.backends.UserBackend"


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@requires(WRITE)
def learner_invite_page(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, WRITE)
    form = LearnerInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = learner_invite(
            actor=request.user,  # type: ignore[arg-type]
            learner=learner, email=form.cleaned_data["email"],
            link_for=lambda token: request.build_absolute_uri(
                reverse("learners:invitation", args=[token])
            ),
        )
        messages.success(
            request,
            f"Invitation sent to {invitation.email}. The link works once, for "
            f"{INVITATION_LIFETIME.days} days.",
        )
        return redirect("learners:detail", pk=learner.pk)
    return render(
        request, "learners/invite.html",
        {"learner": learner, "form": form,
         "invitations": list(learner.invitations.all()[:5]), "now": timezone.now()},
    )


@requires(WRITE)
@never_cache
def learner_access_code_page(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, WRITE)
    code = None
    if request.method == "POST":
        code = access_code_display(
            learner_access_code_issue(actor=request.user, learner=learner)  # type: ignore[arg-type]
        )
    return render(
        request, "learners/access_code.html",
        {"learner": learner, "code": code,
         "issued": LearnerAccessCode.objects.filter(learner=learner).first()},
    )


@requires(WRITE)
def learner_invitation_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, WRITE)
    now = timezone.now()
    if request.method == "POST":
        try:
            invitation = learner_invitation_cancel(
                actor=request.user,  # type: ignore[arg-type]
                learner=learner, invitation_id=_posted_id(request, "invitation"), now=now,
            )
        except LearnerSignInError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"The invitation sent to {invitation.email} is cancelled: its link "
                "no longer works.",
            )
        return redirect("learners:invite", pk=learner.pk)
    waiting = next((i for i in learner.invitations.all()[:1] if i.is_open(now)), None)
    return render(
        request, "learners/invitation_cancel.html", {"learner": learner, "invitation": waiting}
    )


@requires(WRITE)
def learner_access_code_withdraw_page(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, WRITE)
    if request.method == "POST":
        try:
            learner_access_code_withdraw(
                actor=request.user, learner=learner  # type: ignore[arg-type]
            )
        except LearnerSignInError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"The access code of {learner.full_name} is withdrawn: it no longer "
                "works.",
            )
        return redirect("learners:access_code", pk=learner.pk)
    issued = LearnerAccessCode.objects.filter(learner=learner).first()
    return render(
        request, "learners/access_code_withdraw.html", {"learner": learner, "issued": issued}
    )


def _posted_id(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else 0


@requires(WRITE)
@never_cache
def access_codes_page(request: HttpRequest, number: str) -> HttpResponse:
    """Make access codes for many of the centre's learners at once, then print their slips."""
    centre = get_centre_for_user(request, number, WRITE)
    centre_learners = learners_for_user(request.user, WRITE).filter(centre=centre)
    filters = AccessCodeFilterForm(
        request.GET or None, series=access_code_series(centre=centre),
        qualifications=access_code_qualifications(centre=centre),
    )
    chosen = filters.cleaned_data if filters.is_valid() else {}
    matching = access_code_learners(
        learners=centre_learners, series=chosen.get("series"),
        qualification=chosen.get("qualification"),
        without_code=bool(chosen.get("without_code")),
    )
    # Any learner of the centre with a ULN may be posted, whatever the list showed.
    form = AccessCodesForm(
        request.POST if request.method == "POST" else None,
        learners=centre_learners.exclude(uln=""),
    )
    if request.method == "POST" and form.is_valid():
        try:
            issued = learner_access_codes_issue(
                actor=request.user,  # type: ignore[arg-type]
                centre=centre,
                learners=list(form.cleaned_data["learner"].order_by(
                    "last_name", "first_name", "pk")),
            )
        except LearnerSignInError as exc:
            form.add_error("learner", exc.message)
        else:
            return render(
                request, "learners/access_code_slips.html",
                {"centre": centre, "issued": issued,
                 "sign_in_url": request.build_absolute_uri(reverse("learners:code_sign_in"))},
            )
    found = list(matching)  # one read: those with a ULN are listed, the others named apart
    listed = [learner for learner in found if learner.uln]
    if request.method == "POST":
        selected = {int(v) for v in request.POST.getlist("learner") if v.isdigit()}
    else:
        selected = {learner.pk for learner in listed} if request.GET.get("select") == "all" else set()
    query = request.GET.copy()
    query.pop("select", None)
    return render(
        request, "learners/access_codes.html",
        {"centre": centre, "filters": filters, "form": form, "listed": listed,
         "without_uln": [learner for learner in found if not learner.uln],
         "selected": selected,
         "too_many": len(listed) > ACCESS_CODES_AT_ONCE, "at_once": ACCESS_CODES_AT_ONCE,
         "query": query.urlencode()},
    )


def _invitation_not_working(request: HttpRequest) -> HttpResponse:
    return render(
        request, "learners/invitation_not_working.html",
        {"lifetime_days": INVITATION_LIFETIME.days}, status=404,
    )


@public
@never_cache
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    if learner_invitation_open_for(token=token, now=timezone.now()) is None:
        return _invitation_not_working(request)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("learners:invitation_accept")


@public
@never_cache
def invitation_accept(request: HttpRequest) -> HttpResponse:
    token = request.session.get(INVITATION_SESSION_KEY, "")
    invitation = learner_invitation_open_for(token=token, now=timezone.now()) if token else None
    if invitation is None:
        return _invitation_not_working(request)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = learner_invitation_accept(
                token=token, password=form.cleaned_data["password"],
                ip_address=_address(request),
            )
        except LearnerSignInError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error("password", exc.messages)
        else:
            del request.session[INVITATION_SESSION_KEY]
            login(request, user, backend=SIGN_IN_BACKEND)
            messages.success(
                request,
                f"Your password is set. Next time, sign in with {user.get_username()} and "
                "your password.",
            )
            return redirect("learners:my_home")
    learner = invitation.learner
    username = learner.user.get_username() if learner.user else invitation.email.lower()
    return render(
        request, "learners/invitation_accept.html",
        {"form": form, "learner": learner, "username": username},
    )


@public
@never_cache
def learner_code_sign_in(request: HttpRequest) -> HttpResponse:
    form = AccessCodeSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = learner_sign_in_with_code(
                uln=form.cleaned_data["uln"], date_of_birth=form.cleaned_data["date_of_birth"],
                code=form.cleaned_data["access_code"], ip_address=_address(request),
            )
        except LearnerSignInError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend=SIGN_IN_BACKEND)
            return redirect("learners:my_home")
    return render(request, "learners/code_sign_in.html", {"form": form})
