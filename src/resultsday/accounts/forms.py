from django.contrib.auth.forms import AuthenticationForm

from resultsday.core.forms import GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your exams officer or administrator.",
    }
