"""Django's model backend, loading the signed-in user together with what they may do."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from resultsday.accounts.access import user_with_principal


class UserBackend(ModelBackend):
    """`ModelBackend`, except that a signed-in request's user and memberships come from one
    statement (`accounts.access.user_with_principal`) rather than two ORM queries.

    Django still checks the session against the user's password hash and `is_active` on every
    request, so a password change or a deactivation signs the user out at once.
    """

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = user_with_principal(user_id=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
