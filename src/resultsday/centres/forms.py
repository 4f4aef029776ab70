from __future__ import annotations

from django import forms

from resultsday.centres.choices import VerificationStatus
from resultsday.core.forms import GovukForm


class VerificationForm(GovukForm):
    status = forms.ChoiceField(
        label="Standards verification status", choices=VerificationStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a standards verification status",
                        "invalid_choice": "Select a standards verification status"},
    )
    reason = forms.CharField(
        label="Why is the status changing? (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerificationFilterForm(GovukForm):
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[("", "All statuses"), *VerificationStatus.choices],
    )
    centre = forms.CharField(label="Centre number", required=False, max_length=5)
