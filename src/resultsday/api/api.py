"""The JSON API at /api/v1 for MIS software. OpenAPI schema at /api/v1/openapi.json.

Deny by default: every operation needs a signed-in session or an API key
(`Authorization: Bearer rd_...`), and then the permission the operation declares. Errors have
one shape: {"error": "..."}.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.types import DictStrAny

from resultsday.accounts.services import api_token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _nul_at(value: Any, path: str) -> str | None:
    """Where in a parsed request a NUL character is, if anywhere (a dotted path)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return f"{path}.{key!r}".lstrip(".")
        found = _nul_at(item, f"{path}.{key}".lstrip("."))
        if found is not None:
            return found
    return None


class TextParser(Parser):
    """JSON bodies and query strings, refusing a NUL character in any text: no database column
    can store one (PostgreSQL refuses it with an error), so every operation is spared it."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return self._checked(super().parse_body(request))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        return self._checked(super().parse_querydict(data, list_fields, request))

    @staticmethod
    def _checked(parsed: DictStrAny) -> DictStrAny:
        where = _nul_at(parsed, "")
        if where is not None:
            raise UnstorableText(f"{where or 'body'}: contains a NUL character (U+0000), which "
                                 "cannot be stored: remove it and send the request again.")
        return parsed


class UnstorableText(ValueError):
    """Text in a request that no column can store (ninja reports a body it cannot parse as a
    400 "Cannot parse request body", keeping this as the cause: answered as 422 below)."""


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(secret=token, writes=request.method not in SAFE_METHODS)
        if user is None:
            return None
        request.user = user
        return user


class SessionCookie(APIKeyCookie):
    """The browser's own session, for pages that call the API. CSRF is checked by ninja."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return request.user
        return None


api = NinjaAPI(
    title="resultsday API",
    version="1",
    description="Results platform API for MIS software. Errors: {\"error\": \"...\"}.",
    auth=[BearerToken(), SessionCookie(csrf=True)],
    parser=TextParser(),
    urls_namespace="api",
)


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"error": message}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, "Sign in or send an API key: Authorization: Bearer <key>.", 401)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, str(exc) or "You do not have permission to do this.", 403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, "Not found.", 404)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for err in exc.errors:
        where = ".".join(str(part) for part in err.get("loc", ()) if part not in ("body",))
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return _error(request, "; ".join(problems) or "The request is not valid.", 422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, UnstorableText):
        return _unstorable(request, exc.__cause__)
    return _error(request, str(exc), exc.status_code)


@api.exception_handler(UnstorableText)
def _unstorable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, str(exc), 422)


def _mount_routers() -> None:
    from resultsday.accounts.api import router as accounts_router
    from resultsday.assessment.api import router as assessment_router
    from resultsday.awarding.api import router as awarding_router
    from resultsday.catalogue.api import router as catalogue_router
    from resultsday.centres.api import router as centres_router
    from resultsday.learners.api import router as learners_router
    from resultsday.release.api import router as release_router
    from resultsday.release.centre_api import router as release_centre_router
    from resultsday.tracking.api import router as tracking_router

    api.add_router("/", accounts_router)
    api.add_router("/", assessment_router)
    api.add_router("/", awarding_router)
    api.add_router("/", catalogue_router)
    api.add_router("/", centres_router)
    api.add_router("/", learners_router)
    api.add_router("/", release_router)
    api.add_router("/", release_centre_router)
    api.add_router("/", tracking_router)


_mount_routers()
