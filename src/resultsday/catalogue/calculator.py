"""The grade calculator page's form: one grade choice per unit of a catalogue qualification.

The calculator builds a grading request and hands it to the engine; it applies no rule itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from resultsday.grading import Catalogue, default_catalogue
from resultsday.grading.grades import GRADE_NAMES
from resultsday.grading.model import Qualification as SpecQualification
from resultsday.grading.model import UnitDef

GRADE_LABELS = {"U": "U – Unclassified", "N": "N – Near Pass", "P": "P – Pass", "M": "M – Merit",
                "D": "D – Distinction"}


@dataclass(frozen=True)
class UnitChoice:
    unit: UnitDef
    field: str
    grades: list[tuple[str, str]]  # (value, label), highest first
    selected: str


def calculator_qualifications(catalogue: Catalogue | None = None) -> list[SpecQualification]:
    """Qualifications the calculator can grade: points-based ones with a unit structure."""
    catalogue = catalogue or default_catalogue()
    found = [q for q in catalogue.qualifications.values() if q.structure is not None]
    return sorted(found, key=lambda q: (q.sector, q.size_glh or 0))


def unit_choices(qualification: SpecQualification, data: Any) -> list[UnitChoice]:
    assert qualification.structure is not None
    choices = []
    for unit in qualification.structure.units.values():
        grades = [
            (name, GRADE_LABELS.get(name, name))
            for rank, name in enumerate(GRADE_NAMES)
            if unit.points[rank] is not None
        ]
        grades.reverse()
        field = f"unit_{unit.id}"
        selected = str(data.get(field, ""))
        choices.append(UnitChoice(unit=unit, field=field, grades=grades, selected=selected))
    return choices


def calculator_request(
    qualification: SpecQualification, choices: list[UnitChoice], registered_on: dt.date | None
) -> dict[str, Any]:
    """The engine request for the grades chosen; units left blank are sent with no result."""
    request: dict[str, Any] = {
        "qualification": qualification.qn,
        "units": [
            {"id": c.unit.id, "grade": c.selected} if c.selected else {"id": c.unit.id}
            for c in choices
        ],
    }
    if registered_on is not None:
        request["registered_on"] = registered_on.isoformat()
    return request
