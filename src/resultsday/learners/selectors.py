from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from resultsday.assessment.models import UnitResult
from resultsday.learners.models import Learner, Registration


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
