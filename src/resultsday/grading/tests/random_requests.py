"""Random grading requests for differential tests (test_bulk.py, bench/award.py --differential).

A mix meant to reach every branch of the rules rather than to look like a real cohort: random
qualifications of the catalogue (now and then one it does not have, or a UMS title), cohort
dates before and after each threshold table, mandatory units sometimes missing, too few or too
many optional units, grades of every kind including U, N and an N where it cannot exist,
units listed without a result, resits, internal retakes, external points (in band and not),
units of other sectors and unknown units, units listed twice and inline structures.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

from resultsday.grading import Attempt, Catalogue, GradeRequest, UnitGrade, UnitRequest
from resultsday.grading.grades import UNIT_GRADE_ORDER, Assessment
from resultsday.grading.model import Qualification, UnitDef

DATES = (date(2017, 9, 1), date(2019, 10, 31), date(2019, 11, 1), date(2023, 9, 1), date(2025, 9, 1))


def random_requests(catalogue: Catalogue, count: int, *, seed: int = 0) -> Iterator[GradeRequest]:
    rng = random.Random(seed)
    points_quals = sorted(
        (q for q in catalogue.qualifications.values() if q.structure is not None), key=lambda q: q.qn
    )
    other_quals = sorted(q.qn for q in catalogue.qualifications.values() if q.structure is None)
    every_unit = sorted({u.id for q in points_quals if q.structure for u in q.structure.units.values()})
    for _ in range(count):
        yield _request(rng, catalogue, points_quals, other_quals, every_unit)


def _request(
    rng: random.Random,
    catalogue: Catalogue,
    points_quals: list[Qualification],
    other_quals: list[str],
    every_unit: list[str],
) -> GradeRequest:
    on = DATES[rng.randrange(len(DATES))] if rng.random() < 0.1 else DATES[3 + rng.randrange(2)]
    roll = rng.random()
    if roll < 0.003:
        return GradeRequest(units=(UnitRequest.graded("1", "P"),), qualification="999/9999/9", registered_on=on)
    if roll < 0.006 and other_quals:
        qn = rng.choice(other_quals)
        return GradeRequest(units=(UnitRequest.graded("1", "P"),), qualification=qn, registered_on=on)
    qualification = rng.choice(points_quals)
    structure = qualification.structure
    assert structure is not None
    chosen: list[UnitDef] = [u for u in structure.mandatory if rng.random() < 0.985]
    wanted = structure.optional_glh // (structure.optional_unit_glh or 60)
    if structure.optional:
        take = max(0, min(len(structure.optional), wanted + _EXTRA[int(rng.random() * len(_EXTRA))]))
        chosen += rng.sample(structure.optional, take)
    rng.shuffle(chosen)
    units = [_unit(rng, unit) for unit in chosen]
    if rng.random() < 0.004:
        units.append(UnitRequest.graded(rng.choice([*every_unit, "99"]), "P"))
    if rng.random() < 0.002 and units:
        units.append(units[0])
    if rng.random() < 0.003:
        return GradeRequest(
            units=tuple(
                UnitRequest(id=u.id, attempts=u.attempts, glh=spec.glh, assessment=spec.assessment,
                            mandatory=spec.mandatory)
                for u, spec in zip(units, chosen, strict=False)
            ),
            suite=structure.suite.id,
            size_glh=structure.size.glh,
            registered_on=on,
        )
    return GradeRequest(units=tuple(units), qualification=qualification.qn, registered_on=on)


_EXTRA = (-1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3)  # optional units beyond those the size needs
_PLAIN: dict[UnitDef, list[UnitRequest]] = {}


def _unit(rng: random.Random, unit: UnitDef) -> UnitRequest:
    roll = rng.random()
    if roll < 0.02:
        return UnitRequest(id=unit.id)  # listed, no result yet
    if roll < 0.75:  # one plain grade: shared objects, as the engine's own parser shares them
        plain = _PLAIN.get(unit)
        if plain is None:
            plain = _PLAIN[unit] = [  # U once, every other grade twice
                UnitRequest.graded(unit.id, grade)
                for grade, points in zip(UNIT_GRADE_ORDER, unit.points, strict=True)
                if points is not None
                for _ in range(1 if grade is UnitGrade.U else 2)
            ]
        return plain[int(rng.random() * len(plain))]
    attempts = tuple(_attempt(rng, unit) for _ in range(1 if roll < 0.88 else 2 + (roll > 0.96)))
    return UnitRequest(id=unit.id, attempts=attempts)


def _attempt(rng: random.Random, unit: UnitDef) -> Attempt:
    external = unit.assessment is Assessment.EXTERNAL
    existing = [r for r, p in enumerate(unit.points) if p is not None]
    rank = rng.choice(existing)
    if rng.random() < 0.003:
        rank = 1  # N, which internal units do not have
    grade: UnitGrade | None = UNIT_GRADE_ORDER[rank]
    if rng.random() < 0.02:
        return Attempt()  # an attempt without a result
    if external and rng.random() < 0.3:
        low = unit.points[rank] or 0
        higher = [p for p in unit.points[rank + 1 :] if p is not None]
        points = rng.randint(low, (higher[0] - 1) if higher else low + 6)
        if rng.random() < 0.01:
            points = rng.randint(0, 40)  # perhaps outside the grade's band
        if rng.random() < 0.5:
            grade = None
        return Attempt(grade=grade, points=points, retake=rng.random() < 0.05)
    return Attempt(grade=grade, retake=rng.random() < (0.15 if not external else 0.03))
