from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from resultsday.accounts.access import get_centre_for_user, requires
from resultsday.accounts.permissions import Permission
from resultsday.centres.selectors import centre_overview


@requires(Permission.CENTRE_VIEW)
def centre_home(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, Permission.CENTRE_VIEW)
    return render(
        request, "centres/home.html", {"centre": centre, **centre_overview(centre=centre)}
    )
