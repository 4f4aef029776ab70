from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from resultsday.accounts.access import registrations_for_user
from resultsday.accounts.permissions import Permission
from resultsday.assessment.models import UnitResult
from resultsday.catalogue.models import Qualification, Series
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Entry, Learner, Registration

if TYPE_CHECKING:
    from resultsday.centres.models import Centre


def learner_search(*, learners: QuerySet[Learner], query: str) -> QuerySet[Learner]:
    """Filter an already-scoped learner queryset by name, candidate number, ULN or UCI."""
    query = query.strip()
    if not query:
        return learners
    condition = Q(last_name__icontains=query) | Q(first_name__icontains=query)
    if query.isdigit():
        condition |= Q(candidate_number=query) | Q(uln=query)
    else:
        condition |= Q(uci=query.upper())
    return learners.filter(condition)


def learner_registrations(*, registrations: QuerySet[Registration]) -> list[Registration]:
    """Registrations with their qualification, unit results and current result, in one go."""
    return list(
        registrations.select_related("qualification", "series", "result")
        .prefetch_related(
            Prefetch(
                "unit_results",
                queryset=UnitResult.objects.select_related("unit").order_by(
                    "unit__code", "attempt"
                ),
            )
        )
        .order_by("-created_at")
    )


def entries_for_user(user: Any, permission: Permission) -> QuerySet[Entry]:
    """Entries of the registrations the user may reach with this permission."""
    return Entry.objects.filter(registration__in=registrations_for_user(user, permission))


def get_entry_for_user(user: Any, pk: int, permission: Permission) -> Entry:
    """The entry, or 404 when it is not one of the user's (another centre's looks missing)."""
    return get_object_or_404(
        entries_for_user(user, permission).select_related(
            "registration__learner", "registration__qualification", "registration__centre",
            "unit", "series",
        ),
        pk=pk,
    )


def registration_entries(*, registration: Registration) -> list[Entry]:
    return list(
        registration.entries.select_related("unit", "series").order_by(
            "series__code", "unit__code", "-entered_at"
        )
    )


@dataclass(frozen=True)
class TopUpCandidate:
    """A learner whose unit results are split over two registrations of one suite and sector."""

    learner: Learner
    smaller: Registration
    larger: Registration
    smaller_results: int
    larger_results: int


def top_up_candidates(
    centre: Centre, *, registrations: QuerySet[Registration] | None = None
) -> list[TopUpCandidate]:
    """Learners with two or more active registrations in one suite and sector: each smaller
    registration is proposed for topping up into the largest. `registrations`: those the
    viewer may read (`registrations_for_user`; AO staff read only their AO's, and both
    registrations of a candidate are in one suite, so of one AO); default all."""
    registrations = (
        (Registration.objects.all() if registrations is None else registrations).filter(
            centre=centre, status=RegistrationStatus.ACTIVE, qualification__size_glh__isnull=False
        )
        .select_related("learner", "qualification", "series")
        .annotate(result_count=Count("unit_results"))
        .order_by("learner__last_name", "learner__first_name", "learner_id", "pk")
    )
    groups: dict[tuple[int, int, str], list[Registration]] = {}
    for registration in list[Registration](registrations):
        qualification = registration.qualification
        key = (registration.learner_id, qualification.suite_id, qualification.sector)
        groups.setdefault(key, []).append(registration)
    candidates = []
    for group in groups.values():
        if len(group) < 2:
            continue
        largest = max(group, key=lambda r: (r.qualification.size_glh or 0, -r.pk))
        for registration in group:
            size = registration.qualification.size_glh or 0
            if size < (largest.qualification.size_glh or 0):
                candidates.append(TopUpCandidate(
                    learner=registration.learner, smaller=registration, larger=largest,
                    smaller_results=registration.result_count,  # type: ignore[attr-defined]
                    larger_results=largest.result_count,  # type: ignore[attr-defined]
                ))
    return candidates


# ---- access codes for a class --------------------------------------------------------------


def access_code_series(*, centre: Centre) -> QuerySet[Series]:
    """The series the centre has learners registered in, newest first."""
    return Series.objects.filter(
        pk__in=Registration.objects.filter(centre=centre).values("series_id")
    ).select_related("awarding_organisation").order_by("-code", "awarding_organisation__name")


def access_code_qualifications(*, centre: Centre) -> QuerySet[Qualification]:
    """The qualifications the centre has learners registered on."""
    return Qualification.objects.filter(
        pk__in=Registration.objects.filter(centre=centre).values("qualification_id")
    ).order_by("title", "qn")


def access_code_learners(
    *,
    learners: QuerySet[Learner],
    series: Series | None = None,
    qualification: Qualification | None = None,
    without_code: bool = False,
) -> QuerySet[Learner]:
    """Filter an already-scoped learner queryset for making access codes, in name order.

    With a series or qualification, only learners with a registration (not withdrawn) in that
    series or on that qualification. Each learner carries `code_issued_at` and
    `code_last_used_at` (None when they have no code).
    """
    if series is not None or qualification is not None:
        registrations = Registration.objects.exclude(status=RegistrationStatus.WITHDRAWN)
        if series is not None:
            registrations = registrations.filter(series=series)
        if qualification is not None:
            registrations = registrations.filter(qualification=qualification)
        learners = learners.filter(pk__in=registrations.values("learner_id"))
    if without_code:
        learners = learners.filter(access_code__isnull=True)
    return learners.annotate(
        code_issued_at=F("access_code__issued_at"),
        code_last_used_at=F("access_code__last_used_at"),
    ).order_by("last_name", "first_name", "pk")
