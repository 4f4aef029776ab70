from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from resultsday.catalogue.models import KeyDate
from resultsday.centres.models import Centre
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Registration


def centre_overview(*, centre: Centre) -> dict[str, Any]:
    """Counts for a centre's home page: learners, registrations by qualification and status."""
    registrations = Registration.objects.filter(centre=centre)
    by_qualification = list(
        registrations.values("qualification__title", "qualification__qn")
        .annotate(
            active=Count("pk", filter=Q(status=RegistrationStatus.ACTIVE)),
            withdrawn=Count("pk", filter=Q(status=RegistrationStatus.WITHDRAWN)),
        )
        .order_by("qualification__title")
    )
    series_ids = registrations.filter(status=RegistrationStatus.ACTIVE).values("series_id")
    key_dates = list(
        KeyDate.objects.filter(series_id__in=series_ids)
        .select_related("series")
        .order_by("at")
    )
    return {
        "learner_count": centre.learners.count(),
        "active_registrations": registrations.filter(status=RegistrationStatus.ACTIVE).count(),
        "by_qualification": by_qualification,
        "key_dates": key_dates,
    }
