"""Standards verification: the awarding organisation's sampling status per centre programme.

`verification_status_set` is the one way to change a status: it checks the programme, writes
the row and records an audit event in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_record
from resultsday.catalogue.models import Qualification, Suite
from resultsday.centres.choices import VerificationStatus
from resultsday.centres.models import Centre, StandardsVerification

if TYPE_CHECKING:
    from resultsday.accounts.models import User


class VerificationError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@transaction.atomic
def verification_status_set(
    *,
    actor: User | None,
    centre: Centre,
    suite: Suite,
    sector: str,
    status: str,
    reason: str = "",
) -> StandardsVerification:
    """Set one centre programme's status; setting the status it already has records nothing."""
    ao = suite.awarding_organisation
    if status not in VerificationStatus.values:
        raise VerificationError("status", "Select a standards verification status")
    if not centre.awarding_organisations.filter(pk=ao.pk).exists():
        raise VerificationError(
            None, f"Centre {centre.number} is not approved by {ao.name}, so it has no "
            f"{suite.name} programmes"
        )
    if not Qualification.objects.filter(suite=suite, sector=sector).exists():
        raise VerificationError(
            "sector", f"There is no {sector} programme in {suite.name}: check the sector"
        )
    verification, _ = StandardsVerification.objects.select_for_update().get_or_create(
        centre=centre, suite=suite, sector=sector
    )
    before = verification.status
    if before == status:
        return verification
    verification.status = status
    verification.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.VERIFICATION_STATUS_SET,
        summary=f"Standards verification of {suite.name} {sector} at centre {centre.number}: "
        f"{VerificationStatus(before).label} to {verification.get_status_display()}",
        obj=verification,
        centre=centre,
        awarding_organisation=ao,
        before={"status": before},
        after={"status": status},
        reason=reason.strip(),
    )
    return verification
