"""Services for accounts: the one way to write an audit event, and role grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.models import API_KEY_LIFETIME, ApiToken, AuditEvent, Membership, User
from resultsday.core.db import rows_insert

__all__ = ["audit_event", "audit_record", "audit_record_many", "rows_insert"]

if TYPE_CHECKING:
    from django.db.models import Model

    from resultsday.catalogue.models import AwardingOrganisation
    from resultsday.centres.models import Centre


def audit_event(
    *,
    actor: User | None,
    action: AuditAction,
    summary: str,
    obj: Model | None = None,
    centre: Centre | None = None,
    awarding_organisation: AwardingOrganisation | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """An audit event, not yet written: pass it to `audit_record_many` (or use `audit_record`)."""
    return AuditEvent(
        # By id, which is quicker to build when a batch makes a hundred thousand events.
        actor_id=actor.pk if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None and actor.pk else "system",
        action=action,
        summary=summary[:300],
        centre_id=centre.pk if centre is not None else None,
        awarding_organisation_id=(
            awarding_organisation.pk if awarding_organisation is not None else None
        ),
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=before,
        after=after,
        reason=reason,
        ip_address=ip_address,
    )


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    summary: str,
    obj: Model | None = None,
    centre: Centre | None = None,
    awarding_organisation: AwardingOrganisation | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction that makes the change."""
    event = audit_event(
        actor=actor, action=action, summary=summary, obj=obj, centre=centre,
        awarding_organisation=awarding_organisation, before=before, after=after, reason=reason,
        ip_address=ip_address,
    )
    event.save(force_insert=True)
    return event


def audit_record_many(*, events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Write many audit events made by `audit_event`, for a change to many rows at once.

    Call it inside the transaction that makes the changes, after they are written, so each
    event names its object's id.
    """
    if any(event.pk is not None for event in events):
        raise ValueError("Audit events are append-only and cannot be changed.")
    return rows_insert(rows=events)


@transaction.atomic
def membership_grant(
    *,
    actor: User | None,
    user: User,
    role: Role,
    centre: Centre | None = None,
    awarding_organisation: AwardingOrganisation | None = None,
) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, role=role, centre=centre, awarding_organisation=awarding_organisation
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.MEMBERSHIP_GRANTED,
            summary=f"{user.get_username()} is now {role.label} at "
            f"{centre or awarding_organisation or 'all awarding organisations'}",
            obj=membership,
            centre=centre,
            awarding_organisation=awarding_organisation,
            after={"user": user.get_username(), "role": role.value},
        )
    return membership


def api_token_create(
    *, actor: User | None, user: User, name: str, lifetime: dt.timedelta = API_KEY_LIFETIME,
    read_only: bool = False,
) -> tuple[ApiToken, str]:
    """Make an API key for `user`, working for `lifetime` (at most a year). Returns the token
    row and the secret, shown only once."""
    import hashlib
    import secrets

    from django.utils import timezone

    if not dt.timedelta(0) < lifetime <= API_KEY_LIFETIME:
        raise ValueError(f"An API key works for up to {API_KEY_LIFETIME.days} days.")
    secret = f"rd_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:11],
        key_hash=hashlib.sha256(secret.encode()).hexdigest(),
        expires_at=timezone.now() + lifetime,
        read_only=read_only,
    )
    audit_record(
        actor=actor,
        action=AuditAction.API_TOKEN_CREATED,
        summary=f"{'Read-only API key' if read_only else 'API key'} {token.prefix}… created "
        f"for {user.get_username()}, working until {token.expires_at:%Y-%m-%d}",
        obj=token,
        after={"name": name, "expires_at": token.expires_at.isoformat(), "read_only": read_only},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> bool:
    """Revoke an API key from now on (refused at its next call). False if it already was."""
    from django.utils import timezone

    now = timezone.now()
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        return False
    token.revoked_at = now
    audit_record(
        actor=actor,
        action=AuditAction.API_TOKEN_REVOKED,
        summary=f"API key {token.prefix}… of {token.user.get_username()} revoked",
        obj=token,
        after={"revoked_at": now.isoformat()},
    )
    return True


# An API key's "last used" is kept to the hour: enough to spot a key nobody uses any more (the
# admin lists it), and on results day, when each learner's app asks again and again, the
# request stays a read (measured: a write on nearly every call cost about 13% of the API
# request's CPU in process, and a commit each in the database).
TOKEN_LAST_USED_RESOLUTION = dt.timedelta(hours=1)


def api_token_authenticate(*, secret: str, writes: bool = False) -> User | None:
    """The active user holding this unrevoked, unexpired API key (with their principal), or
    None. `writes`: the call would change data, which a read-only key may not do.

    Read from the database on every call, so a revoked key or a deactivated user is refused at
    once; one statement (`accounts.access.user_for_api_key`) rather than ORM query building.
    """
    import hashlib

    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from resultsday.accounts.access import user_for_api_key

    now = timezone.now()
    found = user_for_api_key(key_hash=hashlib.sha256(secret.encode()).hexdigest(), now=now)
    if found is None:
        return None
    user, token_id, last_used_at, read_only = found
    if read_only and writes:
        raise PermissionDenied(
            "This API key can only read. Make a key that can change data on your API keys page."
        )
    if last_used_at is None or now - last_used_at >= TOKEN_LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user
