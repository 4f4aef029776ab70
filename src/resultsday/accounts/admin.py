from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import ApiToken, AuditEvent, Membership, User
from resultsday.accounts.services import api_token_revoke, audit_record

_VERBS = {AuditAction.ADMIN_ADDED: "added", AuditAction.ADMIN_CHANGED: "changed",
          AuditAction.ADMIN_DELETED: "deleted"}


class AuditedAdmin(admin.ModelAdmin):
    """An admin page whose every addition, change and deletion is an audit event, as a service's
    change is (Django's own admin log is kept too). The before and after values of a change are
    not known here: a model whose changes need them is read-only below, or records them itself
    (the series' key dates)."""

    def _audit(self, request: HttpRequest, action: AuditAction, obj: Model, detail: Any) -> None:
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=action, obj=obj,
            summary=f"{str(obj._meta.verbose_name).capitalize()} {obj} {_VERBS[action]} in the admin site",
            after={"admin": detail},
        )

    def log_addition(self, request, obj, message):  # type: ignore[no-untyped-def]
        self._audit(request, AuditAction.ADMIN_ADDED, obj, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):  # type: ignore[no-untyped-def]
        self._audit(request, AuditAction.ADMIN_CHANGED, obj, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):  # type: ignore[no-untyped-def]
        for obj in queryset:
            self._audit(request, AuditAction.ADMIN_DELETED, obj, str(obj))
        return super().log_deletions(request, queryset)


class ReadOnlyAdmin(AuditedAdmin):
    """Records of what happened (results, claims, registrations, tokens…): they change only
    through their services, which audit the change with its before and after, keep the results
    cache right and flag the UCAS feed. The admin site lists and shows them."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["centre"]


@admin.register(User)
class ResultsdayUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_demo"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "summary", "centre"]
    list_filter = ["action"]
    search_fields = ["summary", "actor_label", "object_id"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Keys are made by `api_token_create` and revoked here by the audited action below; a key
    is never edited (moving one to another user would hand its secret that user's rights)."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected API keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = [token for token in queryset.select_related("user") if api_token_revoke(
            actor=request.user, token=token)]  # type: ignore[arg-type]
        self.message_user(request, f"{len(revoked)} API key(s) revoked.", messages.SUCCESS)
