from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from resultsday.accounts.access import (
    get_awarding_organisation_for_user,
    get_registration_for_user,
    requires,
)
from resultsday.accounts.permissions import Permission
from resultsday.release.forms import DiscretionaryReleaseForm
from resultsday.release.selectors import embargoed_views_for_ao
from resultsday.release.services import (
    ReleaseError,
    discretionary_release_create,
    discretionary_release_refusal,
)

RELEASE = Permission.CENTRE_RESULTS_RELEASE


@requires(RELEASE)
def discretionary_release(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_registration_for_user(request, pk, RELEASE)
    form = DiscretionaryReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discretionary_release_create(
                actor=request.user,  # type: ignore[arg-type]
                registration=registration, reason=form.cleaned_data["reason"],
            )
        except ReleaseError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"{registration.learner.full_name} can now see this result."
            )
            return redirect("learners:detail", pk=registration.learner_id)
    return render(
        request, "release/discretionary_release.html",
        {"registration": registration, "form": form,
         "refusal": discretionary_release_refusal(registration)},
    )


@requires(Permission.AO_EMBARGOED_VIEWS_READ)
def embargoed_view_list(request: HttpRequest, code: str) -> HttpResponse:
    ao = get_awarding_organisation_for_user(request, code, Permission.AO_EMBARGOED_VIEWS_READ)
    page = Paginator(embargoed_views_for_ao(ao), 100).get_page(request.GET.get("page"))
    return render(request, "release/embargoed_views.html", {"ao": ao, "page": page})
