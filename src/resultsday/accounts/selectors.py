from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from resultsday.accounts.access import principal_for
from resultsday.accounts.models import AuditEvent
from resultsday.accounts.permissions import Permission


def audit_events_for_user(user: Any) -> QuerySet[AuditEvent]:
    """Audit events a user may read: their centres' events, or their AO's own events.

    An AO reads the events that name it (`awarding_organisation`), at any centre, but not a
    centre's other events: a centre approved by several AOs has events about each AO's
    learners, and one AO must not read another's.
    """
    p = principal_for(user)
    ao_ids = p.ao_ids(Permission.AO_AUDIT_READ)
    condition = Q(centre_id__in=p.centre_ids(Permission.CENTRE_AUDIT_READ))
    if ao_ids:
        condition |= Q(awarding_organisation_id__in=ao_ids)
    return AuditEvent.objects.filter(condition).order_by("-at", "-id")
