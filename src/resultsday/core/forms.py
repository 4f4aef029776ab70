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
    """Give each widget the GOV.UK class for its type, and mark invalid fields once validated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = _css_for(field.widget)
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{existing} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self._errors or {}:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            css = _css_for(field.widget) if field is not None else ""
            if css and f"{css}--error" not in field.widget.attrs["class"]:
                field.widget.attrs["class"] += f" {css}--error"


def _css_for(widget: forms.Widget) -> str:
    return next((css for kind, css in WIDGET_CLASSES if isinstance(widget, kind)), "")


class GovukForm(GovukFormMixin, forms.Form):
    pass
