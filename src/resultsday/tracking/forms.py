from __future__ import annotations

from typing import Any

from django import forms

from resultsday.core.forms import GovukForm
from resultsday.tracking.status import StatusCode

SORTS = [("name", "Learner name"), ("status", "Status"), ("deadline", "Deadline"),
         ("qualification", "Qualification")]


class DashboardFilterForm(GovukForm):
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses")] + [(c.value, c.label) for c in StatusCode])
    qualification = forms.ChoiceField(required=False, choices=[("", "All qualifications")])
    series = forms.ChoiceField(required=False, choices=[("", "All series")])
    sort = forms.ChoiceField(required=False, choices=SORTS)

    def __init__(self, *args: Any, qualifications: list[tuple[str, str]],
                 series: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qualification = self.fields["qualification"]
        assert isinstance(qualification, forms.ChoiceField)
        qualification.choices = [("", "All qualifications"), *qualifications]
        series_field = self.fields["series"]
        assert isinstance(series_field, forms.ChoiceField)
        series_field.choices = [("", "All series"), *[(str(i), n) for i, n in series]]


class DeclarationForm(GovukForm):
    signed_name = forms.CharField(
        label="Your full name", max_length=200,
        error_messages={"required": "Enter your full name to sign the declaration"},
    )
    confirm = forms.BooleanField(
        label="I confirm this list is correct and complete to the best of my knowledge",
        error_messages={"required": "Confirm that the list is correct"},
    )


class AtRiskFilterForm(GovukForm):
    centre = forms.CharField(required=False, max_length=5, label="Centre number")
    qualification = forms.CharField(required=False, max_length=10, label="QN")
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses")] + [(c.value, c.label) for c in StatusCode])
