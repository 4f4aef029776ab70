"""Background tasks: ids in, a service call, the outcome recorded on the run row."""

from __future__ import annotations

from django_tasks import task

from resultsday.awarding.choices import RunStatus
from resultsday.awarding.models import AwardingRun


@task()
def awarding_run_task(run_id: int) -> str:
    from resultsday.awarding.services import awarding_run_execute

    try:
        run = awarding_run_execute(run_id=run_id)
    except Exception as exc:
        AwardingRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=str(exc)[:2000])
        raise
    return run.status
