"""Permission checks for API operations, mirroring `accounts.access.requires` for views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from resultsday.accounts.access import principal_for
from resultsday.accounts.permissions import Permission


def api_require(request: HttpRequest, permission: Permission) -> None:
    if not principal_for(request.user).has(permission):
        raise PermissionDenied(f"You need the permission {permission.value}.")
