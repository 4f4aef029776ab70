"""Template filters for the GOV.UK style of dates and times ("5 July 2027 at 11pm")."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def govuk_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


@register.filter
def govuk_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {govuk_time(value)}"


@register.filter
def govuk_date(value: dt.datetime | None) -> str:
    """The London date alone: "19 August 2027"."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y}"
