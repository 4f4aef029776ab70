"""The release policy's decisions, and results in words, for templates of other apps (the learner pages)."""

from __future__ import annotations

from django import template

from resultsday.learners.models import Registration
from resultsday.release.policy import HIDDEN, Visibility
from resultsday.release.selectors import ResultHistory, StoredResult, result_history
from resultsday.release.statements import result_in_words

register = template.Library()


@register.filter
def visibility_of(decisions: dict[int, Visibility] | None, registration: Registration) -> Visibility:
    """`{{ result_visibility|visibility_of:registration }}`; hidden when nothing was decided."""
    return (decisions or {}).get(registration.pk, HIDDEN)


@register.filter
def in_words(stored: StoredResult) -> str:
    """`{{ shown.registration|in_words }}`: what a result means, in a learner's words."""
    return result_in_words(stored)


@register.simple_tag(takes_context=True)
def result_history_of(context: template.Context, registration: Registration) -> ResultHistory:
    """`{% result_history_of registration as history %}`: the result's versions with their runs,
    and whether the signed-in user may open the runs' pages."""
    return result_history(user=context.get("user"), registration=registration)
