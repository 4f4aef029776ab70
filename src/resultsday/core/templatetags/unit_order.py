"""`{{ registration.unit_results.all|in_unit_order }}`: units in their specification's order."""

from __future__ import annotations

from django import template

from resultsday.core.ordering import in_unit_order

register = template.Library()
register.filter("in_unit_order", in_unit_order)
