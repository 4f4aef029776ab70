"""The grading engine: framework-free, the single source of truth for qualification grades.

Public API::

    from resultsday.grading import grade, parse_request, Catalogue

    outcome = grade(parse_request({"qualification": "601/7160/1", "units": [...]}))
    outcome.grade, outcome.points, outcome.reasons, outcome.to_json()

See docs/grading.md for the rules, the specification file format and every assumption.
"""

from resultsday.grading.boundaries import Boundaries, BoundaryError, MarkResult, mark_to_result
from resultsday.grading.catalogue import Catalogue, default_catalogue
from resultsday.grading.engine import grade
from resultsday.grading.errors import GradeRequestError, GradingError, NotConfiguredError, SpecError
from resultsday.grading.grades import Assessment, ResultsDayType, UnitGrade
from resultsday.grading.outcome import FallbackAward, NextGrade, Outcome, WhatIf
from resultsday.grading.request import Attempt, GradeRequest, UnitRequest, parse_request

__all__ = [
    "Assessment",
    "Attempt",
    "Boundaries",
    "BoundaryError",
    "Catalogue",
    "FallbackAward",
    "GradeRequest",
    "GradeRequestError",
    "GradingError",
    "MarkResult",
    "NextGrade",
    "NotConfiguredError",
    "Outcome",
    "ResultsDayType",
    "SpecError",
    "UnitGrade",
    "UnitRequest",
    "WhatIf",
    "default_catalogue",
    "grade",
    "mark_to_result",
    "parse_request",
]
