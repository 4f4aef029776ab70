"""GOV.UK form markup: every field in error is marked and described for assistive technology."""

from __future__ import annotations

import re

from django import forms
from django.template import Context, Template

from resultsday.core.forms import GovukForm


class _Form(GovukForm):
    name = forms.CharField(label="Name", help_text="As on the passport")
    choice = forms.ChoiceField(label="Colour", choices=[("r", "Red"), ("g", "Green")],
                               widget=forms.RadioSelect)
    agree = forms.BooleanField(label="I agree")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea)


def _render(form: forms.Form) -> str:
    return Template('{% include "includes/error_summary.html" %}{{ form }}').render(
        Context({"form": form}))


def _tag(html: str, element: str, element_id: str) -> str:
    found = re.search(rf'<{element}[^>]*id="{element_id}"[^>]*>', html)
    assert found is not None, element_id
    return found.group()


def test_a_field_in_error_has_the_error_class_and_a_message_its_aria_names() -> None:
    form = _Form({"name": "", "choice": "", "note": "x"})
    assert not form.is_valid()
    html = _render(form)
    name = _tag(html, "input", "id_name")
    assert "govuk-input govuk-input--error" in name
    assert 'aria-describedby="id_name_helptext id_name_error"' in name
    assert ('<p class="govuk-error-message" id="id_name_error">'
            '<span class="govuk-visually-hidden">Error:</span> This field is required.</p>') in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_choice_error">' in html
    assert 'id="id_choice_error"' in html and 'id="id_agree_error"' in html
    assert 'aria-describedby="id_agree_error"' in _tag(html, "input", "id_agree")
    assert "govuk-textarea--error" not in _tag(html, "textarea", "id_note")


def test_the_error_summary_links_to_each_field_and_to_the_first_radio() -> None:
    form = _Form({"name": "", "choice": ""})
    form.is_valid()
    html = _render(form)
    links = re.findall(r'<a href="(#[^"]+)">', html)
    assert links == ["#id_name", "#id_choice_0", "#id_agree"]
    assert 'id="id_choice_0"' in html


def test_an_error_added_after_validation_marks_its_field_too() -> None:
    """A service's refusal is added by the view once the form is valid."""
    form = _Form({"name": "Ada", "choice": "r", "agree": "on"})
    assert form.is_valid()
    form.add_error("name", "Enter the name as on the passport")
    form.add_error("name", "Use letters only")
    html = _render(form)
    assert "govuk-input--error" in _tag(html, "input", "id_name")
    # One message element per field (its id is unique), holding each error.
    assert html.count('id="id_name_error"') == 1
    assert "Enter the name as on the passport<br>Use letters only" in html
    assert form.fields["name"].widget.attrs["class"].split().count("govuk-input--error") == 1
