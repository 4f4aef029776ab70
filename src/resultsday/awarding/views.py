from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from resultsday.accounts.access import (
    get_awarding_organisation_for_user,
    get_centre_for_user,
    get_registration_for_user,
    registrations_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.awarding.choices import ResultStatus, RunMode, RunPolicy, RunStatus
from resultsday.awarding.decisions import Decision
from resultsday.awarding.forms import AwardingRunForm, DeclineForm
from resultsday.awarding.models import AwardingRun, PreviewChange
from resultsday.awarding.selectors import (
    claimable_registrations,
    preview_summary,
    runs_for_user,
)
from resultsday.awarding.services import (
    AwardingError,
    awarding_preview_commit,
    awarding_run_start,
    claim_deadline,
    claim_submit,
    claims_submit,
    registration_evaluate,
    result_decline,
)
from resultsday.formats.safe_output import stream_csv
from resultsday.learners.models import Registration
from resultsday.release.services import results_open


@requires(Permission.AO_AWARDING_RUN)
def awarding_home(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, Permission.AO_AWARDING_RUN)
    form = AwardingRunForm(request.POST or None, awarding_organisation_id=ao.pk)
    if request.method == "POST" and form.is_valid():
        try:
            run = awarding_run_start(
                series=form.cleaned_data["series"], actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"], policy=RunPolicy(form.cleaned_data["policy"]),
                mode=RunMode(form.cleaned_data["mode"]),
            )
        except AwardingError as exc:
            form.add_error("series", exc.message)
        else:
            messages.success(request, f"Awarding run {run.pk} is queued.")
            return redirect("awarding:run", pk=run.pk)
    runs = runs_for_user(request.user).filter(series__awarding_organisation=ao)[:50]
    return render(request, "awarding/home.html", {"ao": ao, "form": form, "runs": runs})


#: Learners listed on one page of a preview's changes; the CSV has them all.
CHANGES_PAGE_SIZE = 100
CHANGES_CSV_COLUMNS = (
    "Last name", "First name", "ULN", "Candidate number", "Centre number", "Centre",
    "QN", "Qualification", "Status now", "Grade now", "Points now", "Status would be",
    "Grade would be", "Points would be", "Direction", "Reason",
)


@requires(Permission.AO_AWARDING_RUN)
def awarding_run_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    run = get_object_or_404(
        runs_for_user(request.user).select_related("series__awarding_organisation"), pk=pk
    )
    context: dict[str, object] = {"run": run}
    if run.mode == RunMode.PREVIEW and run.status == RunStatus.FINISHED:
        changes = run.changes.select_related(
            "registration__learner", "centre", "qualification").order_by("direction", "centre", "pk")
        if request.GET.get("format") == "csv":
            return _changes_csv(run, changes)
        context["summary"] = preview_summary(run)
        context["page"] = Paginator(changes, CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "awarding/run.html", context)


def _changes_csv(run: AwardingRun, changes: QuerySet[PreviewChange]) -> HttpResponseBase:
    """Every learner whose result the preview would change, through the safe CSV writer,
    streamed: a national series' preview can list hundreds of thousands."""
    body = stream_csv(CHANGES_CSV_COLUMNS, (
        (c.registration.learner.last_name, c.registration.learner.first_name,
         c.registration.learner.uln, c.registration.learner.candidate_number, c.centre.number,
         c.centre.name, c.qualification.qn, c.qualification.title, _status_words(c.old_status),
         c.old_grade, c.old_points, _status_words(c.new_status), c.new_grade, c.new_points,
         c.get_direction_display(), c.reason)
        for c in changes.iterator(chunk_size=2000)
    ))
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="preview-run-{run.pk}-{run.series.code}-changes.csv"'
    )
    return response


def _status_words(status: str) -> str:
    return ResultStatus(status).label if status in ResultStatus.values else status


@requires(Permission.AO_AWARDING_RUN)
def awarding_preview_commit_view(request: HttpRequest, pk: int) -> HttpResponse:
    preview = get_object_or_404(runs_for_user(request.user), pk=pk)
    if request.method != "POST":
        return redirect("awarding:run", pk=preview.pk)
    try:
        run = awarding_preview_commit(preview=preview, actor=request.user)  # type: ignore[arg-type]
    except AwardingError as exc:
        messages.error(request, exc.message)
        return redirect("awarding:run", pk=preview.pk)
    messages.success(request, f"Awarding run {run.pk} is queued to commit the results.")
    return redirect("awarding:run", pk=run.pk)


def _preview(request: HttpRequest, registrations: list[Registration], *, page: str
             ) -> dict[int, Decision]:
    """What awarding would give now, with results the viewer may not yet see held back."""
    visible = results_open(user=request.user, registrations=registrations, page=page)
    return {
        r.pk: registration_evaluate(
            registration=r, withhold_embargoed=not visible[r.pk].visible)
        for r in registrations
    }


@requires(Permission.CENTRE_CLAIMS_WRITE)
def registration_claim(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, Permission.CENTRE_CLAIMS_WRITE)
    if request.method == "POST":
        try:
            claim = claim_submit(registration=registration, actor=request.user)  # type: ignore[arg-type]
        except AwardingError as exc:
            messages.error(request, exc.message)
        else:
            note = " It is late, so the result is not guaranteed on time." if claim.is_late else ""
            messages.success(request, f"Full award claimed for {registration.learner}.{note}")
            return redirect("learners:detail", pk=registration.learner_id)
    decision = _preview(request, [registration], page="claim")[registration.pk]
    deadline = claim_deadline(registration.series, registration.qualification.results_day_type)
    return render(request, "awarding/claim.html", {
        "registration": registration, "decision": decision, "deadline": deadline,
    })


@requires(Permission.CENTRE_CLAIMS_WRITE)
def centre_claims(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, Permission.CENTRE_CLAIMS_WRITE)
    scoped = registrations_for_user(request.user, Permission.CENTRE_CLAIMS_WRITE).filter(
        centre=centre)
    if request.method == "POST":
        chosen = [int(x) for x in request.POST.getlist("registration") if x.isdigit()]
        if not chosen:
            messages.error(request, "Select at least one learner to claim for.")
        else:
            made, refused = claims_submit(
                registrations=scoped.filter(pk__in=chosen).select_related(
                    "series", "qualification", "centre", "learner"),
                actor=request.user,  # type: ignore[arg-type]
            )
            late = sum(1 for c in made if c.is_late)
            messages.success(request, f"{len(made)} full award claims made"
                             + (f", {late} of them late (not guaranteed on time)" if late else "")
                             + (f"; {len(refused)} refused" if refused else "") + ".")
            return redirect("awarding:centre_claims", number=centre.number)
    claimable = claimable_registrations(registrations=scoped)
    previews = _preview(request, claimable, page="claims")
    rows = [(r, previews[r.pk]) for r in claimable]
    return render(request, "awarding/centre_claims.html", {"centre": centre, "rows": rows})


@requires(Permission.CENTRE_CLAIMS_WRITE)
def registration_decline(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, Permission.CENTRE_CLAIMS_WRITE)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result_decline(registration=registration, actor=request.user,  # type: ignore[arg-type]
                           consent_note=form.cleaned_data["consent_note"])
        except AwardingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"The grade for {registration.learner} has been declined.")
            return redirect("learners:detail", pk=registration.learner_id)
    return render(request, "awarding/decline.html", {"registration": registration, "form": form})


