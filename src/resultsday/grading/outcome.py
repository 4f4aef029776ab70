"""The outcome of grading one request, and its JSON form (the `resultsday grade --json` contract)."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

# The outcome and its records are NamedTuples: immutable, and cheap to build on the hot path
# (a frozen dataclass costs three to four times as much per instance).


class NextGrade(NamedTuple):
    """The next qualification grade up and how many more points it needs."""

    grade: str
    points_needed: int


class FallbackAward(NamedTuple):
    """A smaller qualification of the same suite awarded instead of the registered one."""

    qualification: str
    title: str
    size_glh: int
    grade: str
    points: int


class WhatIf(NamedTuple):
    """One single-unit improvement that reaches the target grade."""

    unit: str
    from_grade: str
    to_grade: str
    grade: str  # the qualification grade the improvement gives
    points: int  # the qualification points the improvement gives


#: How json.dumps(..., ensure_ascii=False) writes a string (the C function when available).
_json_string: Callable[[str], str] = json.encoder.encode_basestring


class Outcome(NamedTuple):
    """The qualification grade for one request, with the reasons and what would change it.

    ``grade`` is "U" when the learner is not (yet) awarded; ``complete`` says whether every
    counted unit has an outcome, ``eligible`` whether the unit-level rules are met (complete,
    must-pass, GLH at Pass). ``points`` is the sum over ``counted_units``. ``glh_at_pass`` is
    None for UMS suites, where it has no meaning.
    """

    grade: str
    points: int
    eligible: bool
    complete: bool
    reasons: tuple[str, ...]
    counted_units: tuple[str, ...]
    glh_at_pass: int | None
    next_grade: NextGrade | None
    fallback: FallbackAward | None
    what_if: tuple[WhatIf, ...]
    qualification: str | None
    title: str
    suite: str
    size_glh: int | None
    registered_on: date
    thresholds: str  # id of the threshold table used

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "points": self.points,
            "eligible": self.eligible,
            "complete": self.complete,
            "reasons": list(self.reasons),
            "counted_units": list(self.counted_units),
            "glh_at_pass": self.glh_at_pass,
            "next_grade": self.next_grade._asdict() if self.next_grade else None,
            "fallback": self.fallback._asdict() if self.fallback else None,
            "what_if": [
                {
                    "unit": w.unit,
                    "from": w.from_grade,
                    "to": w.to_grade,
                    "grade": w.grade,
                    "points": w.points,
                }
                for w in self.what_if
            ],
            "qualification": self.qualification,
            "title": self.title,
            "suite": self.suite,
            "size_glh": self.size_glh,
            "registered_on": self.registered_on.isoformat(),
            "thresholds": self.thresholds,
        }

    def to_json(self) -> str:
        """``to_dict()`` as compact JSON: ``json.dumps(self.to_dict(), ensure_ascii=False,
        separators=(",", ":"))``, written out directly (it is the CLI's output for every line).

        Strings are escaped by the json module's own function; test_outcome.py checks the text
        is the json module's, byte for byte.
        """
        text = _json_string
        next_grade = self.next_grade
        fallback = self.fallback
        return "".join(
            [
                '{"grade":',
                text(self.grade),
                ',"points":',
                int.__repr__(self.points),
                ',"eligible":',
                "true" if self.eligible else "false",
                ',"complete":',
                "true" if self.complete else "false",
                ',"reasons":[',
                ",".join([text(r) for r in self.reasons]),
                '],"counted_units":[',
                ",".join([text(u) for u in self.counted_units]),
                '],"glh_at_pass":',
                "null" if self.glh_at_pass is None else int.__repr__(self.glh_at_pass),
                ',"next_grade":',
                (
                    "null"
                    if next_grade is None
                    else f'{{"grade":{text(next_grade.grade)},"points_needed":{next_grade.points_needed!r}}}'
                ),
                ',"fallback":',
                (
                    "null"
                    if fallback is None
                    else f'{{"qualification":{text(fallback.qualification)},"title":{text(fallback.title)},'
                    f'"size_glh":{fallback.size_glh!r},"grade":{text(fallback.grade)},"points":{fallback.points!r}}}'
                ),
                ',"what_if":[',
                ",".join(
                    [
                        f'{{"unit":{text(w.unit)},"from":{text(w.from_grade)},"to":{text(w.to_grade)},'
                        f'"grade":{text(w.grade)},"points":{w.points!r}}}'
                        for w in self.what_if
                    ]
                ),
                '],"qualification":',
                "null" if self.qualification is None else text(self.qualification),
                ',"title":',
                text(self.title),
                ',"suite":',
                text(self.suite),
                ',"size_glh":',
                "null" if self.size_glh is None else int.__repr__(self.size_glh),
                ',"registered_on":',
                text(self.registered_on.isoformat()),
                ',"thresholds":',
                text(self.thresholds),
                "}",
            ]
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        next_grade = data["next_grade"]
        fallback = data["fallback"]
        return cls(
            grade=data["grade"],
            points=data["points"],
            eligible=data["eligible"],
            complete=data["complete"],
            reasons=tuple(data["reasons"]),
            counted_units=tuple(data["counted_units"]),
            glh_at_pass=data["glh_at_pass"],
            next_grade=NextGrade(**next_grade) if next_grade else None,
            fallback=FallbackAward(**fallback) if fallback else None,
            what_if=tuple(
                WhatIf(w["unit"], w["from"], w["to"], w["grade"], w["points"]) for w in data["what_if"]
            ),
            qualification=data["qualification"],
            title=data["title"],
            suite=data["suite"],
            size_glh=data["size_glh"],
            registered_on=date.fromisoformat(data["registered_on"]),
            thresholds=data["thresholds"],
        )

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("an outcome is a JSON object")
        return cls.from_dict(data)

    def to_text(self) -> str:
        """A human-readable account of the outcome (the default `resultsday grade` output)."""
        name = f"{self.qualification} {self.title}" if self.qualification else self.title
        lines = [
            f"Grade: {self.grade} ({self.points} points)",
            f"Qualification: {name} ({self.size_glh} GLH, suite {self.suite})",
            f"Registered on: {self.registered_on.isoformat()} (thresholds {self.thresholds})",
            f"Complete: {'yes' if self.complete else 'no'}; "
            f"eligible: {'yes' if self.eligible else 'no'}"
            + (f"; GLH at Pass: {self.glh_at_pass}" if self.glh_at_pass is not None else ""),
            f"Counted units: {', '.join(self.counted_units) or 'none'}",
        ]
        if self.next_grade:
            lines.append(
                f"Next grade: {self.next_grade.grade}, {self.next_grade.points_needed} more points needed"
            )
        for reason in self.reasons:
            lines.append(f"Reason: {reason}")
        if self.fallback:
            f = self.fallback
            lines.append(
                f"Fallback: {f.qualification} {f.title} ({f.size_glh} GLH): {f.grade} ({f.points} points)"
            )
        for w in self.what_if:
            lines.append(
                f"What if: unit {w.unit} {w.from_grade} -> {w.to_grade} gives {w.grade} ({w.points} points)"
            )
        return "\n".join(lines)
