from __future__ import annotations

from typing import Any

from django import forms

from resultsday.core.forms import GovukForm


class DiscretionaryReleaseForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=300,
        label="Why are you releasing this result before results day?",
        help_text="For example: the learner needs it for a job offer; no exam was taken.",
        error_messages={"required": "Enter why you are releasing this result"},
    )


def _set_choices(field: forms.Field, choices: list[tuple[str, str]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class BroadsheetFilterForm(GovukForm):
    """The broadsheet's filters and sort; the exports and the results file take the same."""

    series = forms.ChoiceField(required=False, label="Series")
    qualification = forms.ChoiceField(required=False, label="Qualification")
    status = forms.ChoiceField(required=False, label="Status")
    grade = forms.ChoiceField(required=False, label="Grade")
    q = forms.CharField(required=False, max_length=100, label="Name, candidate number or ULN")
    sort = forms.ChoiceField(required=False, label="Sort by")

    def __init__(
        self, *args: Any, series: list[tuple[str, str]], qualifications: list[tuple[str, str]],
        statuses: list[tuple[str, str]], grades: list[str], sorts: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["series"], series)
        _set_choices(self.fields["qualification"], [("", "All qualifications"), *qualifications])
        _set_choices(self.fields["status"], [("", "All statuses"), *statuses])
        _set_choices(self.fields["grade"], [("", "All grades"), *[(g, g) for g in grades]])
        _set_choices(self.fields["sort"], sorts)

    def value(self, name: str) -> str:
        """The cleaned value, or the value as given when it is not one of today's choices (a
        stale link, say): a filter only ever narrows what the viewer may see anyway."""
        cleaned = getattr(self, "cleaned_data", {}).get(name)
        if cleaned:
            return str(cleaned)
        return str(self.data.get(name, "")).strip()[:100] if self.is_bound else ""
