"""Services for accounts: the one way to write an audit event, and role grants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import connections, router, transaction

from resultsday.accounts.choices import AuditAction, Role
from resultsday.accounts.models import ApiToken, AuditEvent, Membership, User

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


_M = TypeVar("_M", bound="Model")
_PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey",
    "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
    "TextField",
}


def rows_insert(*, rows: Sequence[_M]) -> list[_M]:
    """Insert new rows of one model, like `bulk_create`, and give each its id.

    On PostgreSQL the rows go in by COPY, several times faster than the INSERT bulk_create
    makes, which is what lets an upload of a hundred thousand grades or entries, each with its
    audit event, be written in seconds. Each value is prepared by its field as for an INSERT.
    """
    if not rows:
        return []
    model = type(rows[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(rows, batch_size=2000)
    meta = model._meta
    fields = meta.concrete_fields
    # Values of these types are written as they are; the others are prepared by their field.
    prepared = [f.get_internal_type() not in _PLAIN_TYPES for f in fields]
    columns = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # COPY returns nothing, so the ids are taken from the table's sequence first.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
        table = connection.ops.quote_name(meta.db_table)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([
                    f.get_db_prep_save(f.pre_save(row, add=True), connection) if prepare
                    else getattr(row, f.attname)
                    for f, prepare in zip(fields, prepared, strict=True)
                ])
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias
    return list(rows)


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
