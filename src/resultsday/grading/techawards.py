"""BTEC Tech Awards (2022): raw marks -> UMS per series -> qualification grade on total UMS.

Each component's raw mark is converted to a Uniform Mark Scale mark with the conversion table
Pearson publishes for that series; results carry a grade and a UMS total; the UMS-to-grade
mapping is fixed in the specification (S14, S15). Where a component is retaken the best result
counts (S16). Every number here (conversion tables, UMS maxima, thresholds) is UNKNOWN in the
reference, so nothing is shipped: a qualification whose tables are not configured raises
``NotConfiguredError`` naming the missing table. See docs/grading.md.
"""

from __future__ import annotations

from datetime import date

from resultsday.grading.errors import GradeRequestError, NotConfiguredError
from resultsday.grading.model import Qualification, UmsSuite
from resultsday.grading.outcome import NextGrade, Outcome
from resultsday.grading.request import GradeRequest


def component_ums(qualification: Qualification, component: str, series: str, raw_mark: int, path: str) -> int:
    """A component's raw mark converts to UMS with the table for the series it was sat in (S14, S15)."""
    ums = qualification.ums
    table = ums.conversions.get(series, {}).get(component) if ums is not None else None
    if table is None:
        raise NotConfiguredError(
            f"{qualification.qn} {qualification.title}: no raw mark to UMS conversion table is "
            f"configured for component {component} in series {series} (UNKNOWN in the "
            "reference; the engine does not guess)",
            path=path,
        )
    if raw_mark >= len(table):
        raise GradeRequestError(
            f"{path}.raw_mark",
            f"raw mark {raw_mark} is above the maximum {len(table) - 1} for component "
            f"{component} in series {series}",
        )
    return table[raw_mark]


def grade_ums(qualification: Qualification, request: GradeRequest, registered_on: date) -> Outcome:
    """The qualification grade is the highest grade whose UMS threshold the learner's total UMS reaches, the
    best attempt at each component counting (S14, S16).

    No minimum component grade is applied: whether one exists is UNKNOWN in the reference.
    """
    suite = qualification.suite
    assert isinstance(suite, UmsSuite)
    thresholds = qualification.ums.thresholds if qualification.ums is not None else None
    if thresholds is None:
        raise NotConfiguredError(
            f"{qualification.qn} {qualification.title}: the qualification's UMS thresholds are "
            "not configured (UNKNOWN in the reference; the engine does not guess)",
            path="qualification",
        )
    components = {c.id: c for c in qualification.components}
    best: dict[str, int] = {}
    for i, unit in enumerate(request.units):
        path = f"units[{i}]"
        if unit.id not in components:
            raise GradeRequestError(f"{path}.id", f"component {unit.id} is not part of {qualification.qn}")
        if unit.id in best:
            raise GradeRequestError(f"{path}.id", f"component {unit.id} is listed twice")
        for j, attempt in enumerate(unit.attempts):
            here = path if len(unit.attempts) == 1 else f"{path}.attempts[{j}]"
            if attempt.raw_mark is None or attempt.series is None:
                raise GradeRequestError(
                    f"{here}.raw_mark" if attempt.raw_mark is None else f"{here}.series",
                    "Tech Award components are graded from a raw mark and the series it was sat in",
                )
            ums = component_ums(qualification, unit.id, attempt.series, attempt.raw_mark, here)
            best[unit.id] = max(best.get(unit.id, 0), ums)
    missing = [c.id for c in qualification.components if c.id not in best]
    total = sum(best.values())
    reasons: list[str] = []
    index = -1
    if missing:
        reasons.append(
            "units complete: not yet complete: "
            + ("component " if len(missing) == 1 else "components ")
            + ", ".join(missing)
            + " missing"
        )
    else:
        index = thresholds.index_for(total)
        if index < 0:
            reasons.append(
                f"qualification grade: {total} UMS is below {thresholds.minimums[0]}, the lowest "
                f"threshold ({thresholds.grades[0]})"
            )
    next_grade = None
    if not missing and index + 1 < len(thresholds.minimums):
        next_grade = NextGrade(thresholds.grades[index + 1], thresholds.minimums[index + 1] - total)
    return Outcome(
        grade=thresholds.grades[index] if index >= 0 else "U",
        points=total,
        eligible=not missing,
        complete=not missing,
        reasons=tuple(reasons),
        counted_units=tuple(c.id for c in qualification.components if c.id in best),
        glh_at_pass=None,
        next_grade=next_grade,
        fallback=None,
        what_if=(),
        qualification=qualification.qn,
        title=qualification.title,
        suite=suite.id,
        size_glh=qualification.size_glh,
        registered_on=registered_on,
        thresholds=thresholds.table_id,
    )
