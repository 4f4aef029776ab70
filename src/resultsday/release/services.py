"""Changes for results release: recording early views, and the centre's discretionary release."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import User
from resultsday.accounts.services import audit_record
from resultsday.awarding.choices import ResultStatus
from resultsday.centres.models import Centre
from resultsday.learners.models import Registration
from resultsday.release.cache import learner_results_changed
from resultsday.release.models import DiscretionaryRelease, EmbargoedView
from resultsday.release.policy import Visibility, may_release_at_discretion
from resultsday.release.selectors import (
    LearnerResults,
    ShownResult,
    embargoed_registration_ids,
    result_visibilities,
)


class ReleaseError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _has_result(registration: Registration) -> bool:
    try:
        registration.result  # noqa: B018 - selected with the registration
    except Registration.result.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False
    return True


def embargoed_views_record(
    *,
    user: User,
    registrations: Sequence[Registration],
    decisions: dict[int, Visibility],
    page: str,
    now: dt.datetime,
) -> list[EmbargoedView]:
    """Record every early look at an embargoed result on one page, in one insert."""
    rows = [
        EmbargoedView(
            user=user, viewer_kind=decisions[r.pk].viewer or "", registration=r,
            centre_id=r.centre_id,
            awarding_organisation_id=r.qualification.awarding_organisation_id,
            viewed_at=now, page=page[:200],
        )
        for r in registrations
        if decisions.get(r.pk) is not None and decisions[r.pk].early and _has_result(r)
    ]
    return EmbargoedView.objects.bulk_create(rows) if rows else []


def results_open(
    *, user: Any, registrations: Sequence[Registration], page: str,
    now: dt.datetime | None = None,
) -> dict[int, Visibility]:
    """Decide which results the user may see on a page, recording each early view.

    Registrations need `qualification` and `result` selected. Every page, export and API
    endpoint that shows results goes through here.
    """
    now = now or timezone.now()
    decisions = result_visibilities(user=user, registrations=registrations, now=now)
    embargoed_views_record(
        user=user, registrations=registrations, decisions=decisions, page=page, now=now
    )
    return decisions


def discretionary_release_refusal(registration: Registration) -> str | None:
    """Why the centre may not release this result now, or None when it may."""
    if DiscretionaryRelease.objects.filter(registration=registration).exists():
        return "This result has already been released to the learner."
    embargoed = registration.pk in embargoed_registration_ids([registration.pk])
    result_issued = _has_result(registration) and registration.result.status == ResultStatus.ISSUED
    return may_release_at_discretion(embargoed=embargoed, result_issued=result_issued)


@transaction.atomic
def discretionary_release_create(
    *, actor: User, registration: Registration, reason: str, now: dt.datetime | None = None
) -> DiscretionaryRelease:
    """Release to the learner, before results day, a result no external result holds up."""
    refusal = discretionary_release_refusal(registration)
    if refusal is not None:
        raise ReleaseError(refusal)
    release = DiscretionaryRelease.objects.create(
        registration=registration, released_by=actor, released_at=now or timezone.now(),
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.RESULT_RELEASED_AT_DISCRETION,
        summary=f"Released the {registration.qualification.title} result to "
        f"{registration.learner.full_name} before results day",
        obj=release,
        centre=registration.centre,
        awarding_organisation=registration.qualification.awarding_organisation,
        after={"registration": registration.pk, "grade": registration.result.grade},
        reason=reason,
    )
    learner_results_changed(learner_ids=[registration.learner_id])
    return release


@transaction.atomic
def results_download_record(
    *,
    actor: User,
    centre: Centre,
    registrations: Sequence[Registration],
    decisions: dict[int, Visibility],
    download: str,
    details: dict[str, Any],
    now: dt.datetime | None = None,
) -> list[EmbargoedView]:
    """Audit one download of a centre's results, and record each embargoed result in it as an
    early view, in one transaction. `download` names the file (for the audit and the AO's list
    of early views); `details` holds the filters it was made with."""
    now = now or timezone.now()
    early = embargoed_views_record(
        user=actor, registrations=registrations, decisions=decisions, page=download, now=now
    )
    audit_record(
        actor=actor,
        action=AuditAction.RESULTS_EXPORTED,
        summary=f"Downloaded {download} of centre {centre.number}: {len(registrations)} "
        f"results, {len(early)} of them embargoed",
        centre=centre,
        after={**details, "results": len(registrations), "embargoed": len(early)},
    )
    return early


def learner_results_views_record(
    *,
    user: User,
    results: LearnerResults,
    shown: Sequence[ShownResult],
    page: str,
    now: dt.datetime,
) -> list[EmbargoedView]:
    """Record each early look at an embargoed result on a learner's results or statement."""
    rows = [
        EmbargoedView(
            user=user, viewer_kind=item.visibility.viewer or "",
            registration_id=item.registration.registration_id, centre_id=results.centre_id,
            awarding_organisation_id=item.registration.awarding_organisation_id,
            viewed_at=now, page=page[:200],
        )
        for item in shown
        if item.visibility.early and item.registration.result_status is not None
    ]
    return EmbargoedView.objects.bulk_create(rows) if rows else []


@transaction.atomic
def statement_download_record(
    *,
    user: User,
    results: LearnerResults,
    shown: Sequence[ShownResult],
    download: str,
    now: dt.datetime,
) -> list[EmbargoedView]:
    """Audit one download of a learner's statement of results, recording any early views."""
    early = learner_results_views_record(
        user=user, results=results, shown=shown, page=download, now=now
    )
    shown_ids = [item.registration.registration_id for item in shown if item.visibility.visible]
    audit_record(
        actor=user,
        action=AuditAction.STATEMENT_DOWNLOADED,
        summary=f"Downloaded the statement of results of {results.full_name} "
        f"({len(shown_ids)} results, {len(early)} of them embargoed)",
        centre=Centre.objects.filter(pk=results.centre_id).first(),
        after={"learner": results.learner_id, "registrations": shown_ids,
               "embargoed": len(early), "file": download},
    )
    return early
