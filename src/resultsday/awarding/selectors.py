from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from resultsday.accounts.access import principal_for
from resultsday.accounts.permissions import Permission
from resultsday.awarding.models import AwardingRun, Claim
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Registration


def runs_for_user(user: Any) -> QuerySet[AwardingRun]:
    ao_ids = principal_for(user).ao_ids(Permission.AO_AWARDING_RUN)
    return AwardingRun.objects.filter(series__awarding_organisation_id__in=ao_ids).select_related(
        "series", "started_by"
    )


def claimable_registrations(*, registrations: QuerySet[Registration]) -> list[Registration]:
    """Active registrations with no full award claim yet, oldest series first."""
    claimed = Claim.objects.values("registration_id")
    return list(
        registrations.filter(status=RegistrationStatus.ACTIVE)
        .exclude(pk__in=claimed)
        .select_related("learner", "qualification", "qualification__suite", "series")
        .order_by("series__code", "learner__last_name", "learner__first_name")
    )


def preview_summary(run: AwardingRun) -> dict[str, list[dict[str, Any]]]:
    """Grades up, down, changed and unchanged, by qualification and by centre."""
    from django.db.models import Count, Q

    from resultsday.awarding.choices import Direction
    from resultsday.awarding.services import registrations_expecting_results

    def table(field: str, label: str) -> list[dict[str, Any]]:
        totals = {
            row[field]: row for row in registrations_expecting_results(run.series)
            .values(field, label).annotate(total=Count("pk"))
        }
        changes = {
            row[field]: row for row in run.changes.values(field).annotate(
                up=Count("pk", filter=Q(direction=Direction.UP)),
                down=Count("pk", filter=Q(direction=Direction.DOWN)),
                changed=Count("pk", filter=Q(direction=Direction.CHANGED)),
            )
        }
        rows = []
        for key, total in sorted(totals.items(), key=lambda kv: str(kv[1][label])):
            c = changes.get(key, {"up": 0, "down": 0, "changed": 0})
            rows.append({
                "label": total[label], "total": total["total"], "up": c["up"],
                "down": c["down"], "changed": c["changed"],
                "unchanged": total["total"] - c["up"] - c["down"] - c["changed"],
            })
        return rows

    return {
        "by_qualification": table("qualification", "qualification__title"),
        "by_centre": table("centre", "centre__name"),
    }
