"""A page that is one body made in advance (from a cache) inside the layout, `base.html`,
without running the template engine over the layout on every request.

On results day the learner's results page (`/my/`) is one body the results cache holds, inside
the layout. Rendering the layout cost more than everything else the page does once its body
comes from the cache (0.7 ms of about 2.5 ms of CPU a request, measured), yet between two
requests for the same navigation it differs in three values only: the body, the signed-in
user's name and the CSRF token of the sign-out form. So each process renders the layout once
per template and navigation, through the same template and context processors, with a marker
in place of each of the three values; each request then fills them in, escaped as the
template escapes them. The shell is code, not data (the user's name and their results come
from the request), so keeping it in the process is safe; a test checks that the page is
byte for byte the page the template renders. A page with a message to show
(`django.contrib.messages`) is rendered in full, so that the message shows and is used up.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from resultsday.accounts.context_processors import navigation

# Letters and digits only, so that escaping leaves them as they are; random, so that no page
# text can hold one.
_MARK = f"rdlayout{secrets.token_hex(8)}"
BODY, USERNAME, CSRF_TOKEN = f"{_MARK}body", f"{_MARK}username", f"{_MARK}csrf"
_SPLIT = re.compile(f"({BODY}|{USERNAME}|{CSRF_TOKEN})")
# A shell per template and navigation: a handful in practice. Past this, pages render in full.
_MAX_SHELLS = 64
_shells: dict[tuple[Any, ...], tuple[str, ...] | None] = {}


class _SignedInAs:
    """The signed-in user as the layout sees them, with a marker for their name."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def get_username(self) -> str:
        return USERNAME

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)


def _shell(request: HttpRequest, template_name: str) -> tuple[str, ...] | None:
    """The page as the template renders it for this request, split around the three markers;
    None if a marker does not appear exactly once (the template has changed: render in full)."""
    page = render_to_string(
        template_name,
        {"body": mark_safe(BODY), "csrf_token": CSRF_TOKEN,  # noqa: S308 (a marker)
         "user": _SignedInAs(request.user), "messages": ()},
        request,
    )
    parts = tuple(_SPLIT.split(page))
    if sorted(p for p in parts if p in (BODY, USERNAME, CSRF_TOKEN)) != sorted(
        (BODY, USERNAME, CSRF_TOKEN)
    ):
        return None
    return parts


def render_body_in_layout(request: HttpRequest, template_name: str, body: str) -> HttpResponse:
    """`render(request, template_name, {"body": body})` for a template that extends the layout
    and shows `body` as its content, the layout rendered once per process and navigation."""
    if len(get_messages(request)):
        return render(request, template_name, {"body": body})
    items = navigation(request)["navigation"]
    key = (template_name, *((i["label"], i["url"], i["active"]) for i in items))
    if key in _shells:
        parts = _shells[key]
    else:
        parts = _shell(request, template_name)
        if len(_shells) < _MAX_SHELLS:
            _shells[key] = parts
    if parts is None:
        return render(request, template_name, {"body": body})
    values = {
        BODY: conditional_escape(body),
        USERNAME: conditional_escape(request.user.get_username()),  # type: ignore[union-attr]
        CSRF_TOKEN: conditional_escape(get_token(request)),
    }
    return HttpResponse("".join(values.get(part, part) for part in parts))
