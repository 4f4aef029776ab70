"""Form helpers shared by every app: GOV.UK Design System classes on Django widgets."""

from __future__ import annotations

from typing import Any

from django import forms

WIDGET_CLASSES: list[tuple[type[forms.Widget], str]] = [
    (forms.Textarea, "govuk-textarea"),
    (forms.Select, "govuk-select"),
    (forms.ClearableFileInput, "govuk-file-upload"),
    (forms.FileInput, "govuk-file-upload"),
    (forms.CheckboxInput, "govuk-checkboxes__input"),
    (forms.widgets.Input, "govuk-input"),
]


class GovukFormMixin:
    """Give each widget the GOV.UK class for its type, and mark invalid fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            css = next((c for widget, c in WIDGET_CLASSES if isinstance(field.widget, widget)), "")
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{existing} {css}".strip()
            if self.is_bound and name in self.errors:  # type: ignore[attr-defined]
                field.widget.attrs["class"] += f" {css}--error"


class GovukForm(GovukFormMixin, forms.Form):
    pass
