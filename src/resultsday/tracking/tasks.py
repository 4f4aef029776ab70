"""Background tasks: ids in, a service call, the outcome recorded on the report rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django_tasks import task

from resultsday.tracking.choices import ReportTrigger


@task()
def tracking_reports_part_task(
    first_centre_id: int, last_centre_id: int, now: str
) -> dict[str, Any]:
    """One part of the weekly run: the reports of the centres with ids in the range, all
    stamped `now` (ISO 8601), the run's moment. Safe to run twice: a centre's weekly report
    is kept once per week, so a second run makes only the reports still missing. Returns how
    many were kept and the numbers of the centres whose report failed (also logged)."""
    from resultsday.tracking.bulk import IdRange
    from resultsday.tracking.services import tracking_reports_generate_all

    run = tracking_reports_generate_all(
        trigger=ReportTrigger.SCHEDULED, now=datetime.fromisoformat(now),
        centres=IdRange(first_centre_id, last_centre_id))
    return {"made": run.made, "failed": list(run.failed)}


@task()
def tracking_reports_task(
    centre_ids: list[int] | None = None, trigger: str = ReportTrigger.SCHEDULED.value,
) -> dict[str, Any]:
    """Reports for every centre, or the centres given, in one pass (the AO's refresh of its
    at-risk figures is on demand: a new report each time; the oldest are pruned)."""
    from resultsday.tracking.services import tracking_reports_generate_all

    run = tracking_reports_generate_all(trigger=ReportTrigger(trigger), centre_ids=centre_ids)
    return {"made": run.made, "failed": list(run.failed)}


@task()
def tracking_report_task(centre_id: int, requested_by_id: int | None = None) -> int:
    """One centre's report, asked for from the dashboard."""
    from resultsday.accounts.models import User
    from resultsday.centres.models import Centre
    from resultsday.tracking.services import tracking_report_create

    report = tracking_report_create(
        centre=Centre.objects.get(pk=centre_id), trigger=ReportTrigger.ON_DEMAND,
        actor=User.objects.filter(pk=requested_by_id).first() if requested_by_id else None,
    )
    return report.pk
