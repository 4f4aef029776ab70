from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from resultsday.accounts.access import public, requires, requires_any, signed_in
from resultsday.accounts.forms import ApiKeyForm, SignInForm
from resultsday.accounts.models import ApiToken
from resultsday.accounts.permissions import Permission
from resultsday.accounts.selectors import audit_events_for_user
from resultsday.accounts.services import api_token_create, api_token_revoke

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


@requires(Permission.API_KEYS_MANAGE)
def api_keys(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own API keys: make one (its secret shown once), list and revoke."""
    form = ApiKeyForm(request.POST or None)
    made, secret = None, None
    if request.method == "POST" and form.is_valid():
        made, secret = api_token_create(
            actor=request.user,  # type: ignore[arg-type]
            user=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            lifetime=dt.timedelta(days=form.cleaned_data["lifetime"]),
            read_only=form.cleaned_data["read_only"],
        )
        form = ApiKeyForm()
    response = render(request, "accounts/api_keys.html", {
        "form": form, "made": made, "secret": secret, "now": timezone.now(),
        "keys": ApiToken.objects.filter(user=request.user.pk).order_by("-created_at"),
    })
    if secret is not None:
        response["Cache-Control"] = "no-store"  # the secret is shown this once
    return response


@requires(Permission.API_KEYS_MANAGE)
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user_id=request.user.pk)
    if api_token_revoke(actor=request.user, token=token):  # type: ignore[arg-type]
        messages.success(request, f"API key {token.prefix}… revoked: it no longer works.")
    return redirect("accounts:api_keys")
