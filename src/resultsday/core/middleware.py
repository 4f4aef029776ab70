from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBadRequest, HttpResponseBase, JsonResponse
from whitenoise.middleware import WhiteNoiseMiddleware


class AssetsMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, plus GOV.UK Frontend's fonts and images at /assets/.

    The package's precompiled stylesheet refers to its fonts and images by the absolute path
    /assets/, so they are served there as well as under /static/.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assets = settings.GOVUK_FRONTEND_DIST / "govuk" / "assets"
        if assets.is_dir():
            self.add_files(str(assets), prefix="assets/")


class RefuseNulMiddleware:
    """A NUL character in a request's path (or, for a page, its query string) is refused before
    any view runs: no object can have such a name, and PostgreSQL refuses to compare text that
    holds one (a server error). The API's bodies and query strings are refused by its parser
    with the field named (api.api.TextParser)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        api = request.path_info.startswith("/api/")
        if "\x00" in request.path_info:
            if api:
                return JsonResponse({"error": "Not found."}, status=404)
            raise Http404("No page has a NUL character in its address.")
        # In a query string a NUL can only arrive encoded (a raw one is not a valid URL).
        if not api and "%00" in request.META.get("QUERY_STRING", ""):
            return HttpResponseBadRequest(
                "The address holds a NUL character (%00), which no search or filter can use: "
                "remove it.", content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
