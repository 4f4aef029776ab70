"""Sign-in audit events. Django reports sign-ins only through these signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.services import audit_record


def _ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, summary="Signed in", ip_address=_ip(request))


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            actor=user, action=AuditAction.LOGOUT, summary="Signed out", ip_address=_ip(request)
        )


@receiver(user_login_failed)
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:100]
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        summary=f"Failed sign-in for username {username!r}",
        ip_address=_ip(request),
    )
