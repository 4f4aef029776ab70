"""What every upload page shares: the template download and the 'nothing applied' error."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.http import Http404, HttpResponse

from resultsday.formats.columns import Column
from resultsday.formats.safe_output import template_csv, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_download(kind: str, columns: Sequence[Column], name: str) -> HttpResponse:
    """An upload template as CSV or XLSX (formula injection neutralised by formats/)."""
    if kind not in ("csv", "xlsx"):
        raise Http404("Templates are CSV or XLSX.")
    if kind == "xlsx":
        content_type, data = XLSX, template_xlsx(columns)
    else:
        content_type, data = "text/csv; charset=utf-8", template_csv(columns)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


def upload_refused(form: forms.Form, count: int, nothing_done: str) -> None:
    """Put the all-or-nothing refusal on the file field: how many problems, and that nothing
    was applied (e.g. "Nothing has been registered.")."""
    form.add_error(
        "file",
        f"The file has {count} problem{'s' if count != 1 else ''}: fix "
        f"{'them' if count != 1 else 'it'} and upload the file again. {nothing_done}",
    )
