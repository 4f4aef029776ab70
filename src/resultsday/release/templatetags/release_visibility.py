"""The release policy's decisions for templates of other apps (the learner pages)."""

from __future__ import annotations

from django import template

from resultsday.learners.models import Registration
from resultsday.release.policy import HIDDEN, Visibility

register = template.Library()


@register.filter
def visibility_of(decisions: dict[int, Visibility] | None, registration: Registration) -> Visibility:
    """`{{ result_visibility|visibility_of:registration }}`; hidden when nothing was decided."""
    return (decisions or {}).get(registration.pk, HIDDEN)
