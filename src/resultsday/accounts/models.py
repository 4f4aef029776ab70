from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from resultsday.accounts.choices import AO_ROLES, CENTRE_ROLES, AuditAction, Role


class User(AbstractUser):
    """A person who signs in: centre staff, AO staff, a regulator or a learner."""

    is_demo = models.BooleanField(default=False, help_text="Made by the demo seed.")

    class Meta:
        db_table = "accounts_user"


class Membership(models.Model):
    """A role held by a user, scoped to one centre, one awarding organisation, or (regulator) none."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    centre = models.ForeignKey(
        "centres.Centre", null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships",
    )
    awarding_organisation = models.ForeignKey(
        "catalogue.AwardingOrganisation", null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=sorted(r.value for r in CENTRE_ROLES), centre__isnull=False,
                      awarding_organisation__isnull=True)
                    | Q(role__in=sorted(r.value for r in AO_ROLES), centre__isnull=True,
                        awarding_organisation__isnull=False)
                    | Q(role=Role.REGULATOR, centre__isnull=True,
                        awarding_organisation__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "centre", "awarding_organisation"],
                name="membership_unique",
            ),
        ]

    def __str__(self) -> str:
        scope = self.centre or self.awarding_organisation or "all awarding organisations"
        return f"{self.user} — {self.get_role_display()} ({scope})"


class AuditEvent(models.Model):
    """One regulated change or sign-in: who, when, what before and after, and why.

    Written by the service that makes the change, in the same transaction. Never updated.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor_label = models.CharField(max_length=150, help_text="Username, or 'system'.")
    # No `choices=`: the list of actions grows with every feature and is validated by the
    # AuditAction enum in audit_record, not by a migration per new action.
    action = models.CharField(max_length=48, db_index=True)
    centre = models.ForeignKey(
        "centres.Centre", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    awarding_organisation = models.ForeignKey(
        "catalogue.AwardingOrganisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Invariant, not logic: the audit trail is append-only.
        if self.pk is not None and not self._state.adding:
            raise ValueError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def action_label(self) -> str:
        try:
            return str(AuditAction(self.action).label)
        except ValueError:
            return self.action


#: How long an API key works unless its holder chooses a shorter time (our policy, not an
#: official figure): a key left in an old MIS export stops working on its own.
API_KEY_LIFETIME = dt.timedelta(days=365)


def api_key_expiry() -> dt.datetime:
    return timezone.now() + API_KEY_LIFETIME


class ApiToken(models.Model):
    """A key an MIS uses to call /api/v1 as a user. Only a hash of the secret is stored.

    It works until it expires or is revoked, and a read-only key can only read (GET).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'SIMS export'.")
    prefix = models.CharField(max_length=12, unique=True, help_text="Shown to identify the key.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=api_key_expiry)
    read_only = models.BooleanField(
        default=False, help_text="Can only read: any call that would change data is refused."
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
