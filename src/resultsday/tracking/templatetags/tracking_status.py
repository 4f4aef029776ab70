"""Live tracking statuses for templates of other apps (the learner page)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from resultsday.learners.models import Registration
from resultsday.tracking.selectors import TrackingRow, tracking_queryset, tracking_rows

register = template.Library()


@register.simple_tag
def tracking_statuses(registrations: Iterable[Registration]) -> dict[int, TrackingRow]:
    """Every registration's live status at once: `{% tracking_statuses regs as tracking %}`."""
    ids = [r.pk for r in registrations]
    if not ids:
        return {}
    rows = tracking_rows(list(tracking_queryset(Registration.objects.filter(pk__in=ids))))
    return {row.registration.pk: row for row in rows}


@register.filter
def tracking_of(rows: dict[int, TrackingRow], registration: Registration) -> TrackingRow | None:
    return rows.get(registration.pk)
