from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from resultsday.accounts.access import public, requires_any, signed_in
from resultsday.accounts.forms import SignInForm
from resultsday.accounts.permissions import Permission
from resultsday.accounts.selectors import audit_events_for_user

sign_in = public(
    auth_views.LoginView.as_view(
        template_name="accounts/sign_in.html",
        authentication_form=SignInForm,
        redirect_authenticated_user=True,
    )
)
sign_out = signed_in(auth_views.LogoutView.as_view())


@requires_any(Permission.CENTRE_AUDIT_READ, Permission.AO_AUDIT_READ)
def audit_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(audit_events_for_user(request.user), 100).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page})
