from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from resultsday.accounts.access import (
    get_awarding_organisation_for_user,
    get_centre_for_user,
    get_learner_for_user,
    get_registration_for_user,
    own_learner_id,
    registrations_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.catalogue.models import Series
from resultsday.centres.models import Centre
from resultsday.formats.edi import EdiWriteError
from resultsday.formats.rfile import QualificationResultLine, results_file_name, write_results_file
from resultsday.learners.services import EDI_AB_ID, edi_series_code
from resultsday.release.boundary_documents import (
    BoundaryDocument,
    boundary_csv,
    boundary_documents,
    boundary_series_for_user,
)
from resultsday.release.broadsheet import (
    NOT_RELEASED,
    SORTS,
    STATUS_CHOICES,
    BroadsheetRow,
    broadsheet_csv,
    broadsheet_default_series,
    broadsheet_filter,
    broadsheet_grades,
    broadsheet_queryset,
    broadsheet_rows,
    broadsheet_series,
    broadsheet_sort,
    broadsheet_xlsx,
    results_file_lines,
    results_file_uncoded,
)
from resultsday.release.cache import learner_results_cached
from resultsday.release.forms import BroadsheetFilterForm, DiscretionaryReleaseForm
from resultsday.release.policy import Visibility
from resultsday.release.selectors import (
    LearnerResults,
    ShownResult,
    embargoed_views_for_ao,
    learner_results_shown,
    learner_results_shown_to,
    viewer_for,
)
from resultsday.release.services import (
    ReleaseError,
    discretionary_release_create,
    discretionary_release_refusal,
    embargoed_views_record,
    learner_results_views_record,
    results_download_record,
    statement_download_record,
)
from resultsday.release.statements import (
    Statement,
    statement_build,
    statement_file_name,
    statement_pdf,
)

RELEASE = Permission.CENTRE_RESULTS_RELEASE


@requires(RELEASE)
def discretionary_release(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, RELEASE)
    form = DiscretionaryReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discretionary_release_create(
                actor=request.user,  # type: ignore[arg-type]
                registration=registration, reason=form.cleaned_data["reason"],
            )
        except ReleaseError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"{registration.learner.full_name} can now see this result."
            )
            return redirect("learners:detail", pk=registration.learner_id)
    return render(
        request, "release/discretionary_release.html",
        {"registration": registration, "form": form,
         "refusal": discretionary_release_refusal(registration)},
    )


@requires(Permission.AO_EMBARGOED_VIEWS_READ)
def embargoed_view_list(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, Permission.AO_EMBARGOED_VIEWS_READ)
    page = Paginator(embargoed_views_for_ao(ao), 100).get_page(request.GET.get("page"))
    return render(request, "release/embargoed_views.html", {"ao": ao, "page": page})


# ---- the centre's results: broadsheet, exports, results (R) file -------------------------------

RESULTS_READ = Permission.CENTRE_LEARNERS_READ
RESULTS_PAGE_SIZE = 100
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class _Broadsheet:
    centre: Centre
    series: Series | None
    filters: BroadsheetFilterForm
    rows: list[BroadsheetRow]  # filtered and sorted
    total: int  # before the status and grade filters


def _broadsheet(request: HttpRequest, number: str, now: dt.datetime) -> _Broadsheet:
    """The centre, the chosen series and the rows the filters select, the policy applied.

    Teachers open the page too: the policy hides each embargoed result until they may see it.
    """
    centre = get_centre_for_user(request, number, RESULTS_READ)
    scoped = registrations_for_user(request.user, RESULTS_READ).filter(centre=centre)
    series_list = broadsheet_series(registrations=scoped)
    qualifications = sorted(
        set(scoped.values_list("qualification__qn", "qualification__title")),
        key=lambda q: (q[1], q[0]),
    )

    def form(grades: list[str], data: QueryDict | None) -> BroadsheetFilterForm:
        filters = BroadsheetFilterForm(
            data, series=[(str(s.pk), s.name) for s in series_list],
            qualifications=qualifications, statuses=STATUS_CHOICES, grades=grades, sorts=SORTS,
        )
        filters.is_valid()
        return filters

    first = form([], request.GET or None)  # all but the grade, whose choices need the rows
    chosen = first.value("series")
    series = next((s for s in series_list if str(s.pk) == chosen), None) or (
        broadsheet_default_series(series_list, now)
    )
    rows: list[BroadsheetRow] = []
    if series is not None:
        registrations = list(broadsheet_queryset(
            registrations=scoped, centre=centre, series=series,
            qualification_qn=first.value("qualification"), query=first.value("q"),
        ))
        rows = broadsheet_rows(user=request.user, registrations=registrations, now=now)
    data = request.GET.copy()
    if series is not None:
        data["series"] = str(series.pk)  # show the series the page is about, chosen or not
    filters = form(broadsheet_grades(rows), data)
    shown = broadsheet_sort(
        broadsheet_filter(rows, status=filters.value("status"), grade=filters.value("grade")),
        filters.value("sort"),
    )
    return _Broadsheet(centre, series, filters, shown, len(rows))


def _decisions(rows: list[BroadsheetRow]) -> dict[int, Visibility]:
    return {row.registration.pk: row.visibility for row in rows}


def _filters_used(sheet: _Broadsheet) -> dict[str, str]:
    return {
        name: sheet.filters.value(name) for name in ("qualification", "status", "grade", "q")
        if sheet.filters.value(name)
    } | {"series": sheet.series.code if sheet.series else ""}


@requires(RESULTS_READ)
def centre_results(request: HttpRequest, number: str) -> HttpResponse:
    now = timezone.now()
    sheet = _broadsheet(request, number, now)
    page = Paginator(sheet.rows, RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page)
    embargoed_views_record(
        user=request.user,  # type: ignore[arg-type]
        registrations=[row.registration for row in shown], decisions=_decisions(shown),
        page=request.get_full_path(), now=now,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "release/broadsheet.html", {
        "centre": sheet.centre, "series": sheet.series, "filters": sheet.filters,
        "page": page, "total": sheet.total, "query": query.urlencode(),
        "hidden": sum(1 for row in sheet.rows if row.status == NOT_RELEASED),
        "early": any(row.early for row in shown),
        **_results_file_choices(request, sheet, results_file_lines(sheet.rows)),
    })


def _results_file_choices(
    request: HttpRequest, sheet: _Broadsheet, lines: list[QualificationResultLine]
) -> dict[str, object]:
    """Whether the results (R) file can carry every grade the filters select (`lines`, the
    sheet's `results_file_lines`); if not, which qualifications have grades it cannot carry,
    and a link to the file of each of the others."""
    uncoded = results_file_uncoded(sheet.rows, lines)
    others: list[tuple[str, str, str]] = []
    if uncoded:
        refused = {u.qn for u in uncoded}
        titles = {row.registration.qualification.qn: row.registration.qualification.title
                  for row in sheet.rows}
        url = reverse("release:centre_results_file", args=[sheet.centre.number])
        for qn, title in sorted(titles.items(), key=lambda item: (item[1], item[0])):
            if qn not in refused:
                query = request.GET.copy()
                query.pop("page", None)
                query["qualification"] = qn
                others.append((title, qn, f"{url}?{query.urlencode()}"))
    return {"uncoded": uncoded, "results_file_others": others}


def _download(
    request: HttpRequest, sheet: _Broadsheet, *, body: bytes, content_type: str, filename: str,
    download: str, now: dt.datetime,
) -> HttpResponse:
    results_download_record(
        actor=request.user,  # type: ignore[arg-type]
        centre=sheet.centre, registrations=[row.registration for row in sheet.rows],
        decisions=_decisions(sheet.rows), download=download,
        details=_filters_used(sheet), now=now,
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires(RESULTS_READ)
def centre_results_export(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("No such format.")
    now = timezone.now()
    sheet = _broadsheet(request, number, now)
    if sheet.series is None:
        raise Http404("No results to export.")
    body = broadsheet_csv(sheet.rows) if fmt == "csv" else broadsheet_xlsx(sheet.rows)
    return _download(
        request, sheet, body=body, content_type=EXPORT_TYPES[fmt],
        filename=f"results-{sheet.centre.number}-{sheet.series.code}.{fmt}",
        download=f"results {fmt.upper()} for {sheet.series.name}", now=now,
    )


@requires(RESULTS_READ)
def centre_results_file(request: HttpRequest, number: str) -> HttpResponse:
    now = timezone.now()
    sheet = _broadsheet(request, number, now)
    if sheet.series is None:
        raise Http404("No results to export.")
    codes = edi_series_code(sheet.series)
    lines = results_file_lines(sheet.rows)
    refusal: dict[str, object] = _results_file_choices(request, sheet, lines)
    reasons: tuple[str, ...] = ()
    if codes is None:
        reasons = (f"The series {sheet.series.name} has the code {sheet.series.code}, which "
                   "has no year and month (such as 2026-06) for the file's header. Ask your "
                   "awarding organisation.",)
    elif not refusal["uncoded"]:
        try:
            body = write_results_file(
                lines, ab_id=EDI_AB_ID, series=codes[0],
                year=codes[1], sequence=1, produced_on=timezone.localdate(now),
            )
        except EdiWriteError as exc:
            reasons = exc.reasons
    if reasons or refusal["uncoded"]:
        query, number = request.GET.urlencode(), sheet.centre.number
        return render(request, "release/results_file_refused.html", {
            "centre": sheet.centre, "series": sheet.series, "reasons": reasons, **refusal,
            "back": f"{reverse('release:centre_results', args=[number])}?{query}",
            "exports": [
                (label, f"{reverse('release:centre_results_export', args=[number, fmt])}?{query}")
                for fmt, label in (("xlsx", "Spreadsheet (XLSX)"), ("csv", "CSV"))
            ],
        })
    assert codes is not None
    return _download(
        request, sheet, body=body, content_type="text/plain; charset=us-ascii",
        filename=results_file_name(ab_id=EDI_AB_ID, series=codes[0], year=codes[1], sequence=1),
        download=f"results (R) file for {sheet.series.name}", now=now,
    )


# ---- grade boundary documents ------------------------------------------------------------------

BOUNDARIES_READ = Permission.CENTRE_VIEW


@requires(BOUNDARIES_READ)
def grade_boundary_index(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, BOUNDARIES_READ)
    documents = boundary_documents(
        user=request.user, centre=centre,
        series=list(boundary_series_for_user(user=request.user, centre=centre)),
        now=timezone.now(),
    )
    return render(request, "release/boundary_index.html", {
        "centre": centre, "documents": [d for d in documents if d.lines],
    })


def _boundary_document(
    request: HttpRequest, number: str, series_id: int
) -> tuple[Centre, BoundaryDocument]:
    centre = get_centre_for_user(request, number, BOUNDARIES_READ)
    series = get_object_or_404(
        boundary_series_for_user(user=request.user, centre=centre), pk=series_id
    )
    return centre, boundary_documents(
        user=request.user, centre=centre, series=[series], now=timezone.now()
    )[0]


@requires(BOUNDARIES_READ)
def grade_boundary_document(request: HttpRequest, number: str, series_id: int) -> HttpResponse:
    centre, document = _boundary_document(request, number, series_id)
    return render(request, "release/boundary_document.html", {
        "centre": centre, "document": document,
    })


@requires(BOUNDARIES_READ)
def grade_boundary_csv(request: HttpRequest, number: str, series_id: int) -> HttpResponse:
    _, document = _boundary_document(request, number, series_id)
    response = HttpResponse(boundary_csv(document), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="grade-boundaries-{document.series.code}.csv"'
    )
    return response


# ---- a learner's statement of results: for the learner, and for their centre's staff ---------


def _statement(
    request: HttpRequest, *, learner_id: int, for_learner: bool
) -> tuple[LearnerResults, list[ShownResult], Statement]:
    now = timezone.now()
    results = learner_results_cached(learner_id=learner_id)
    if for_learner:
        shown = learner_results_shown(results, now=now)
    else:
        shown = learner_results_shown_to(results, viewer=viewer_for(request.user), now=now)
    return results, shown, statement_build(results=results, shown=shown, now=now)


def _statement_page(request: HttpRequest, *, learner_id: int, for_learner: bool) -> HttpResponse:
    results, shown, statement = _statement(request, learner_id=learner_id, for_learner=for_learner)
    if not for_learner:
        learner_results_views_record(
            user=request.user,  # type: ignore[arg-type]
            results=results, shown=shown, page=request.path, now=statement.produced_at,
        )
    pdf_url = (
        reverse("release:my_statement_pdf") if for_learner
        else reverse("release:learner_statement_pdf", args=[learner_id])
    )
    back_url = (
        reverse("learners:my_home") if for_learner
        else reverse("learners:detail", args=[learner_id])
    )
    return render(request, "release/statement.html", {
        "statement": statement, "pdf_url": pdf_url, "back_url": back_url,
        "for_learner": for_learner,
    })


def _statement_download(request: HttpRequest, *, learner_id: int, for_learner: bool) -> HttpResponse:
    results, shown, statement = _statement(request, learner_id=learner_id, for_learner=for_learner)
    name = statement_file_name(statement)
    statement_download_record(
        user=request.user,  # type: ignore[arg-type]
        results=results, shown=shown, download=name, now=statement.produced_at,
    )
    font = settings.STATEMENT_FONT_FILE
    pdf = statement_pdf(
        statement=statement, demo=settings.DEMO, font_file=Path(font) if font else None
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # A statement is personal: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


@requires(Permission.LEARNER_OWN_RESULTS_READ)
def my_statement(request: HttpRequest) -> HttpResponse:
    return _statement_page(request, learner_id=own_learner_id(request), for_learner=True)


@requires(Permission.LEARNER_OWN_RESULTS_READ)
def my_statement_pdf(request: HttpRequest) -> HttpResponse:
    return _statement_download(request, learner_id=own_learner_id(request), for_learner=True)


@requires(Permission.CENTRE_LEARNERS_READ)
def learner_statement(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, Permission.CENTRE_LEARNERS_READ)
    return _statement_page(request, learner_id=learner.pk, for_learner=False)


@requires(Permission.CENTRE_LEARNERS_READ)
def learner_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, Permission.CENTRE_LEARNERS_READ)
    return _statement_download(request, learner_id=learner.pk, for_learner=False)
