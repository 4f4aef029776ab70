"""The home page: each person lands on the page for their role."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from resultsday.accounts.access import (
    awarding_organisations_for_user,
    centres_for_user,
    principal_for,
    public,
    signed_in,
)
from resultsday.accounts.permissions import Permission


@public
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers: the process answers. Reads nothing, so it says nothing about data.

    The results-day benchmark also uses it as the framework's ceiling: the same server and
    middleware as every page, and no work of its own.
    """
    return HttpResponse("ok", content_type="text/plain")


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    principal = principal_for(request.user)
    centres = list(centres_for_user(request.user, Permission.CENTRE_VIEW).filter(
        pk__in=principal.centre_ids(Permission.CENTRE_VIEW)
    ))
    aos = list(awarding_organisations_for_user(request.user, Permission.AO_VIEW))
    destinations: list[tuple[str, str]] = []
    destinations += [(f"Centre {c}", reverse("centres:home", args=[c.number])) for c in centres]
    destinations += [(ao.name, reverse("catalogue:ao_home", args=[ao.code])) for ao in aos]
    if principal.has(Permission.REGULATOR_VIEW):
        destinations.append(("Regulator overview", reverse("catalogue:regulator_home")))
    if principal.is_learner:
        destinations.append(("Your qualifications", reverse("learners:my_home")))
    if len(destinations) == 1:
        return redirect(destinations[0][1])
    return render(request, "core/home.html", {"destinations": destinations})
