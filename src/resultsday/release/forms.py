from __future__ import annotations

from django import forms

from resultsday.core.forms import GovukForm


class DiscretionaryReleaseForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=300,
        label="Why are you releasing this result before results day?",
        help_text="For example: the learner needs it for a job offer; no exam was taken.",
        error_messages={"required": "Enter why you are releasing this result"},
    )
