from __future__ import annotations

from typing import Any

from django import forms

from resultsday.assessment.choices import INTERNAL_GRADES
from resultsday.assessment.selectors import GridRow
from resultsday.assessment.services import UnitGradeError
from resultsday.catalogue.models import Qualification, Unit
from resultsday.core.forms import GovukForm

GRADE_CHOICES = [(g.value, f"{g.value} – {g.label}") for g in INTERNAL_GRADES]
_GRADE_ERRORS = {"required": "Select a grade", "invalid_choice": "Select a grade: U, P, M or D"}


class UnitGradeForm(GovukForm):
    grade = forms.ChoiceField(
        label="Grade", choices=GRADE_CHOICES, widget=forms.RadioSelect,
        error_messages=_GRADE_ERRORS,
    )
    is_retake = forms.BooleanField(
        label="This grade is from a retake (a retake can achieve at most a Pass)", required=False
    )
    reason = forms.CharField(
        label="Why are you changing this grade? (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def add_service_errors(self, error: UnitGradeError) -> None:
        for problem in error.problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


class GridChoiceForm(GovukForm):
    """Which group to grade: a qualification, then one of its internal units (a GET form)."""

    qualification = forms.ModelChoiceField(
        queryset=Qualification.objects.none(), empty_label="Select a qualification",
        error_messages={"required": "Select a qualification",
                        "invalid_choice": "Select a qualification"},
    )
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), empty_label="Select a unit", required=False,
        error_messages={"invalid_choice": "Select a unit of the qualification"},
    )

    def __init__(self, *args: Any, qualifications: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = qualifications  # type: ignore[attr-defined]
        self.fields["qualification"].label_from_instance = (  # type: ignore[attr-defined]
            lambda q: f"{q.title} ({q.qn})"
        )
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            pk__in=[u.pk for u in units]
        )
        self.fields["unit"].label_from_instance = str  # type: ignore[attr-defined]


class UnitGridForm(GovukForm):
    """One grade select and one retake box per learner; a blank grade leaves the unit alone."""

    reason = forms.CharField(
        label="Why are you changing these grades? (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, rows: list[GridRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            learner = row.registration.learner
            pk = row.registration.pk
            self.fields[f"grade_{pk}"] = forms.ChoiceField(
                label=f"Grade for {learner.full_name}", required=False,
                choices=[("", "Not reported"), *GRADE_CHOICES],
                initial=row.current.grade if row.current else "",
                error_messages={"invalid_choice": f"Select a grade for {learner.full_name}"},
                widget=forms.Select(attrs={"class": "govuk-select"}),
            )
            self.fields[f"retake_{pk}"] = forms.BooleanField(
                label=f"{learner.full_name}'s grade is from a retake", required=False,
                initial=row.current.is_retake if row.current else False,
            )
        # The GOV.UK mixin classed the widgets before these fields existed.
        for name, field in self.fields.items():
            if name.startswith("retake_"):
                field.widget.attrs["class"] = "govuk-checkboxes__input"

    def grid(self) -> list[tuple[GridRow, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"grade_{row.registration.pk}"], self[f"retake_{row.registration.pk}"])
            for row in self.rows
        ]

    def chosen(self) -> list[tuple[GridRow, str, bool]]:
        """The rows given a grade, with the grade and the retake flag."""
        data = self.cleaned_data
        return [
            (row, data[f"grade_{row.registration.pk}"], data[f"retake_{row.registration.pk}"])
            for row in self.rows
            if data[f"grade_{row.registration.pk}"]
        ]


class UploadForm(GovukForm):
    file = forms.FileField(
        label="Upload a file", help_text="A CSV UTF-8 or Excel (.xlsx) file, up to 10 MB",
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )


def _mark_field(label: str, name: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0,
        error_messages={
            "required": f"Enter the {name}",
            "invalid": f"Enter the {name} as a whole number",
            "min_value": f"The {name} must be 0 or more",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
    )


class GradeBoundaryForm(GovukForm):
    """Draft boundaries: the maximum mark and the minimum raw mark of each grade."""

    max_mark = _mark_field("Maximum mark", "maximum mark")
    n_boundary = _mark_field("Near Pass (N): lowest mark", "Near Pass boundary")
    p_boundary = _mark_field("Pass (P): lowest mark", "Pass boundary")
    m_boundary = _mark_field("Merit (M): lowest mark", "Merit boundary")
    d_boundary = _mark_field("Distinction (D): lowest mark", "Distinction boundary")
    reason = forms.CharField(
        label="Why are you changing the boundaries? (optional)", required=False,
        max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
    )

    def add_service_errors(self, error: UnitGradeError) -> None:
        for problem in error.problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


class BoundaryApproveForm(GovukForm):
    reason = forms.CharField(
        label="Note for the record (optional)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SeriesChoiceForm(GovukForm):
    """Which series to show (a GET form)."""

    series = forms.ChoiceField(label="Series", error_messages={
        "required": "Select a series", "invalid_choice": "Select a series",
    })

    def __init__(self, *args: Any, series: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["series"].choices = series  # type: ignore[attr-defined]
