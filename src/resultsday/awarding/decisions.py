"""What result one registration gets in an awarding run: issued, pending, withheld or U.

The grade itself always comes from the grading engine; this module only gathers the
registration's facts into an engine request and applies the results-cycle conditions around
it (entries awaiting a result, the full award claim, standards verification).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from resultsday.awarding.choices import ResultStatus
from resultsday.grading import Catalogue, GradeRequestError, NotConfiguredError, grade
from resultsday.grading.grades import UnitGrade
from resultsday.grading.request import Attempt, GradeRequest, UnitRequest


@dataclass(frozen=True)
class UnitAttempt:
    unit_number: str
    grade: str
    points: int | None = None
    is_retake: bool = False
    # False when the unit is not in the registered qualification's structure, even if another
    # sector of the suite has a unit with the same number (Business Unit 5 is not IT Unit 5).
    in_structure: bool = True


@dataclass(frozen=True)
class RegistrationFacts:
    """Everything awarding needs to know about one registration, loaded in bulk by the caller."""

    qualification_qn: str
    registered_on: date
    attempts: list[UnitAttempt] = field(default_factory=list)
    awaiting_units: set[str] = field(default_factory=set)  # entered this series, no result yet
    claimed: bool = False
    verification_released: bool | None = None  # None: no SV record for the programme
    programme: str = ""


@dataclass(frozen=True)
class Decision:
    status: ResultStatus
    grade: str
    points: int | None
    reason: str
    explanation: dict[str, Any]

    def same_as(self, status: str, grade: str, points: int | None, reason: str) -> bool:
        return (self.status, self.grade, self.points, self.reason) == (status, grade, points, reason)


def _withheld(reason: str, explanation: dict[str, Any] | None = None) -> Decision:
    return Decision(ResultStatus.WITHHELD, "", None, reason[:300], explanation or {})


# The reasons a decision gives, one function each, shared by `registration_decide` and the
# set-based decisions of an awarding run (awarding/bulk.py), so both say exactly the same.


def reason_no_specification(qn: str) -> str:
    return f"No grading specification is loaded for {qn}."


def reason_outside(outside: list[str], title: str) -> str:
    units = ", ".join(f"unit {n}" for n in outside)
    return (f"Invalid unit combination: {units} {'is' if len(outside) == 1 else 'are'} not "
            f"part of {title}.")


def reason_pending(awaiting: list[str]) -> str:
    """`awaiting`: the unit numbers entered in the series without a result, sorted."""
    return f"Awaiting the external result for {', '.join(f'unit {n}' for n in awaiting)}."


def reason_incomplete(reasons: tuple[str, ...]) -> str:
    return ("; ".join(reasons) or "Unit results are missing.")[:300]


REASON_NO_CLAIM = "The full award claim has not been made."


def reason_verification(programme: str) -> str:
    return f"Standards verification is not released for {programme or 'the programme'}."


def reason_fallback(title: str, qn: str) -> str:
    return f"Awarded {title} ({qn}) instead."


def reason_unclassified(reasons: tuple[str, ...]) -> str:
    return "; ".join(reasons)[:300] or "Unclassified."


REASON_AWARDED = "Awarded."


def registration_decide(*, facts: RegistrationFacts, catalogue: Catalogue) -> Decision:
    """One registration's decision, by the reference engine (`grading.grade`).

    An awarding run decides whole batches in columns instead (`awarding.bulk.batch_decide`),
    with these conditions in this order and these reasons.
    """
    spec = catalogue.qualifications.get(facts.qualification_qn)
    if spec is None:
        return _withheld(reason_no_specification(facts.qualification_qn))
    if spec.structure is not None:
        known = spec.structure.units
        outside = sorted({a.unit_number for a in facts.attempts
                          if not a.in_structure or a.unit_number not in known})
        if outside:
            return _withheld(reason_outside(outside, spec.title))
    by_unit: dict[str, list[Attempt]] = {}
    for attempt in facts.attempts:
        by_unit.setdefault(attempt.unit_number, []).append(
            Attempt(grade=UnitGrade(attempt.grade), points=attempt.points, retake=attempt.is_retake)
        )
    request = GradeRequest(
        units=tuple(UnitRequest(id=n, attempts=tuple(a)) for n, a in sorted(by_unit.items())),
        qualification=facts.qualification_qn,
        registered_on=facts.registered_on,
    )
    try:
        outcome = grade(request, catalogue)
    except (GradeRequestError, NotConfiguredError) as exc:
        return _withheld(f"Cannot be graded: {exc}")
    explanation = outcome.to_dict()
    if not outcome.complete:
        awaiting = sorted(facts.awaiting_units - set(by_unit))
        if awaiting:
            return Decision(ResultStatus.PENDING, "", None, reason_pending(awaiting), explanation)
        return _withheld(reason_incomplete(outcome.reasons), explanation)
    if not facts.claimed:
        return _withheld(REASON_NO_CLAIM, explanation)
    if facts.verification_released is not True:
        return _withheld(reason_verification(facts.programme), explanation)
    if outcome.grade == "U":
        if outcome.fallback is not None:
            fb = outcome.fallback
            return Decision(ResultStatus.FALLBACK, fb.grade, fb.points,
                            reason_fallback(fb.title, fb.qualification), explanation)
        return Decision(ResultStatus.UNCLASSIFIED, "U", outcome.points,
                        reason_unclassified(outcome.reasons), explanation)
    return Decision(ResultStatus.ISSUED, outcome.grade, outcome.points, REASON_AWARDED, explanation)
