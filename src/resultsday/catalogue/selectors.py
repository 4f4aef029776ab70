from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from resultsday.catalogue.models import AwardingOrganisation, KeyDate, Qualification
from resultsday.learners.choices import RegistrationStatus


def qualifications_with_counts(
    *, awarding_organisation_ids: set[int]
) -> QuerySet[Qualification]:
    return (
        Qualification.objects.filter(awarding_organisation_id__in=awarding_organisation_ids)
        .select_related("suite")
        .annotate(
            active_registrations=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.ACTIVE)
            ),
            unit_count=Count("structure", distinct=True),
        )
    )


def key_dates_all() -> QuerySet[KeyDate]:
    """Key dates across every AO: the regulator's hub view, and public to every signed-in user."""
    return KeyDate.objects.select_related("series", "series__awarding_organisation").order_by(
        "at", "series__awarding_organisation__name"
    )


def regulator_overview() -> list[AwardingOrganisation]:
    return list(
        AwardingOrganisation.objects.annotate(
            qualification_count=Count("qualifications", distinct=True),
            centre_count=Count("centres", distinct=True),
            series_count=Count("series", distinct=True),
        ).order_by("name")
    )
