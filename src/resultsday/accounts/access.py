"""Who may do what, and on which objects. Deny by default.

Every view declares a permission with `@requires(...)` or opts out with `@public`; a test walks
the URL map and fails on any view that does neither. Every object a user reaches by an id from
the request goes through one of the `get_*_for_user` helpers below, which return the object or
raise 404 — another centre's learner looks exactly like a learner that does not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404

from resultsday.accounts.choices import AO_ROLES, CENTRE_ROLES, Role
from resultsday.accounts.permissions import (
    CENTRE_READS_VIA_AO,
    LEARNER_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
)

if TYPE_CHECKING:
    from resultsday.accounts.models import User
    from resultsday.catalogue.models import AwardingOrganisation
    from resultsday.centres.models import Centre
    from resultsday.learners.models import Learner, Registration

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


@dataclass(frozen=True)
class Principal:
    """What one signed-in user may do, worked out once per request from their memberships."""

    user_id: int | None
    centre_permissions: dict[int, frozenset[Permission]] = field(default_factory=dict)
    ao_permissions: dict[int, frozenset[Permission]] = field(default_factory=dict)
    global_permissions: frozenset[Permission] = frozenset()
    learner_id: int | None = None
    roles: frozenset[str] = frozenset()

    def has(self, permission: Permission) -> bool:
        via_ao = ao_equivalent(permission)
        return (
            permission in self.global_permissions
            or any(permission in p for p in self.centre_permissions.values())
            or any(via_ao in p for p in self.ao_permissions.values())
        )

    def centre_ids(self, permission: Permission) -> set[int]:
        return {cid for cid, perms in self.centre_permissions.items() if permission in perms}

    def ao_ids(self, permission: Permission) -> set[int]:
        return {aid for aid, perms in self.ao_permissions.items() if permission in perms}

    @property
    def is_learner(self) -> bool:
        return self.learner_id is not None


ANONYMOUS = Principal(user_id=None)


def ao_equivalent(permission: Permission) -> Permission:
    """AO staff read the data of the centres their AO approves through one AO permission."""
    return CENTRE_READS_VIA_AO.get(permission, permission)


def principal_for(user: Any) -> Principal:
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_resultsday_principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    principal = _principal(user.pk, _principal_rows(user.pk))
    user._resultsday_principal = principal
    return principal


PrincipalRow = tuple[str, int | None, int | None, int | None]


def _principal(user_id: int, rows: list[PrincipalRow]) -> Principal:
    centre: dict[int, set[Permission]] = {}
    ao: dict[int, set[Permission]] = {}
    global_: set[Permission] = set()
    roles: set[str] = set()
    learner_id: int | None = None
    for role, centre_id, ao_id, own_learner_id in rows:
        if own_learner_id is not None:
            learner_id = own_learner_id
            continue
        perms = ROLE_PERMISSIONS.get(role, frozenset())
        roles.add(role)
        if role in CENTRE_ROLES and centre_id is not None:
            centre.setdefault(centre_id, set()).update(perms)
        elif role in AO_ROLES and ao_id is not None:
            ao.setdefault(ao_id, set()).update(perms)
        elif role == Role.REGULATOR:
            global_.update(perms)
    if learner_id is not None:
        global_.update(LEARNER_PERMISSIONS)
        roles.add("learner")
    return Principal(
        user_id=user_id,
        centre_permissions={k: frozenset(v) for k, v in centre.items()},
        ao_permissions={k: frozenset(v) for k, v in ao.items()},
        global_permissions=frozenset(global_),
        learner_id=learner_id,
        roles=frozenset(roles),
    )


def _principal_rows(user_id: int) -> list[PrincipalRow]:
    """The user's memberships and own learner record in one statement: every signed-in request
    asks, so on results day this is one round trip instead of two."""
    from django.db import connections, router

    from resultsday.accounts.models import Membership
    from resultsday.learners.models import Learner

    memberships, learners = Membership._meta.db_table, Learner._meta.db_table
    with connections[router.db_for_read(Membership)].cursor() as cursor:
        cursor.execute(
            f"SELECT role, centre_id, awarding_organisation_id, NULL FROM {memberships} "
            f"WHERE user_id = %s UNION ALL SELECT '', NULL, NULL, id FROM {learners} "
            "WHERE user_id = %s",
            [user_id, user_id],
        )
        return cursor.fetchall()


# ---- the signed-in user and what they may do, in one statement -----------------------------


def user_with_principal(*, user_id: int) -> User | None:
    """The user with this id, with their principal worked out, from one statement.

    Every signed-in request loads its user (to check the session against the password hash and
    `is_active`) and then its memberships; on results day that is one round trip instead of
    two, with no query building. Nothing is kept between requests, so a password change, a
    deactivation or a membership change counts from the next request.
    """
    return _users_with_principals("u.{pk} = %s", [user_id])


def user_for_api_key(
    *, key_hash: str, now: dt.datetime
) -> tuple[User, int, dt.datetime | None, bool] | None:
    """The active user holding the unrevoked, unexpired API key with this hash, with their
    principal, the key's id, when it was last used and whether it is read-only; from one
    statement, like `user_with_principal`."""
    from resultsday.accounts.models import ApiToken

    field = ApiToken._meta.get_field
    found = _users_with_principals(
        "t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active = %s",
        [key_hash, now, True],
        join=f"JOIN {ApiToken._meta.db_table} t ON t.user_id = u.{{pk}}",
        extra="t.id, t.last_used_at, t.read_only",
        extra_fields=(field("id"), field("last_used_at"), field("read_only")),
    )
    if found is None:
        return None
    token_id, last_used_at, read_only = found._resultsday_extra  # type: ignore[attr-defined]
    return found, token_id, last_used_at, bool(read_only)


@functools.cache
def _users_with_principals_sql(
    alias: str, where: str, join: str, extra: str, extra_fields: tuple[Any, ...]
) -> tuple[str, list[tuple[int, Any, Any]]]:
    """The statement, and the database's converters for its columns (as the ORM applies)."""
    from django.db import connections

    from resultsday.accounts.models import Membership, User
    from resultsday.learners.models import Learner

    connection = connections[alias]
    quote = connection.ops.quote_name
    converters = []
    for i, model_field in enumerate((*User._meta.concrete_fields, *extra_fields)):
        col = model_field.get_col(model_field.model._meta.db_table)
        for convert in (*connection.ops.get_db_converters(col),
                        *model_field.get_db_converters(connection)):
            converters.append((i, col, convert))
    user_columns = ", ".join(f"u.{quote(str(f.column))}" for f in User._meta.concrete_fields)
    sql = (
        f"SELECT {user_columns}{', ' + extra if extra else ''}, "
        "m.role, m.centre_id, m.awarding_organisation_id, l.id "
        f"FROM {User._meta.db_table} u {join} "
        f"LEFT JOIN {Membership._meta.db_table} m ON m.user_id = u.{{pk}} "
        f"LEFT JOIN {Learner._meta.db_table} l ON l.user_id = u.{{pk}} "
        f"WHERE {where}"
    ).replace("{pk}", quote(str(User._meta.pk.column)))
    return sql, converters


def _users_with_principals(
    where: str, params: list[Any], *, join: str = "", extra: str = "",
    extra_fields: tuple[Any, ...] = (),
) -> User | None:
    from django.db import connections, router

    from resultsday.accounts.models import User

    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, converters = _users_with_principals_sql(alias, where, join, extra, extra_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    # A row per membership (at least one): the user's columns repeat; a user has at most one
    # learner record.
    width = len(User._meta.concrete_fields) + len(extra_fields)
    values = list(rows[0][:width])
    for i, col, convert in converters:
        values[i] = convert(values[i], col, connection)
    user_width = len(User._meta.concrete_fields)
    user = User.from_db(alias, [f.attname for f in User._meta.concrete_fields],
                        values[:user_width])
    user._resultsday_extra = tuple(values[user_width:])  # type: ignore[attr-defined]
    principal_rows: list[PrincipalRow] = [
        (row[width], row[width + 1], row[width + 2], None) for row in rows
        if row[width] is not None
    ]
    if rows[0][width + 3] is not None:
        principal_rows.append(("", None, None, rows[0][width + 3]))
    user._resultsday_principal = _principal(user.pk, principal_rows)  # type: ignore[attr-defined]
    return user


def requires(permission: Permission) -> Callable[[ViewFunc], ViewFunc]:
    """Declare the permission a view needs; 403 for a signed-in user without it."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not principal_for(request.user).has(permission):
                raise PermissionDenied(f"You need the permission {permission.value}.")
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def requires_any(*permissions: Permission) -> Callable[[ViewFunc], ViewFunc]:
    """Declare that any one of several permissions opens a view (scope is checked inside)."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            principal = principal_for(request.user)
            if not any(principal.has(p) for p in permissions):
                raise PermissionDenied("You do not have permission to see this page.")
            return view(request, *args, **kwargs)

        wrapper.required_permission = permissions  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: ViewFunc) -> ViewFunc:
    """Mark a page as reachable without signing in. Use sparingly: it is audited by a test."""
    view.is_public = True  # type: ignore[attr-defined]
    return login_not_required(view)  # type: ignore[no-any-return]


def signed_in(view: ViewFunc) -> ViewFunc:
    """Mark a page any signed-in user may open (it must show only the user's own things)."""
    view.any_signed_in_user = True  # type: ignore[attr-defined]
    return view


# ---- scoped querysets and fetches ---------------------------------------------------------


def centres_for_user(user: Any, permission: Permission) -> QuerySet[Centre]:
    from resultsday.centres.models import Centre

    p = principal_for(user)
    return Centre.objects.filter(
        Q(pk__in=p.centre_ids(permission))
        | Q(awarding_organisations__in=p.ao_ids(ao_equivalent(permission)))
    ).distinct()


def learners_for_user(user: Any, permission: Permission) -> QuerySet[Learner]:
    from resultsday.learners.models import Learner

    p = principal_for(user)
    condition = Q(centre_id__in=p.centre_ids(permission))
    ao_ids = p.ao_ids(ao_equivalent(permission))
    if ao_ids:
        condition |= Q(registrations__qualification__awarding_organisation_id__in=ao_ids)
    return Learner.objects.filter(condition).distinct()


def registrations_for_user(user: Any, permission: Permission) -> QuerySet[Registration]:
    from resultsday.learners.models import Registration

    p = principal_for(user)
    condition = Q(centre_id__in=p.centre_ids(permission))
    ao_ids = p.ao_ids(ao_equivalent(permission))
    if ao_ids:
        condition |= Q(qualification__awarding_organisation_id__in=ao_ids)
    if p.learner_id is not None and permission in p.global_permissions:
        condition |= Q(learner_id=p.learner_id)
    return Registration.objects.filter(condition)


def awarding_organisations_for_user(
    user: Any, permission: Permission
) -> QuerySet[AwardingOrganisation]:
    from resultsday.catalogue.models import AwardingOrganisation

    return AwardingOrganisation.objects.filter(pk__in=principal_for(user).ao_ids(permission))


def get_centre_for_user(request: HttpRequest, number: str, permission: Permission) -> Centre:
    return get_object_or_404(centres_for_user(request.user, permission), number=number)


def get_learner_for_user(request: HttpRequest, pk: int, permission: Permission) -> Learner:
    return get_object_or_404(learners_for_user(request.user, permission), pk=pk)


def get_registration_for_user(
    request: HttpRequest, pk: int, permission: Permission
) -> Registration:
    return get_object_or_404(
        registrations_for_user(request.user, permission).select_related(
            "learner", "qualification", "series", "centre"
        ),
        pk=pk,
    )


def get_awarding_organisation_for_user(
    request: HttpRequest, code: str, permission: Permission
) -> AwardingOrganisation:
    return get_object_or_404(awarding_organisations_for_user(request.user, permission), code=code)


def own_learner_id(request: HttpRequest) -> int:
    """The signed-in learner's own learner id (no query beyond the principal's), or 404."""
    learner_id = principal_for(request.user).learner_id
    if learner_id is None:
        raise Http404("No learner record is linked to this account.")
    return learner_id


def own_learner(request: HttpRequest) -> Learner:
    from resultsday.learners.models import Learner

    p = principal_for(request.user)
    if p.learner_id is None:
        raise Http404("No learner record is linked to this account.")
    return Learner.objects.select_related("centre").get(pk=p.learner_id)
