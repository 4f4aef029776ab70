"""Background tasks: ids in, a service call, the outcome recorded on the report rows."""

from __future__ import annotations

from django_tasks import task

from resultsday.tracking.choices import ReportTrigger


@task()
def tracking_reports_task(centre_ids: list[int] | None = None) -> int:
    """The weekly tracking reports (every centre, or the centres given). Safe to run twice:
    each run adds one report per centre and prunes the oldest."""
    from resultsday.tracking.services import tracking_reports_generate_all

    return tracking_reports_generate_all(trigger=ReportTrigger.SCHEDULED, centre_ids=centre_ids)


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
