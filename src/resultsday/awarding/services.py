"""Awarding services: runs over a series, result versions, claims and declined grades."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import User
from resultsday.accounts.services import audit_record
from resultsday.assessment.models import UnitResult
from resultsday.awarding.bulk import PreparedBatch, batch_prepare, batch_write
from resultsday.awarding.choices import Direction, ResultStatus, RunMode, RunPolicy, RunStatus
from resultsday.awarding.decisions import (
    Decision,
    RegistrationFacts,
    UnitAttempt,
    registration_decide,
)
from resultsday.awarding.models import (
    AwardingRun,
    Claim,
    QualificationResult,
    QualificationResultVersion,
)
from resultsday.catalogue.choices import KeyDateKind, KeyDateScope
from resultsday.catalogue.models import KeyDate, QualificationUnit, Series
from resultsday.centres.models import StandardsVerification
from resultsday.core.collector import long_pass
from resultsday.grading import Catalogue, default_catalogue
from resultsday.grading.bulk import ReasonsMemo
from resultsday.learners.choices import EntryStatus, RegistrationStatus
from resultsday.learners.models import Entry, Registration
from resultsday.release.cache import registrations_results_changed

BATCH_SIZE = 5000
# Reason texts a run keeps by scores (about 300 bytes each) before it starts again.
_REASONS_KEPT = 200_000


class AwardingError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def registrations_expecting_results(series: Series) -> Any:
    """Active (or certificated) registrations whose estimated completion is in the series."""
    return Registration.objects.filter(
        series=series,
        status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.CERTIFICATED],
    )


def registration_facts(
    registrations: list[Registration], *, withheld: frozenset[int] = frozenset()
) -> dict[int, RegistrationFacts]:
    """Load the facts of many registrations with a fixed number of queries.

    For registrations in `withheld`, external results from the registration's own series are
    left out and counted as still to come: what a centre may see of a result under embargo.
    """
    ids = [r.pk for r in registrations]
    qualification_of = {r.pk: r.qualification_id for r in registrations}
    placed = set(QualificationUnit.objects.filter(
        qualification_id__in=set(qualification_of.values())
    ).values_list("qualification_id", "unit_id"))
    attempts: dict[int, list[UnitAttempt]] = {}
    series_of = {r.pk: r.series_id for r in registrations}
    hidden: dict[int, set[str]] = {}
    for reg_id, unit_id, number, grade, points, retake, external, series_id in (
        # ordered by ids, not by the models' default orderings (learner names, unit codes),
        # which cost joins: a unit's attempts still come in attempt order
        UnitResult.objects.filter(registration_id__in=ids)
        .order_by("registration_id", "unit_id", "attempt").values_list(
            "registration_id", "unit_id", "unit__number", "grade", "points", "is_retake",
            "unit__assessment", "series_id",
        )
    ):
        if reg_id in withheld and external == "external" and series_id == series_of[reg_id]:
            hidden.setdefault(reg_id, set()).add(number)
            continue
        attempts.setdefault(reg_id, []).append(UnitAttempt(
            number, grade, points, retake,
            in_structure=(qualification_of[reg_id], unit_id) in placed,
        ))
    # Entries for the registration's own series: their results are still to come in it.
    awaiting: dict[int, set[str]] = {reg_id: set(units) for reg_id, units in hidden.items()}
    for reg_id, number, series_id in Entry.objects.filter(
        registration_id__in=ids, status=EntryStatus.ENTERED
    ).values_list("registration_id", "unit__number", "series_id"):
        if series_id == series_of[reg_id]:
            awaiting.setdefault(reg_id, set()).add(number)
    claimed = set(Claim.objects.filter(registration_id__in=ids).values_list(
        "registration_id", flat=True))
    programmes = {(r.centre_id, r.qualification.suite_id, r.qualification.sector)
                  for r in registrations}
    released: dict[tuple[int, int, str], bool] = {}
    if programmes:
        condition = Q()
        for centre_id, suite_id, sector in programmes:
            condition |= Q(centre_id=centre_id, suite_id=suite_id, sector=sector)
        for sv in StandardsVerification.objects.filter(condition):
            released[(sv.centre_id, sv.suite_id, sv.sector)] = sv.is_released
    facts = {}
    for r in registrations:
        key = (r.centre_id, r.qualification.suite_id, r.qualification.sector)
        facts[r.pk] = RegistrationFacts(
            qualification_qn=r.qualification.qn,
            registered_on=r.registered_on,
            attempts=attempts.get(r.pk, []),
            awaiting_units=awaiting.get(r.pk, set()),
            claimed=r.pk in claimed,
            verification_released=released.get(key),
            programme=f"{r.qualification.suite.name} {r.qualification.sector.replace('-', ' ')}",
        )
    return facts


def registration_evaluate(
    *, registration: Registration, catalogue: Catalogue | None = None,
    withhold_embargoed: bool = False,
) -> Decision:
    """The decision awarding would make for one registration now (no change is written).

    With `withhold_embargoed`, the registration's external results from its own series are
    treated as still to come (for a viewer who may not yet see them under the embargo).
    """
    withheld = frozenset({registration.pk}) if withhold_embargoed else frozenset()
    facts = registration_facts([registration], withheld=withheld)[registration.pk]
    return registration_decide(facts=facts, catalogue=catalogue or default_catalogue())


def result_record(
    *,
    registration_id: int,
    decision: Decision,
    current: QualificationResult | None,
    run: AwardingRun | None = None,
    changed_by: User | None = None,
) -> bool:
    """Add a result version if the decision differs from the current result. True if it did."""
    if current is not None and decision.same_as(
        current.status, current.grade, current.points, current.reason
    ):
        return False
    previous_grade = current.grade if current is not None else ""
    # UCAS hears of a new result and of a change of status, grade or points (as a run's
    # writes, awarding.bulk), not of a new reason text alone.
    regraded = current is None or (current.status, current.grade, current.points) != (
        decision.status, decision.grade, decision.points)
    ucas = regraded and Registration.objects.filter(
        pk=registration_id, ucas_applicant=True).exists()
    if current is None:
        current = QualificationResult.objects.create(
            registration_id=registration_id, status=decision.status, grade=decision.grade,
            points=decision.points, reason=decision.reason, version=1, ucas_changed=ucas,
        )
    else:
        current.version += 1
        current.status, current.grade, current.points, current.reason = (
            decision.status, decision.grade, decision.points, decision.reason)
        current.ucas_changed = current.ucas_changed or ucas
        current.save(update_fields=["version", "status", "grade", "points", "reason",
                                    "ucas_changed", "updated_at"])
    QualificationResultVersion.objects.create(
        result=current, version=current.version, status=decision.status, grade=decision.grade,
        points=decision.points, previous_grade=previous_grade, reason=decision.reason,
        explanation=decision.explanation, run=run, changed_by=changed_by,
    )
    registrations_results_changed(registration_ids=[registration_id])
    return True


def awarding_run_start(
    *, series: Series, actor: User | None, reason: str,
    policy: RunPolicy = RunPolicy.STANDARD, mode: RunMode = RunMode.COMMIT,
    enqueue: bool = True,
) -> AwardingRun:
    """Create a run for the series and queue it for a worker once this transaction commits.

    A preview run evaluates everything and records what would change without writing results.
    """
    with transaction.atomic():
        if AwardingRun.objects.filter(
            series=series, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        ).exists():
            raise AwardingError(f"An awarding run for {series} is already queued or running.")
        run = AwardingRun.objects.create(
            series=series, policy=policy, mode=mode, reason=reason, started_by=actor,
            total=registrations_expecting_results(series).count(),
        )
        audit_record(
            actor=actor, action=AuditAction.AWARDING_RUN_STARTED, obj=run,
            awarding_organisation=series.awarding_organisation,
            summary=f"Awarding run {run.pk} ({mode.label.split(':')[0].lower()}) started for "
            f"{series} ({run.get_policy_display()})",
            reason=reason,
        )
        if enqueue:
            from resultsday.awarding.tasks import awarding_run_task

            transaction.on_commit(lambda: awarding_run_task.enqueue(run.pk))
    return run


def awarding_run_execute(
    *, run_id: int, batch_size: int = BATCH_SIZE,
    catalogue: Catalogue | None = None,
    progress: Callable[[AwardingRun], None] | None = None,
) -> AwardingRun:
    """Work through the run in batches, each committed with its checkpoint. Safe to run twice.

    Each batch is evaluated set-based (`awarding.bulk`: facts in columns, `grading.bulk`, the
    decisions of `registration_decide`); then, in one transaction that locks the run row and
    checks the checkpoint is still the one the batch follows, its new result versions (only
    where a result changed) are written together with the new checkpoint. A run killed between
    batches resumes from its checkpoint; one killed inside a batch lost only that uncommitted
    batch. Two workers on one run take turns batch by batch: a batch prepared from a
    checkpoint another worker has since moved is dropped, not written.

    Outside a transaction the next batch is read and evaluated while the last one is written
    (a thread with its own database connection writes), so the database and Python work at once.
    """
    catalogue = catalogue or default_catalogue()
    claimed = AwardingRun.objects.filter(
        pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).update(status=RunStatus.RUNNING)
    if not claimed:
        return AwardingRun.objects.get(pk=run_id)
    AwardingRun.objects.filter(pk=run_id, started_at__isnull=True).update(started_at=timezone.now())
    if not transaction.get_connection().in_atomic_block:
        with long_pass():
            stopped = _execute_pipelined(run_id, batch_size, catalogue, progress)
        if stopped is not None:
            return stopped
    while True:
        with transaction.atomic():
            run = AwardingRun.objects.select_for_update().select_related("series").get(pk=run_id)
            if run.status != RunStatus.RUNNING:
                return run
            batch = batch_prepare(run=run, after=run.last_registration_id, limit=batch_size,
                                  catalogue=catalogue)
            if batch is None:
                _finish(run)
                break
            _write_batch(run, batch)
        if progress is not None:
            progress(run)
    return run


def _execute_pipelined(
    run_id: int, batch_size: int, catalogue: Catalogue,
    progress: Callable[[AwardingRun], None] | None,
) -> AwardingRun | None:
    """Prepare the next batch here while writer threads write the last ones; None when no batch
    is left (the caller then finishes the run under its lock), or the run if it stopped.

    On PostgreSQL two writers overlap: batch k+1 is copied in while batch k commits (its
    foreign keys are checked at commit), and k+1 takes the run's lock only once k is done.
    """
    run = AwardingRun.objects.select_related("series").get(pk=run_id)
    after = run.last_registration_id
    reasons: ReasonsMemo = {}  # learners with the same scores share a reason text, run-wide
    depth = 2 if transaction.get_connection().vendor == "postgresql" else 1
    writers = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="awarding-writer")
               for _ in range(depth)]
    inflight: deque[Future[AwardingRun | None]] = deque()
    submitted = 0
    try:
        while True:
            if len(reasons) > _REASONS_KEPT:
                reasons.clear()
            batch = batch_prepare(run=run, after=after, limit=batch_size, catalogue=catalogue,
                                  reasons=reasons)
            stopped = False
            while inflight and (len(inflight) >= depth or batch is None or stopped):
                written = inflight.popleft().result()
                if written is None:
                    stopped = True  # stopped, or another worker moved the checkpoint
                elif progress is not None:
                    progress(written)
            if stopped:
                run = AwardingRun.objects.select_related("series").get(pk=run_id)
                if run.status != RunStatus.RUNNING:
                    return run
                after = run.last_registration_id
                continue
            if batch is None:
                return None
            previous = inflight[-1] if inflight else None
            inflight.append(writers[submitted % depth].submit(
                _write_batch_locked, run_id, batch, previous))
            submitted += 1
            after = batch.last
    finally:
        for future in inflight:
            future.exception()  # let the writes in flight finish (or fail) before returning
        for writer in writers:
            writer.submit(connections.close_all).result()
            writer.shutdown()


class _Superseded(Exception):
    """The batch no longer follows the run's checkpoint: roll its writes back."""


def _write_batch_locked(
    run_id: int, batch: PreparedBatch, previous: Future[AwardingRun | None] | None
) -> AwardingRun | None:
    """Write a prepared batch, then, once the batch before it is done, lock the run and keep
    the writes only if the run is still running from the checkpoint the batch follows."""
    try:
        with transaction.atomic():
            counts = batch_write(run=AwardingRun.objects.get(pk=run_id), batch=batch)
            if previous is not None and previous.result() is None:
                raise _Superseded
            run = AwardingRun.objects.select_for_update().select_related("series").get(pk=run_id)
            if run.status != RunStatus.RUNNING or run.last_registration_id != batch.after:
                raise _Superseded
            _move_checkpoint(run, batch, counts)
    except _Superseded:
        return None
    except IntegrityError:
        # another worker wrote these results first (the unique result per registration)
        if AwardingRun.objects.get(pk=run_id).last_registration_id == batch.after:
            raise
        return None
    return run


def _move_checkpoint(run: AwardingRun, batch: PreparedBatch, batch_counts: Counter[str]) -> None:
    counts = Counter(run.counts)
    counts.update(batch_counts)
    run.counts = dict(counts)
    run.processed += len(batch.rows.ids)
    run.last_registration_id = batch.last
    run.save(update_fields=["counts", "processed", "last_registration_id"])


def _write_batch(run: AwardingRun, batch: PreparedBatch) -> None:
    _move_checkpoint(run, batch, batch_write(run=run, batch=batch))


def _finish(run: AwardingRun) -> None:
    run.status = RunStatus.FINISHED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=None, action=AuditAction.AWARDING_RUN_FINISHED, obj=run,
        awarding_organisation=run.series.awarding_organisation,
        summary=f"Awarding run {run.pk} finished: {_describe(run.counts)}",
    )


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to award"


GRADED = (ResultStatus.ISSUED, ResultStatus.FALLBACK, ResultStatus.UNCLASSIFIED)


def result_direction(old: QualificationResult | None, new: Decision) -> Direction:
    """Up or down by points when both results are graded; gaining or losing a grade also counts.

    Within one qualification's threshold table a grade never falls as points rise, so points
    order the grades. Losing a grade (graded -> withheld/pending) is down; gaining one is up.
    """
    old_graded = old is not None and old.status in GRADED and old.points is not None
    new_graded = new.status in GRADED and new.points is not None
    if old_graded and new_graded:
        assert old is not None and old.points is not None and new.points is not None
        if new.points > old.points:
            return Direction.UP
        if new.points < old.points:
            return Direction.DOWN
        return Direction.CHANGED
    if new_graded:
        return Direction.UP
    if old_graded:
        return Direction.DOWN
    return Direction.CHANGED


def awarding_preview_commit(*, preview: AwardingRun, actor: User | None) -> AwardingRun:
    """Commit a finished preview: a new run with the same series and policy writes the results.

    The commit run evaluates afresh, so it also picks up anything that changed since the
    preview; the preview remains as the record of what was expected.
    """
    if preview.mode != RunMode.PREVIEW or preview.status != RunStatus.FINISHED:
        raise AwardingError("Only a finished preview can be committed.")
    if preview.committed_as_id is not None:
        raise AwardingError("This preview has already been committed.")
    with transaction.atomic():
        run = awarding_run_start(
            series=preview.series, actor=actor, policy=RunPolicy(preview.policy),
            reason=f"Commit of preview run {preview.pk}: {preview.reason}"[:300],
        )
        AwardingRun.objects.filter(pk=preview.pk).update(committed_as=run)
    return run


def claim_deadline(series: Series, results_day_type: str) -> Any:
    """The claim deadline for a qualification's results-day type (its own date beats 'all')."""
    dates = {
        kd.applies_to: kd.at
        for kd in KeyDate.objects.filter(series=series, kind=KeyDateKind.CLAIM_DEADLINE)
    }
    return dates.get(results_day_type) or dates.get(KeyDateScope.ALL)


def claim_submit(*, registration: Registration, actor: User | None) -> Claim:
    """Make the full award claim. A late claim is accepted and flagged not guaranteed on time."""
    if registration.status != RegistrationStatus.ACTIVE:
        raise AwardingError("Only an active registration can be claimed.")
    with transaction.atomic():
        if Claim.objects.filter(registration=registration).exists():
            raise AwardingError("The full award has already been claimed for this registration.")
        now = timezone.now()
        deadline = claim_deadline(registration.series, registration.qualification.results_day_type)
        late = deadline is not None and now > deadline
        claim = Claim.objects.create(
            registration=registration, claimed_at=now, claimed_by=actor, is_late=late
        )
        audit_record(
            actor=actor, action=AuditAction.CLAIM_SUBMITTED, obj=claim,
            centre=registration.centre,
            awarding_organisation=registration.qualification.awarding_organisation,
            summary=f"Full award claimed for {registration}"
            + (" — late: not guaranteed on time" if late else ""),
            after={"is_late": late},
        )
    return claim


def claims_submit(
    *, registrations: Iterable[Registration], actor: User | None
) -> tuple[list[Claim], list[tuple[Registration, str]]]:
    """Claim several registrations; each succeeds or fails on its own and says why."""
    made, refused = [], []
    for registration in registrations:
        try:
            made.append(claim_submit(registration=registration, actor=actor))
        except AwardingError as exc:
            refused.append((registration, exc.message))
    return made, refused


def result_decline(
    *, registration: Registration, actor: User | None, consent_note: str
) -> QualificationResult:
    """Decline an issued overall grade so the learner can resit, with their consent recorded."""
    if not consent_note.strip():
        raise AwardingError("Record how the learner gave consent to decline the grade.")
    if registration.status == RegistrationStatus.CERTIFICATED:
        raise AwardingError("The grade cannot be declined: the certificate has been issued.")
    with transaction.atomic():
        current = QualificationResult.objects.select_for_update().filter(
            registration=registration).first()
        if current is None or current.status not in (ResultStatus.ISSUED, ResultStatus.FALLBACK):
            raise AwardingError("Only an issued grade can be declined.")
        before = {"status": current.status, "grade": current.grade}
        decision = Decision(ResultStatus.DECLINED, current.grade, current.points,
                            f"Declined by the centre to resit. Consent: {consent_note}"[:300], {})
        result_record(registration_id=registration.pk, decision=decision, current=current,
                      changed_by=actor)
        audit_record(
            actor=actor, action=AuditAction.RESULT_DECLINED, obj=current,
            centre=registration.centre, before=before,
            awarding_organisation=registration.qualification.awarding_organisation,
            after={"status": ResultStatus.DECLINED}, reason=consent_note,
            summary=f"Grade {before['grade']} declined to resit for {registration}",
        )
    current.refresh_from_db()
    return current
