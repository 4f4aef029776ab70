from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from resultsday.accounts.access import (
    get_centre_for_user,
    get_learner_for_user,
    learners_for_user,
    own_learner,
    registrations_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.learners.selectors import learner_registrations, learner_search


@requires(Permission.CENTRE_LEARNERS_READ)
def learner_list(request: HttpRequest, number: str) -> HttpResponse:
    centre = get_centre_for_user(request, number, Permission.CENTRE_LEARNERS_READ)
    query = request.GET.get("q", "")
    learners = learner_search(
        learners=learners_for_user(request.user, Permission.CENTRE_LEARNERS_READ).filter(
            centre=centre
        ),
        query=query,
    ).order_by("last_name", "first_name", "pk")
    page = Paginator(learners, 50).get_page(request.GET.get("page"))
    return render(
        request, "learners/list.html", {"centre": centre, "page": page, "query": query}
    )


@requires(Permission.CENTRE_LEARNERS_READ)
def learner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_learner_for_user(request, pk, Permission.CENTRE_LEARNERS_READ)
    registrations = learner_registrations(
        registrations=registrations_for_user(
            request.user, Permission.CENTRE_LEARNERS_READ
        ).filter(learner=learner)
    )
    return render(
        request, "learners/detail.html", {"learner": learner, "registrations": registrations}
    )


@requires(Permission.LEARNER_OWN_RESULTS_READ)
def my_home(request: HttpRequest) -> HttpResponse:
    learner = own_learner(request)
    registrations = learner_registrations(registrations=learner.registrations.all())
    return render(
        request, "learners/my_home.html", {"learner": learner, "registrations": registrations}
    )
