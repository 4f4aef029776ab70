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
    """Give each widget the GOV.UK class for its type, and mark each field in error.

    Fields are marked as errors are added (`add_error`), not once after validation, so that a
    service's refusal added by the view after `is_valid()` marks its field too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = _css_for(field.widget)
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{existing} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        for name in self._errors or {}:  # type: ignore[attr-defined]
            form_field = self.fields.get(name)  # type: ignore[attr-defined]
            if form_field is not None:
                _mark_error(form_field.widget)


def _mark_error(widget: forms.Widget) -> None:
    """Add the GOV.UK error modifier (`govuk-input--error`...) to a widget's classes, once.
    Checkboxes and radios have none: their form group shows the error."""
    css = _css_for(widget)
    if not css or isinstance(widget, forms.CheckboxInput):
        return
    classes = widget.attrs.get("class", "").split()
    if f"{css}--error" not in classes:
        widget.attrs["class"] = " ".join([*classes, f"{css}--error"])


def _css_for(widget: forms.Widget) -> str:
    return next((css for kind, css in WIDGET_CLASSES if isinstance(widget, kind)), "")


class GovukForm(GovukFormMixin, forms.Form):
    pass
