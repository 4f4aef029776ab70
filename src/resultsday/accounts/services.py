"""Services for accounts: the one way to write an audit event, and role grants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.models import ApiToken, AuditEvent, Membership, User

if TYPE_CHECKING:
    from django.db.models import Model

    from resultsday.catalogue.models import AwardingOrganisation
    from resultsday.centres.models import Centre


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
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None and actor.pk else "system",
        action=action,
        summary=summary[:300],
        centre=centre,
        awarding_organisation=awarding_organisation,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=before,
        after=after,
        reason=reason,
        ip_address=ip_address,
    )


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


def api_token_create(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Make an API key for `user`. Returns the token row and the secret, shown only once."""
    import hashlib
    import secrets

    secret = f"rd_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:11],
        key_hash=hashlib.sha256(secret.encode()).hexdigest(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.API_TOKEN_CREATED,
        summary=f"API key {token.prefix}… created for {user.get_username()}",
        obj=token,
    )
    return token, secret


def api_token_authenticate(*, secret: str) -> User | None:
    import hashlib

    from django.utils import timezone

    digest = hashlib.sha256(secret.encode()).hexdigest()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
