from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from resultsday.accounts.access import (
    get_awarding_organisation_for_user,
    get_centre_for_user,
    get_registration_for_user,
    principal_for,
    registrations_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.catalogue.models import Series
from resultsday.centres.models import Centre
from resultsday.core.forms import GovukForm
from resultsday.formats.safe_output import write_csv
from resultsday.learners.models import Registration
from resultsday.release.selectors import result_visibilities
from resultsday.tracking.choices import CHECKPOINT_SLUGS, CheckpointKind, ReportTrigger
from resultsday.tracking.forms import AtRiskFilterForm, DashboardFilterForm, DeclarationForm
from resultsday.tracking.selectors import (
    TrackingRow,
    at_risk,
    centre_series,
    centre_tracking,
    centres_not_confirmed,
    checkpoint_get,
    checkpoint_registrations,
    checkpoint_rows_by_registration,
    latest_report_summaries,
    reports_for_centre,
    rows_as_seen,
    series_dates,
    sort_rows,
    status_counts,
    tracking_queryset,
    tracking_rows,
)
from resultsday.tracking.services import (
    CheckpointError,
    Confirmation,
    checkpoint_confirm,
    checkpoint_declare,
    checkpoint_outstanding_record,
    registration_tracking_open,
)
from resultsday.tracking.status import NO_ACTION, Fix, StatusCode

READ = Permission.CENTRE_LEARNERS_READ
REPORTS = Permission.CENTRE_RESULTS_READ
WRITE = Permission.CENTRE_CHECKPOINT_WRITE
DECLARE = Permission.CENTRE_CHECKPOINT_DECLARE
AO_READ = Permission.AO_TRACKING_READ


def _may(request: HttpRequest, centre: Centre, permission: Permission) -> bool:
    return centre.pk in principal_for(request.user).centre_ids(permission)


def _readable(request: HttpRequest) -> QuerySet[Registration]:
    """The registrations the user may read: AO staff only those on their AO's qualifications,
    even at a centre another AO approves too."""
    return registrations_for_user(request.user, READ)


def _as_seen(request: HttpRequest, rows: list[TrackingRow]) -> list[TrackingRow]:
    """The rows as the user may see them, for pages that show statuses and actions but no
    grade or points (so no look there is an early view of a result)."""
    return rows_as_seen(rows, result_visibilities(
        user=request.user, registrations=[row.registration for row in rows]))


def fix_url(fix: Fix, registration: Registration) -> str:
    """The page where the centre puts a status right (the learner page if it has moved)."""
    targets: dict[Fix, tuple[str, list[Any]]] = {
        Fix.UNIT_GRADES: ("assessment:registration_grades", [registration.pk]),
        Fix.ENTRIES: ("learners:entries", [registration.pk]),
        Fix.CLAIM: ("awarding:claim", [registration.pk]),
        Fix.TOP_UP: ("learners:top_ups", [registration.centre.number]),
        Fix.CHECKPOINT: ("tracking:checkpoint", [registration.centre.number,
                                                 registration.series_id, "1"]),
        Fix.VERIFICATION: ("centres:home", [registration.centre.number]),
    }
    name, args = targets.get(fix, ("learners:detail", [registration.learner_id]))
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return reverse("learners:detail", args=[registration.learner_id])


FIX_TEXT = {
    Fix.UNIT_GRADES: "Report unit grades",
    Fix.ENTRIES: "Make an entry",
    Fix.CLAIM: "Make the claim",
    Fix.TOP_UP: "Top up",
    Fix.CHECKPOINT: "Go to the checkpoint",
    Fix.VERIFICATION: "See standards verification",
    Fix.REGISTRATION: "See the learner",
}


# ---- centre dashboard and learner detail ----------------------------------------------------


@requires(READ)
def dashboard(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, READ)
    readable = _readable(request)
    series_choices = centre_series(centre=centre, registrations=readable)
    all_rows = _as_seen(request, centre_tracking(centre=centre, registrations=readable))
    qualifications = sorted({(r.registration.qualification.qn, r.registration.qualification.title)
                             for r in all_rows}, key=lambda q: q[1])
    filters = DashboardFilterForm(request.GET or None, qualifications=qualifications,
                                  series=series_choices)
    status = qualification = series = ""
    sort = "name"
    if filters.is_valid():
        status = filters.cleaned_data["status"]
        qualification = filters.cleaned_data["qualification"]
        series = filters.cleaned_data["series"]
        sort = filters.cleaned_data["sort"] or "name"
    rows = all_rows
    if series:
        rows = [r for r in rows if str(r.registration.series_id) == series]
    if qualification:
        rows = [r for r in rows if r.registration.qualification.qn == qualification]
    counts = status_counts(rows)
    view = request.GET.get("view", "")
    shown = at_risk(rows) if view == "at-risk" else sort_rows(rows, sort)
    if status:
        shown = [r for r in shown if r.status.code == status]
    return render(request, "tracking/dashboard.html", {
        "centre": centre, "filters": filters, "counts": [(c, n) for c, n in counts if n],
        "rows": shown, "view": view, "total": len(rows),
        "at_risk_count": sum(1 for r in rows if r.status.needs_action),
        "can_checkpoint": _may(request, centre, WRITE),
        "can_reports": _may(request, centre, REPORTS),
        "series_choices": series_choices,
    })


@requires(READ)
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = registration_tracking_open(
        user=request.user,  # type: ignore[arg-type]
        registration=get_registration_for_user(request, pk, READ), page=request.path,
    )
    registration = row.registration
    issues = [s for s in row.issues() if s.needs_action]
    return render(request, "tracking/detail.html", {
        "registration": registration, "row": row,
        "issues": [(s, fix_url(s.fix, registration) if s.fix != Fix.NONE else "",
                    FIX_TEXT.get(s.fix, "")) for s in issues],
    })


# ---- checkpoints ---------------------------------------------------------------------------


def _series_for_centre(request: HttpRequest, centre: Centre, series_id: int) -> Series:
    """A series the centre has registrations in that the user may read (another centre's, or
    another AO's, series id looks missing)."""
    if not _readable(request).filter(centre=centre, series_id=series_id).exists():
        raise Http404("No such series for this centre.")
    return get_object_or_404(Series, pk=series_id)


class CheckpointForm(GovukForm):
    """One row per registration: expects a result, needs it to progress, predicted grade."""

    def __init__(self, *args: Any, registrations: list[Registration],
                 existing: dict[int, Any], locked: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registrations = registrations
        for r in registrations:
            row = existing.get(r.pk)
            disabled = locked and row is not None
            self.fields[f"expects_{r.pk}"] = forms.BooleanField(
                required=False, initial=row.expects_result if row else True, disabled=disabled,
                label=f"{r.learner.full_name} expects a result")
            self.fields[f"progress_{r.pk}"] = forms.BooleanField(
                required=False, disabled=disabled,
                initial=row.needs_to_progress if row else r.needs_result_to_progress,
                label=f"{r.learner.full_name} needs the result to progress")
            self.fields[f"predicted_{r.pk}"] = forms.RegexField(
                required=False, max_length=8, regex=r"^[A-Za-z*0-9/ ]*$", disabled=disabled,
                initial=row.predicted_grade if row else "",
                label=f"Predicted grade for {r.learner.full_name}",
                error_messages={"invalid": f"Enter a grade like DMM for {r.learner.full_name}"})

    def confirmations(self) -> list[Confirmation]:
        data = self.cleaned_data
        return [Confirmation(registration_id=r.pk, expects_result=data[f"expects_{r.pk}"],
                             needs_to_progress=data[f"progress_{r.pk}"],
                             predicted_grade=data[f"predicted_{r.pk}"] or "")
                for r in self.registrations
                if not self.fields[f"expects_{r.pk}"].disabled]


@requires(READ)
def checkpoint_page(request: HttpRequest, number: str, series_id: int, kind: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, READ)
    series = _series_for_centre(request, centre, series_id)
    checkpoint_kind = CHECKPOINT_SLUGS.get(kind)
    if checkpoint_kind is None:
        raise Http404("No such checkpoint.")
    if request.method == "POST" and not _may(request, centre, WRITE):
        raise PermissionDenied("Only the exams officer can record checkpoint answers.")
    if checkpoint_kind == CheckpointKind.CHECKPOINT_2:
        return _checkpoint_2(request, centre, series)
    checkpoint = checkpoint_get(centre=centre, series_id=series.pk, kind=checkpoint_kind)
    registrations = checkpoint_registrations(centre=centre, series_id=series.pk,
                                             registrations=_readable(request))
    existing = checkpoint_rows_by_registration(checkpoint)
    locked = bool(checkpoint and checkpoint.is_declared)
    form = CheckpointForm(request.POST or None, registrations=registrations, existing=existing,
                          locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            checkpoint_confirm(centre=centre, series=series, confirmations=form.confirmations(),
                               actor=request.user)  # type: ignore[arg-type]
        except CheckpointError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Checkpoint answers saved.")
            return redirect("tracking:checkpoint", number=centre.number, series_id=series.pk,
                            kind="1")
    dates = series_dates([series.pk])
    deadline = next((d.checkpoint_1 for d in dates.values() if d.checkpoint_1), None)
    rows = [(r, existing.get(r.pk), form[f"expects_{r.pk}"], form[f"progress_{r.pk}"],
             form[f"predicted_{r.pk}"]) for r in registrations]
    return render(request, "tracking/checkpoint_1.html", {
        "centre": centre, "series": series, "checkpoint": checkpoint, "form": form, "rows": rows,
        "deadline": deadline, "locked": locked, "can_write": _may(request, centre, WRITE),
        "unanswered": sum(1 for r in registrations if r.pk not in existing),
    })


def _checkpoint_2(request: HttpRequest, centre: Centre, series: Series) -> HttpResponse:
    first = checkpoint_get(centre=centre, series_id=series.pk, kind=CheckpointKind.CHECKPOINT_1)
    second = checkpoint_get(centre=centre, series_id=series.pk, kind=CheckpointKind.CHECKPOINT_2)
    error = ""
    if request.method == "POST":
        try:
            checkpoint_outstanding_record(centre=centre, series=series,
                                          actor=request.user)  # type: ignore[arg-type]
        except CheckpointError as exc:
            error = exc.message
        else:
            messages.success(request, "The outstanding information is recorded.")
            return redirect("tracking:checkpoint", number=centre.number, series_id=series.pk,
                            kind="2")
    confirmed_ids = []
    if first is not None:
        confirmed_ids = list(first.learners.filter(expects_result=True)
                             .values_list("registration_id", flat=True))
    live = _as_seen(request, tracking_rows(list(tracking_queryset(
        _readable(request).filter(pk__in=confirmed_ids)))))
    agreed = checkpoint_rows_by_registration(second)
    rows = [(row, row.issues(), agreed.get(row.registration.pk)) for row in live]
    return render(request, "tracking/checkpoint_2.html", {
        "centre": centre, "series": series, "first": first, "checkpoint": second, "rows": rows,
        "error": error, "can_write": _may(request, centre, WRITE),
        "outstanding": sum(1 for _, issues, _ in rows if issues),
    })


@requires(READ)
def checkpoint_declare_page(
    request: HttpRequest, number: str, series_id: int, kind: str
) -> HttpResponse:
    centre = get_centre_for_user(request, number, READ)
    series = _series_for_centre(request, centre, series_id)
    checkpoint_kind = CHECKPOINT_SLUGS.get(kind)
    if checkpoint_kind is None:
        raise Http404("No such checkpoint.")
    checkpoint = checkpoint_get(centre=centre, series_id=series.pk, kind=checkpoint_kind)
    can_declare = _may(request, centre, DECLARE)
    if request.method == "POST" and not can_declare:
        raise PermissionDenied("Only the head of centre can sign the declaration.")
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if checkpoint is None:
            form.add_error(None, "The exams officer must confirm the learners first.")
        else:
            try:
                checkpoint_declare(checkpoint=checkpoint, actor=request.user,  # type: ignore[arg-type]
                                   signed_name=form.cleaned_data["signed_name"])
            except CheckpointError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Declaration signed.")
                return redirect("tracking:checkpoint", number=centre.number, series_id=series.pk,
                                kind=kind)
    counts = Counter[str]()
    if checkpoint is not None:
        for expects, late in checkpoint.learners.filter(
            registration__in=_readable(request)
        ).values_list("expects_result", "added_late"):
            counts["expecting" if expects else "not_expecting"] += 1
            counts["added_late"] += late
    return render(request, "tracking/declare.html", {
        "centre": centre, "series": series, "checkpoint": checkpoint, "form": form, "kind": kind,
        "kind_label": checkpoint_kind.label, "can_declare": can_declare, "counts": counts,
    })


@requires(READ)
def checkpoints_index(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, READ)
    series = centre_series(centre=centre, registrations=_readable(request))
    dates = series_dates([sid for sid, _ in series])
    rows = []
    for sid, name in series:
        cps = {kind: checkpoint_get(centre=centre, series_id=sid, kind=kind)
               for kind in CheckpointKind}
        when = next((d for (s, _), d in dates.items() if s == sid), None)
        rows.append({"id": sid, "name": name, "dates": when,
                     "first": cps[CheckpointKind.CHECKPOINT_1],
                     "second": cps[CheckpointKind.CHECKPOINT_2]})
    return render(request, "tracking/checkpoints.html", {"centre": centre, "rows": rows})


# ---- tracking reports ----------------------------------------------------------------------


def _reports_centre(request: HttpRequest, number: str) -> Centre:
    """The centre, for its own staff only: a report covers every registration at the centre,
    whichever AO it is with, so AO staff read their AO's figures on the at-risk page instead."""
    centre = get_centre_for_user(request, number, REPORTS)
    if not _may(request, centre, REPORTS):
        raise PermissionDenied("Tracking reports are for the centre's own staff.")
    return centre


@requires(REPORTS)
def reports_page(request: HttpRequest, number: str) -> HttpResponse:
    centre = _reports_centre(request, number)
    if request.method == "POST":
        from resultsday.tracking.tasks import tracking_report_task

        user_id = request.user.pk
        transaction.on_commit(lambda: tracking_report_task.enqueue(centre.pk, user_id))
        messages.success(request, "Your report is being made: it appears here when it is ready.")
        return redirect("tracking:reports", number=centre.number)
    return render(request, "tracking/reports.html", {
        "centre": centre, "reports": reports_for_centre(centre=centre)[:60],
    })


@requires(REPORTS)
def report_download(request: HttpRequest, number: str, pk: int, fmt: str) -> HttpResponse:
    centre = _reports_centre(request, number)
    if fmt not in ("xlsx", "csv"):
        raise Http404("No such format.")
    report = get_object_or_404(reports_for_centre(centre=centre).defer(None), pk=pk)
    content_type = ("text/csv; charset=utf-8" if fmt == "csv" else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(bytes(getattr(report, fmt)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.filename_stem}.{fmt}"'
    return response


# ---- awarding organisation views ------------------------------------------------------------


@requires(AO_READ)
def ao_at_risk(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, AO_READ)
    if request.method == "POST":
        from resultsday.tracking.tasks import tracking_reports_task

        centre_ids = list(Centre.objects.filter(awarding_organisations=ao)
                          .values_list("pk", flat=True))
        # On demand: a refresh within the week must not be skipped as a weekly report kept.
        transaction.on_commit(lambda: tracking_reports_task.enqueue(
            centre_ids, ReportTrigger.ON_DEMAND.value))
        messages.success(request, "The figures are being refreshed from new tracking reports.")
        return redirect("tracking:ao_at_risk", code=ao.code)
    filters = AtRiskFilterForm(request.GET or None)
    centre_no = qn = status = ""
    if filters.is_valid():
        centre_no = filters.cleaned_data["centre"].strip()
        qn = filters.cleaned_data["qualification"].strip()
        status = filters.cleaned_data["status"]
    reports = latest_report_summaries(awarding_organisation=ao)
    lines = []
    for report in reports:
        if centre_no and report.centre.number != centre_no:
            continue
        for d in report.summary.get("detail", []):
            if d["ao"] != ao.pk or (qn and d["qn"] != qn) or (status and d["status"] != status):
                continue
            lines.append((report.centre, d["qn"], d["title"], StatusCode(d["status"]), d["count"]))
    if request.GET.get("format") == "csv":
        body = write_csv(["Centre number", "Centre", "QN", "Qualification", "Status code",
                          "Status", "Learners"],
                         [[c.number, c.name, q, t, s.value, s.label, n] for c, q, t, s, n in lines])
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="at-risk-{ao.code}-{timezone.localdate():%Y%m%d}.csv"')
        return response
    by_status: Counter[StatusCode] = Counter()
    by_centre: dict[Centre, Counter[str]] = defaultdict(Counter)
    by_qualification: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for centre, q, title, s, n in lines:
        by_status[s] += n
        risk = "fine" if s in NO_ACTION else "at_risk"
        by_centre[centre][risk] += n
        by_centre[centre]["total"] += n
        by_qualification[(q, title)][risk] += n
        by_qualification[(q, title)]["total"] += n
    return render(request, "tracking/ao_at_risk.html", {
        "ao": ao, "filters": filters, "reports": reports,
        "by_status": [(c, by_status[c]) for c in StatusCode if by_status[c]],
        "by_centre": sorted(by_centre.items(), key=lambda kv: -kv[1]["at_risk"]),
        "by_qualification": sorted(by_qualification.items(), key=lambda kv: -kv[1]["at_risk"]),
        "oldest": min((r.created_at for r in reports), default=None),
        "status": status, "qn": qn,
    })


@requires(AO_READ)
def ao_checkpoints(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, AO_READ)
    series_list = list(Series.objects.filter(awarding_organisation=ao).order_by("-code"))
    chosen = next((s for s in series_list if request.GET.get("series") == str(s.pk)),
                  series_list[0] if series_list else None)
    states = (centres_not_confirmed(awarding_organisation=ao, series_id=chosen.pk)
              if chosen else [])
    return render(request, "tracking/ao_checkpoints.html", {
        "ao": ao, "series_list": series_list, "chosen": chosen, "states": states,
    })
