from django import forms
from django.contrib.auth.forms import AuthenticationForm

from resultsday.core.forms import GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your exams officer or administrator.",
    }


class ApiKeyForm(GovukFormMixin, forms.Form):
    """A new API key for the signed-in user."""

    name = forms.CharField(
        label="What is the key for?", max_length=100,
        help_text="For example, 'SIMS results import'. You see this name in your list of keys.",
        error_messages={"required": "Enter what the key is for"},
    )
    lifetime = forms.TypedChoiceField(
        label="How long should it work?", coerce=int, initial=90,
        choices=[(30, "30 days"), (90, "90 days"), (365, "1 year (the longest)")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how long the key should work"},
    )
    read_only = forms.BooleanField(
        label="Read only: the key can fetch data but not change anything", required=False,
        initial=True,
    )
