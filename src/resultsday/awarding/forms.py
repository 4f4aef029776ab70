from __future__ import annotations

from django import forms

from resultsday.awarding.choices import RunMode, RunPolicy
from resultsday.catalogue.models import Series
from resultsday.core.forms import GovukForm


class AwardingRunForm(GovukForm):
    series = forms.ModelChoiceField(
        queryset=Series.objects.none(), empty_label="Select a series",
        error_messages={"required": "Select a series"},
    )
    mode = forms.ChoiceField(
        choices=RunMode.choices, initial=RunMode.PREVIEW, label="Preview or commit",
        help_text="Preview first: it shows how many grades would go up or down, and for whom.",
    )
    policy = forms.ChoiceField(
        choices=RunPolicy.choices, initial=RunPolicy.STANDARD,
        label="Policy", help_text="Up only keeps the higher of the issued grade and the new grade.",
    )
    reason = forms.CharField(
        max_length=300, label="Why are you running awarding?",
        error_messages={"required": "Enter why you are running awarding"},
    )

    def __init__(self, *args: object, awarding_organisation_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["series"].queryset = Series.objects.filter(  # type: ignore[attr-defined]
            awarding_organisation_id=awarding_organisation_id
        )


class DeclineForm(GovukForm):
    consent_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=250,
        label="How did the learner give consent?",
        help_text="For example: signed consent form dated 2 September, kept on file.",
        error_messages={"required": "Enter how the learner gave consent"},
    )
