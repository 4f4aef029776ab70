"""Live tracking statuses for templates of other apps (the learner page)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import template

from resultsday.learners.models import Registration
from resultsday.release.policy import Visibility
from resultsday.tracking.selectors import TrackingRow, rows_as_seen, tracking_queryset, tracking_rows

register = template.Library()


@register.simple_tag
def tracking_statuses(
    registrations: Iterable[Registration], decisions: Mapping[int, Visibility] | None
) -> dict[int, TrackingRow]:
    """Every registration's live status at once, as the viewer of the release policy's
    `decisions` (the page's, by registration id) may see it:
    `{% tracking_statuses regs result_visibility as tracking %}`. A registration without a
    decision shows nothing of its result."""
    ids = [r.pk for r in registrations]
    if not ids:
        return {}
    rows = tracking_rows(list(tracking_queryset(Registration.objects.filter(pk__in=ids))))
    return {row.registration.pk: row for row in rows_as_seen(rows, decisions or {})}


@register.filter
def tracking_of(rows: dict[int, TrackingRow], registration: Registration) -> TrackingRow | None:
    return rows.get(registration.pk)
