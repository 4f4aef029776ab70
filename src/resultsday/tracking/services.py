"""Tracking services: checkpoint confirmations and declarations, and tracking reports."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import User
from resultsday.accounts.services import audit_record
from resultsday.catalogue.models import Series
from resultsday.centres.models import Centre
from resultsday.core.collector import long_pass
from resultsday.grading import Catalogue
from resultsday.learners.choices import RegistrationStatus
from resultsday.learners.models import Registration
from resultsday.release.services import results_open
from resultsday.tracking.bulk import (
    IdRange,
    TrackedRegistration,
    centre_ranges,
    tracked_as_centre_sees,
    tracked_registrations,
)
from resultsday.tracking.choices import CheckpointKind, ReportTrigger
from resultsday.tracking.models import Checkpoint, CheckpointLearner, TrackingReport
from resultsday.tracking.parallel import parts_run
from resultsday.tracking.reports import report_summary, tracking_report_files
from resultsday.tracking.selectors import (
    TrackingRow,
    rows_as_centre_sees,
    rows_as_seen,
    series_dates,
    tracking_queryset,
    tracking_rows,
)

logger = logging.getLogger(__name__)

# Past reports kept per centre: a year of weekly reports plus on-demand ones.
REPORTS_KEPT = 60


class CheckpointError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Confirmation:
    """The centre's answer for one registration at checkpoint 1."""

    registration_id: int
    expects_result: bool
    needs_to_progress: bool = False
    predicted_grade: str = ""


def _checkpoint_date(series: Series, kind: str, results_day_type: str) -> datetime | None:
    dates = series_dates([series.pk]).get((series.pk, results_day_type))
    if dates is None:
        return None
    return dates.checkpoint_1 if kind == CheckpointKind.CHECKPOINT_1 else dates.checkpoint_2


def checkpoint_confirm(
    *, centre: Centre, series: Series, confirmations: Sequence[Confirmation], actor: User | None,
) -> Checkpoint:
    """Record which learners expect a result in the series and which need it to progress.

    Before the head of centre declares, answers can be changed. Once declared, the answers are
    fixed and only learners not yet on the list can be added; learners confirmed after the
    checkpoint date are marked added late (Ofqual "YL").
    """
    now = timezone.now()
    with transaction.atomic():
        checkpoint, _ = Checkpoint.objects.select_for_update().get_or_create(
            centre=centre, series=series, kind=CheckpointKind.CHECKPOINT_1)
        registrations = {
            r.pk: r for r in Registration.objects.filter(
                centre=centre, series=series, status=RegistrationStatus.ACTIVE,
                pk__in=[c.registration_id for c in confirmations],
            ).select_related("qualification")
        }
        unknown = [c.registration_id for c in confirmations if c.registration_id not in registrations]
        if unknown:
            raise CheckpointError("Some learners are not active in this series at your centre.")
        existing = {row.registration_id: row for row in checkpoint.learners.all()}
        created, changed = 0, 0
        for c in confirmations:
            row = existing.get(c.registration_id)
            if row is not None and checkpoint.is_declared:
                continue
            registration = registrations[c.registration_id]
            cp_date = _checkpoint_date(series, CheckpointKind.CHECKPOINT_1,
                                       registration.qualification.results_day_type)
            values = {"expects_result": c.expects_result, "needs_to_progress": c.needs_to_progress,
                      "predicted_grade": c.predicted_grade.strip().upper()}
            if row is None:
                CheckpointLearner.objects.create(
                    checkpoint=checkpoint, registration=registration, confirmed_at=now,
                    added_late=cp_date is not None and now > cp_date, **values)
                created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                row.confirmed_at = now
                row.save(update_fields=[*values, "confirmed_at"])
                changed += 1
        expecting = sum(1 for c in confirmations if c.expects_result)
        audit_record(
            actor=actor, action=AuditAction.CHECKPOINT_CONFIRMED, obj=checkpoint, centre=centre,
            awarding_organisation=checkpoint.series.awarding_organisation,
            summary=f"Checkpoint 1 for {series}: {expecting} of {len(confirmations)} learners "
            f"expect a result ({created} added, {changed} changed)",
            after={"expecting": expecting, "answered": len(confirmations), "added": created,
                   "changed": changed},
        )
    return checkpoint


def checkpoint_outstanding_record(
    *, centre: Centre, series: Series, actor: User | None, now: datetime | None = None,
    catalogue: Catalogue | None = None,
) -> Checkpoint:
    """Checkpoint 2: record, for each learner confirmed at checkpoint 1, what is outstanding.

    The list is the tracking engine's issues at this moment, kept on the checkpoint so the
    centre and the AO can see later what was agreed; as every member of the centre's staff
    may see them (`selectors.rows_as_centre_sees`: nothing of an embargoed result).
    """
    now = now or timezone.now()
    first = Checkpoint.objects.filter(
        centre=centre, series=series, kind=CheckpointKind.CHECKPOINT_1).first()
    if first is None or not first.is_declared:
        raise CheckpointError("Checkpoint 1 must be declared before checkpoint 2.")
    confirmed = list(first.learners.filter(expects_result=True).values_list(
        "registration_id", "needs_to_progress", "predicted_grade"))
    registrations = list(tracking_queryset(Registration.objects.filter(
        pk__in=[c[0] for c in confirmed], status=RegistrationStatus.ACTIVE)))
    rows = {row.registration.pk: row for row in
            rows_as_centre_sees(tracking_rows(registrations, now=now, catalogue=catalogue))}
    with transaction.atomic():
        checkpoint, _ = Checkpoint.objects.select_for_update().get_or_create(
            centre=centre, series=series, kind=CheckpointKind.CHECKPOINT_2)
        if checkpoint.is_declared:
            raise CheckpointError("Checkpoint 2 has already been declared.")
        checkpoint.learners.all().delete()
        outstanding = 0
        for registration_id, progress, predicted in confirmed:
            row = rows.get(registration_id)
            if row is None:
                continue
            issues = [{"code": s.code.value, "meaning": s.meaning, "action": s.action}
                      for s in row.issues()]
            outstanding += bool(issues)
            CheckpointLearner.objects.create(
                checkpoint=checkpoint, registration_id=registration_id, expects_result=True,
                needs_to_progress=progress, predicted_grade=predicted, confirmed_at=now,
                outstanding=issues)
        audit_record(
            actor=actor, action=AuditAction.CHECKPOINT_CONFIRMED, obj=checkpoint, centre=centre,
            awarding_organisation=checkpoint.series.awarding_organisation,
            summary=f"Checkpoint 2 for {series}: {outstanding} of {len(rows)} learners have "
            "information outstanding",
            after={"outstanding": outstanding, "learners": len(rows)},
        )
    return checkpoint


def checkpoint_declare(*, checkpoint: Checkpoint, actor: User, signed_name: str) -> Checkpoint:
    """The head of centre's declaration: signed with their name, timed, audited, final."""
    signed_name = " ".join(signed_name.split())
    if not signed_name:
        raise CheckpointError("Enter your full name to sign the declaration.")
    with transaction.atomic():
        locked = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
        if locked.is_declared:
            raise CheckpointError("This checkpoint has already been declared.")
        if not locked.learners.exists():
            raise CheckpointError("The exams officer must confirm the learners first.")
        locked.declared_by = actor
        locked.declared_name = signed_name
        locked.declared_at = timezone.now()
        locked.save(update_fields=["declared_by", "declared_name", "declared_at"])
        audit_record(
            actor=actor, action=AuditAction.CHECKPOINT_DECLARED, obj=locked,
            centre=locked.centre, awarding_organisation=locked.series.awarding_organisation,
            summary=f"{locked.get_kind_display()} for {locked.series} declared by {signed_name}",
            after={"signed_name": signed_name, "declared_at": locked.declared_at.isoformat()},
        )
    return locked


# ---- tracking reports ---------------------------------------------------------------------


def report_week(now: datetime) -> date:
    """The Monday of `now`'s week (local time): what a weekly report is kept under."""
    today = timezone.localdate(now)
    return today - timedelta(days=today.weekday())


def _report_keep(
    *, centre: Centre, trigger: ReportTrigger, actor: User | None, now: datetime,
    rows: list[TrackedRegistration],
) -> TrackingReport | None:
    """Keep the report (None if this week's weekly report for the centre is already kept).

    The files are the centre's, read by any of its staff later: they hold what every member of
    its staff may see (`bulk.tracked_as_centre_sees`: no grade or points of a result under
    embargo before the learner release). The summary's counts are read only by AO staff, who
    see every result at any time (the at-risk view), so they come from the rows as they are.
    """
    rows.sort(key=lambda row: (row.record.last_name, row.record.first_name, row.record.pk))
    xlsx, csv = tracking_report_files(centre=centre, rows=tracked_as_centre_sees(rows), now=now)
    week = report_week(now) if trigger == ReportTrigger.SCHEDULED else None
    try:
        with transaction.atomic():
            report = TrackingReport.objects.create(
                centre=centre, trigger=trigger, requested_by=actor, created_at=now, week=week,
                row_count=len(rows), summary=report_summary(rows), xlsx=xlsx, csv=csv)
            stale = list(TrackingReport.objects.filter(centre=centre).order_by("-created_at")
                         .values_list("pk", flat=True)[REPORTS_KEPT:])
            if stale:
                TrackingReport.objects.filter(pk__in=stale).delete()
    except IntegrityError:
        if week is None or not TrackingReport.objects.filter(centre=centre, week=week).exists():
            raise
        return None  # another worker kept this centre's week first
    return report


def tracking_report_create(
    *, centre: Centre, trigger: ReportTrigger, actor: User | None = None,
    now: datetime | None = None, catalogue: Catalogue | None = None,
) -> TrackingReport:
    """Generate and keep a tracking report for every registration at the centre (a weekly one
    already kept for this week is returned as it is)."""
    now = now or timezone.now()
    rows = list(tracked_registrations(Registration.objects.filter(centre=centre), now=now,
                                      catalogue=catalogue, explain=False))
    report = _report_keep(centre=centre, trigger=trigger, actor=actor, now=now, rows=rows)
    return report or TrackingReport.objects.get(centre=centre, week=report_week(now))


class ReportRun(NamedTuple):
    """What a run of reports did: how many it kept, and the centres whose report failed."""

    made: int
    failed: tuple[str, ...] = ()  # centre numbers


def tracking_reports_generate_all(
    *, trigger: ReportTrigger = ReportTrigger.SCHEDULED, now: datetime | None = None,
    centre_ids: Iterable[int] | None = None, centres: IdRange | None = None,
    processes: int = 1,
) -> ReportRun:
    """A report for every centre with registrations (the weekly run). Returns how many were
    kept, and which centres failed: one centre's failure (a name the workbook cannot store,
    say) is logged with its number and does not stop the others.

    One pass over the registrations in centre order (`tracking.bulk`), each centre's report
    kept as soon as its rows are complete; `centre_ids` or the range `centres` narrow it to
    some centres (one part of a run shared between workers: `tracking_reports_enqueue`). With
    `processes` > 1 the centres are split into that many ranges of about equal registrations,
    each run in its own process (`parallel.parts_run`).

    Safe to run twice: a weekly (scheduled) report is kept once per centre and week
    (`TrackingReport.week`), so a rerun after a crash makes only the reports still missing;
    on-demand reports are added each time, and the oldest are pruned.
    """
    now = now or timezone.now()
    registrations = Registration.objects.all()
    if centre_ids is not None:
        centre_ids = list(centre_ids)
        registrations = registrations.filter(centre_id__in=centre_ids)
    if centres is not None:
        registrations = registrations.filter(centre_id__gte=centres.first,
                                             centre_id__lte=centres.last)
    if processes > 1:
        parts = [(trigger.value, now, part, centre_ids)
                 for part in centre_ranges(registrations, processes)]
        runs = parts_run(_generate_part, parts, processes=processes)
        return ReportRun(sum(run.made for run in runs),
                         tuple(number for run in runs for number in run.failed))
    if trigger == ReportTrigger.SCHEDULED:
        kept = TrackingReport.objects.filter(week=report_week(now))
        if centres is not None:
            kept = kept.filter(centre_id__gte=centres.first, centre_id__lte=centres.last)
        done = list(kept.values_list("centre_id", flat=True))
        if done:  # a rerun: only the centres whose report for this week is still missing
            registrations = registrations.exclude(centre_id__in=done)
    made = 0
    failed: list[str] = []
    centres_by_id: dict[int, Centre] = {}
    with long_pass():
        for centre_id, rows in groupby(
            tracked_registrations(registrations, now=now, by_centre=True, explain=False),
            key=lambda row: row.record.centre_id,
        ):
            if centre_id not in centres_by_id:
                # Centres arrive in id order: fetch the next few hundred in one query.
                centres_by_id = {c.pk: c for c in
                                 Centre.objects.filter(pk__gte=centre_id).order_by("pk")[:500]}
            centre = centres_by_id[centre_id]
            try:
                made += _report_keep(centre=centre, trigger=trigger, actor=None, now=now,
                                     rows=list(rows)) is not None
            except Exception:
                # The run goes on; the report is made again next time (a weekly one is
                # still missing for the week, so a rerun tries it again).
                logger.exception("The tracking report of centre %s failed", centre.number)
                failed.append(centre.number)
    if failed:
        logger.error("%d tracking report(s) failed, centres %s", len(failed), ", ".join(failed))
    return ReportRun(made, tuple(failed))


def _generate_part(part: tuple[str, datetime, IdRange, list[int] | None]) -> ReportRun:
    trigger, now, centres, centre_ids = part
    return tracking_reports_generate_all(trigger=ReportTrigger(trigger), now=now,
                                         centre_ids=centre_ids, centres=centres)


def tracking_reports_enqueue(*, parts: int, now: datetime | None = None) -> int:
    """Hand the weekly run to the task workers as `parts` tasks, one per range of centres.

    Any number of `resultsday worker` processes share them; the ranges do not overlap and all
    parts carry the same moment, so each centre's report for the week is made once (and a
    part run again makes only what it has not made). Enqueued after the transaction commits.
    Returns the number of tasks.
    """
    from resultsday.tracking.tasks import tracking_reports_part_task

    now = now or timezone.now()
    ranges = centre_ranges(Registration.objects.all(), parts)

    def send() -> None:
        for r in ranges:
            tracking_reports_part_task.enqueue(r.first, r.last, now.isoformat())

    transaction.on_commit(send)
    return len(ranges)


def registration_tracking_open(*, user: User, registration: Registration, page: str) -> TrackingRow:
    """One registration's live status as `user` may see it (the page and the API): a look at
    a result the release policy hides from others at this moment is recorded as an early view,
    as on the results pages (`release.services.results_open`)."""
    registration = tracking_queryset(Registration.objects.filter(pk=registration.pk)).get()
    decisions = results_open(user=user, registrations=[registration], page=page)
    return rows_as_seen(tracking_rows([registration]), decisions)[0]
