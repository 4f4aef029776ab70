"""Navigation by role, shown in the service navigation of every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from resultsday.accounts.access import principal_for
from resultsday.accounts.permissions import Permission

NAVIGATION: list[tuple[str, str, tuple[Permission, ...]]] = [
    ("Home", "core:home", ()),
    ("Catalogue", "catalogue:index", (Permission.AO_CATALOGUE_READ,)),
    ("Key dates", "catalogue:key_dates", ()),
    ("Grade calculator", "catalogue:calculator", (Permission.GRADE_CALCULATOR_USE,)),
    ("Audit", "accounts:audit", (Permission.CENTRE_AUDIT_READ, Permission.AO_AUDIT_READ)),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "demo_mode": settings.DEMO,
        "govuk_frontend_available": settings.GOVUK_FRONTEND_AVAILABLE,
        "navigation": [],
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    principal = principal_for(user)
    items = []
    for label, name, permissions in NAVIGATION:
        if permissions and not any(principal.has(p) for p in permissions):
            continue
        url = reverse(name)
        items.append({"label": label, "url": url, "active": request.path == url})
    context["navigation"] = items
    return context
