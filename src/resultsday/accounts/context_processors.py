"""Navigation by role, shown in the service navigation of every page."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from resultsday.accounts.access import principal_for
from resultsday.accounts.permissions import Permission

NAVIGATION: list[tuple[str, str, tuple[Permission, ...]]] = [
    ("Home", "core:home", ()),
    ("Catalogue", "catalogue:index", (Permission.AO_CATALOGUE_READ,)),
    ("Key dates", "catalogue:key_dates", ()),
    ("Grade calculator", "catalogue:calculator", (Permission.GRADE_CALCULATOR_USE,)),
    ("Audit", "accounts:audit", (Permission.CENTRE_AUDIT_READ, Permission.AO_AUDIT_READ)),
    ("API keys", "accounts:api_keys", (Permission.API_KEYS_MANAGE,)),
]


@functools.cache
def _url(name: str, urlconf: Any, prefix: str) -> str:
    """`reverse(name)` for a URL without arguments, worked out once per process (the URL map
    does not change while it runs): every page shows these links, and reversing them each time
    was a tenth of the cost of a cached results page."""
    return reverse(name, urlconf=urlconf)


def navigation(request: HttpRequest) -> dict[str, Any]:
    # The URL map and prefix looked up once for all the links (each lookup is a thread-local).
    urlconf, prefix = get_urlconf(settings.ROOT_URLCONF), get_script_prefix()
    context: dict[str, Any] = {
        "demo_mode": settings.DEMO,
        "govuk_frontend_available": settings.GOVUK_FRONTEND_AVAILABLE,
        "navigation": [],
        "home_url": _url("core:home", urlconf, prefix),
        "sign_out_url": _url("accounts:logout", urlconf, prefix),
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    principal = principal_for(user)
    items = []
    for label, name, permissions in NAVIGATION:
        if permissions and not any(principal.has(p) for p in permissions):
            continue
        href = _url(name, urlconf, prefix)
        items.append({"label": label, "url": href, "active": request.path == href})
    context["navigation"] = items
    return context
