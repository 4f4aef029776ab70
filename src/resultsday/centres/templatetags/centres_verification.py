"""Standards verification statuses for templates of other apps (the learner page)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from resultsday.centres.selectors import ProgrammeVerification, registration_verifications
from resultsday.learners.models import Registration

register = template.Library()


@register.simple_tag
def verification_statuses(
    registrations: Iterable[Registration],
) -> dict[int, ProgrammeVerification]:
    """Look up every registration's programme status at once: `{% verification_statuses regs as sv %}`."""
    return registration_verifications(registrations=registrations)


@register.filter
def verification_of(
    statuses: dict[int, ProgrammeVerification], registration: Registration
) -> ProgrammeVerification | None:
    return statuses.get(registration.pk)
