"""Grading requests: the plain dataclasses the engine takes, and parsing them from JSON.

A request either names a catalogue qualification (``qualification``: QN) and gives unit ids
with results, or gives the structure inline (``suite``, ``size_glh`` and, per unit, ``glh``,
``assessment`` and ``mandatory``). See DESIGN.md §5 and docs/grading.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from resultsday.grading.boundaries import Boundaries, BoundaryError
from resultsday.grading.errors import GradeRequestError, format_path
from resultsday.grading.grades import RANK, Assessment, UnitGrade


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt at a unit: a grade, external points, or a raw mark (with its boundaries).

    Points-based suites need ``boundaries`` with a raw mark; UMS suites need ``series`` instead.

    ``retake`` marks an internal retake (capped by the suite, S1 p.342). ``series`` names the
    assessment series (needed by UMS suites to pick the raw->UMS table).
    """

    grade: UnitGrade | None = None
    points: int | None = None
    raw_mark: int | None = None
    boundaries: Boundaries | None = None
    retake: bool = False
    series: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The wire form of this attempt (only the fields that are set)."""
        data: dict[str, Any] = {}
        if self.grade is not None:
            data["grade"] = self.grade.value
        if self.points is not None:
            data["points"] = self.points
        if self.raw_mark is not None:
            data["raw_mark"] = self.raw_mark
        if self.boundaries is not None:
            b = self.boundaries
            data["boundaries"] = {"max": b.max, "N": b.N, "P": b.P, "M": b.M, "D": b.D}
        if self.retake:
            data["retake"] = True
        if self.series is not None:
            data["series"] = self.series
        return data


@dataclass(frozen=True, slots=True)
class UnitRequest:
    """A unit's results (best attempt counts) and, for inline requests, its structure."""

    id: str
    attempts: tuple[Attempt, ...] = ()
    glh: int | None = None
    assessment: Assessment | None = None
    mandatory: bool | None = None
    title: str | None = None
    # rank of the grade when the unit has exactly one attempt that is a plain grade (no
    # points, raw mark or retake), else -1: lets the engine score the common case directly
    plain_rank: int = field(init=False, repr=False, compare=False)
    # whether the request gives any structure field (checked against the catalogue if so)
    has_structure: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plain = -1
        if len(self.attempts) == 1:
            only = self.attempts[0]
            if only.grade is not None and only.points is None and only.raw_mark is None and not only.retake:
                plain = RANK[only.grade]
        object.__setattr__(self, "plain_rank", plain)
        has_structure = self.glh is not None or self.assessment is not None or self.mandatory is not None
        object.__setattr__(self, "has_structure", has_structure)

    @classmethod
    def graded(
        cls,
        id: str,
        grade: UnitGrade | str | None,
        *,
        points: int | None = None,
        retake: bool = False,
        glh: int | None = None,
        assessment: Assessment | str | None = None,
        mandatory: bool | None = None,
        title: str | None = None,
    ) -> UnitRequest:
        """A unit with a single attempt (a convenience for callers and tests)."""
        attempt = Attempt(grade=UnitGrade(grade) if grade is not None else None, points=points, retake=retake)
        return cls(
            id=id,
            attempts=(attempt,) if grade is not None or points is not None else (),
            glh=glh,
            assessment=Assessment(assessment) if assessment is not None else None,
            mandatory=mandatory,
            title=title,
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire form of this unit: a single result inline, several as ``attempts``."""
        data: dict[str, Any] = {"id": self.id}
        if len(self.attempts) == 1:
            data.update(self.attempts[0].to_dict())
        elif self.attempts:
            data["attempts"] = [attempt.to_dict() for attempt in self.attempts]
        for name in ("glh", "assessment", "mandatory", "title"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(frozen=True, slots=True)
class GradeRequest:
    """What to grade: a qualification (QN) or an inline structure, and the unit results."""

    units: tuple[UnitRequest, ...]
    qualification: str | None = None
    suite: str | None = None
    size_glh: int | None = None
    registered_on: date | None = None  # default: today

    def to_dict(self) -> dict[str, Any]:
        """The wire form (JSON-ready); ``parse_request(request.to_dict()) == request``."""
        data: dict[str, Any] = {}
        if self.qualification is not None:
            data["qualification"] = self.qualification
        if self.suite is not None:
            data["suite"] = self.suite
        if self.size_glh is not None:
            data["size_glh"] = self.size_glh
        if self.registered_on is not None:
            data["registered_on"] = self.registered_on.isoformat()
        data["units"] = [unit.to_dict() for unit in self.units]
        return data


# --- the wire format -----------------------------------------------------------------------

NonNegative = Annotated[StrictInt, Field(ge=0)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _BoundariesIn(_In):
    max: Annotated[StrictInt, Field(gt=0)]
    N: NonNegative
    P: NonNegative
    M: NonNegative
    D: NonNegative


class _AttemptIn(_In):
    grade: UnitGrade | None = None
    points: NonNegative | None = None
    raw_mark: NonNegative | None = None
    boundaries: _BoundariesIn | None = None
    retake: StrictBool = False
    series: StrictStr | None = None

    @model_validator(mode="after")
    def _one_kind_of_result(self) -> Self:
        if self.boundaries is not None and self.raw_mark is None:
            raise ValueError("boundaries are given with a raw_mark")
        if self.raw_mark is not None and (self.grade is not None or self.points is not None):
            raise ValueError("give either raw_mark with boundaries, or grade/points, not both")
        return self


class _UnitIn(_AttemptIn):
    id: StrictStr | StrictInt
    attempts: list[_AttemptIn] | None = None
    glh: Annotated[StrictInt, Field(gt=0)] | None = None
    assessment: Assessment | None = None
    mandatory: StrictBool | None = None
    title: StrictStr | None = None

    @model_validator(mode="after")
    def _attempts_or_result(self) -> Self:
        single = (self.grade, self.points, self.raw_mark, self.series)
        if self.attempts is not None and (any(v is not None for v in single) or self.retake):
            raise ValueError("give either attempts or a single result (grade, points...), not both")
        return self


class _RequestIn(_In):
    qualification: StrictStr | None = None
    suite: StrictStr | None = None
    size_glh: Annotated[StrictInt, Field(gt=0)] | None = None
    registered_on: date | None = None
    units: list[_UnitIn]

    @model_validator(mode="after")
    def _qualification_or_structure(self) -> Self:
        if self.qualification is None and (self.suite is None or self.size_glh is None):
            raise ValueError("give a qualification (QN), or a suite and size_glh with the units")
        if self.qualification is not None and (self.suite or self.size_glh):
            raise ValueError("give a qualification or an inline suite and size_glh, not both")
        return self


def _problem(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind != "value_error" and "input" in err and not isinstance(err["input"], dict | list):
        shown = repr(err["input"])
        message += f" (got {shown[:40]})"
    return message


#: One shared attempt per plain grade: attempts are immutable, and most are just a grade.
_PLAIN: dict[UnitGrade, Attempt] = {grade: Attempt(grade=grade) for grade in UnitGrade}


def _attempt(data: _AttemptIn, path: str) -> Attempt:
    if (
        data.grade is not None
        and data.points is None
        and data.raw_mark is None
        and data.series is None
        and not data.retake
    ):
        return _PLAIN[data.grade]
    boundaries = None
    if data.boundaries is not None:
        b = data.boundaries
        try:
            boundaries = Boundaries(max=b.max, N=b.N, P=b.P, M=b.M, D=b.D)
        except BoundaryError as exc:
            raise GradeRequestError(f"{path}.boundaries", str(exc)) from None
        if data.raw_mark is not None and data.raw_mark > b.max:
            raise GradeRequestError(
                f"{path}.raw_mark", f"raw mark {data.raw_mark} is above the maximum {b.max}"
            )
    return Attempt(
        grade=data.grade,
        points=data.points,
        raw_mark=data.raw_mark,
        boundaries=boundaries,
        retake=data.retake,
        series=data.series,
    )


# --- the fast path: well-formed requests without raw marks ---------------------------------
#
# A results file or a calculator sends well-formed requests: a QN (or an inline suite and
# size), maybe a registration date, and units with an id, a grade, points, a retake flag or
# attempts of those, and for inline requests the unit's structure. ``_parse_plain`` builds
# those directly, accepting exactly the values the pydantic models accept for them and building
# the same objects. Anything else (raw marks, series, other types, anything invalid) makes it
# give up (``_NotPlain``) and the request goes through pydantic, which alone words the errors.
# test_request.py::test_the_fast_path_parses_as_pydantic_does checks the two agree.

_REQUEST_KEYS = frozenset({"qualification", "suite", "size_glh", "registered_on", "units"})
_UNIT_KEYS = frozenset(
    {"id", "grade", "points", "retake", "attempts", "glh", "assessment", "mandatory", "title"}
)
_ATTEMPT_KEYS = frozenset({"grade", "points", "retake"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GRADES: dict[str, UnitGrade] = {grade.value: grade for grade in UnitGrade}
_ASSESSMENTS: dict[str, Assessment] = {kind.value: kind for kind in Assessment}
#: Units with an id and at most a grade, by (id, grade): immutable, so shared (bounded).
_PLAIN_UNITS: dict[tuple[str, str | None], UnitRequest] = {}  # keys: (id, UnitGrade or None)


class _NotPlain(Exception):
    """The request is not one ``_parse_plain`` builds: pydantic parses it."""


def _optional_grade(data: dict[str, Any]) -> UnitGrade | None:
    value = data.get("grade")
    if value is None:
        return None
    if type(value) is not str or value not in _GRADES:
        raise _NotPlain
    return _GRADES[value]


def _optional_int(data: dict[str, Any], key: str, least: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if type(value) is not int or value < least:
        raise _NotPlain
    return value


def _optional_bool(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is not None and type(value) is not bool:
        raise _NotPlain
    return value


def _plain_attempt(data: object) -> Attempt:
    if type(data) is not dict or not _ATTEMPT_KEYS.issuperset(data):
        raise _NotPlain
    grade = _optional_grade(data)
    points = _optional_int(data, "points", 0)
    retake = False
    if "retake" in data:
        if type(data["retake"]) is not bool:
            raise _NotPlain
        retake = data["retake"]
    if grade is not None and points is None and not retake:
        return _PLAIN[grade]
    return Attempt(grade=grade, points=points, retake=retake)


def _plain_unit(unit: object) -> UnitRequest:
    if type(unit) is not dict:
        raise _NotPlain
    uid = unit.get("id")
    if type(uid) is int:
        uid = str(uid)
    elif type(uid) is not str:
        raise _NotPlain
    size = len(unit)
    if size == 1 or (size == 2 and "grade" in unit):  # the common case: shared objects
        grade = _optional_grade(unit)
        key = (uid, grade)
        found = _PLAIN_UNITS.get(key)
        if found is None:
            if len(_PLAIN_UNITS) >= 50_000:
                _PLAIN_UNITS.clear()
            found = UnitRequest(id=uid, attempts=(_PLAIN[grade],) if grade is not None else ())
            _PLAIN_UNITS[key] = found
        return found
    if not _UNIT_KEYS.issuperset(unit):
        raise _NotPlain
    attempts: tuple[Attempt, ...]
    if "attempts" in unit:
        listed = unit["attempts"]
        if type(listed) is not list or any(key in unit for key in _ATTEMPT_KEYS):
            raise _NotPlain  # (pydantic refuses attempts with a single result)
        attempts = tuple([_plain_attempt(a) for a in listed])
    elif unit.get("grade") is None and unit.get("points") is None:
        _plain_attempt({k: unit[k] for k in _ATTEMPT_KEYS if k in unit})  # checks the values
        attempts = ()  # no outcome yet
    else:
        attempts = (_plain_attempt({k: unit[k] for k in _ATTEMPT_KEYS if k in unit}),)
    assessment = unit.get("assessment")
    if assessment is not None:
        if type(assessment) is not str or assessment not in _ASSESSMENTS:
            raise _NotPlain
        assessment = _ASSESSMENTS[assessment]
    title = unit.get("title")
    if title is not None and type(title) is not str:
        raise _NotPlain
    return UnitRequest(
        id=uid,
        attempts=attempts,
        glh=_optional_int(unit, "glh", 1),
        assessment=assessment,
        mandatory=_optional_bool(unit, "mandatory"),
        title=title,
    )


def _parse_plain(data: dict[str, Any]) -> GradeRequest | None:
    """The request if the fast path builds it (see above), else None."""
    try:
        if not _REQUEST_KEYS.issuperset(data):
            raise _NotPlain
        qualification = data.get("qualification")
        suite = data.get("suite")
        size_glh = _optional_int(data, "size_glh", 1)
        units = data.get("units")
        if type(units) is not list:
            raise _NotPlain
        if qualification is not None:
            if type(qualification) is not str or suite is not None or size_glh is not None:
                raise _NotPlain
        elif type(suite) is not str or size_glh is None:
            raise _NotPlain
        on = data.get("registered_on")
        registered_on = None
        if on is not None:
            if type(on) is not str or len(on) != 10 or not _ISO_DATE.fullmatch(on):
                raise _NotPlain
            try:
                registered_on = date.fromisoformat(on)
            except ValueError:
                raise _NotPlain from None
        parsed = []
        shared = _PLAIN_UNITS.get
        for unit in units:
            # a unit seen before with just an id (a string) and a grade (a string, or null, or
            # absent): the shared object, keyed by the raw values (UnitGrade values are equal to
            # their strings), so only units already checked by _plain_unit are found
            if type(unit) is dict and type(uid := unit.get("id")) is str:
                size = len(unit)
                if size == 2:
                    value = unit.get("grade", _plain_unit)
                    if (type(value) is str or value is None) and (found := shared((uid, value))) is not None:
                        parsed.append(found)
                        continue
                elif size == 1 and (found := shared((uid, None))) is not None:
                    parsed.append(found)
                    continue
            parsed.append(_plain_unit(unit))
        return GradeRequest(
            units=tuple(parsed),
            qualification=qualification,
            suite=suite,
            size_glh=size_glh,
            registered_on=registered_on,
        )
    except _NotPlain:
        return None


def parse_request(data: Mapping[str, Any] | str | bytes) -> GradeRequest:
    """Parse a request from a dict or JSON text; errors name the field, e.g. ``units[3].grade``."""
    if type(data) is dict:
        fast = _parse_plain(data)
        if fast is not None:
            return fast
    elif isinstance(data, str | bytes):
        try:
            loaded = json.loads(data)
        except ValueError:
            pass  # pydantic words the error
        else:
            if type(loaded) is dict and (fast := _parse_plain(loaded)) is not None:
                return fast
    return _parse_validated(data)


def _parse_validated(data: Mapping[str, Any] | str | bytes) -> GradeRequest:
    """``parse_request`` through the pydantic models: every shape, and every error message."""
    try:
        if isinstance(data, str | bytes):
            parsed = _RequestIn.model_validate_json(data)  # pydantic's own (fast) JSON parser
        elif isinstance(data, dict | Mapping):
            parsed = _RequestIn.model_validate(data)
        else:
            raise GradeRequestError("(request)", "a request is a JSON object")
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "json_invalid":
            raise GradeRequestError("(request)", f"invalid JSON: {err['msg']}") from None
        if err["type"] in ("model_type", "model_attributes_type") and not err["loc"]:
            raise GradeRequestError("(request)", "a request is a JSON object") from None
        raise GradeRequestError(format_path(err["loc"]), _problem(err)) from None
    units = []
    for i, unit in enumerate(parsed.units):
        path = f"units[{i}]"
        if unit.attempts is not None:
            attempts = tuple(_attempt(a, f"{path}.attempts[{j}]") for j, a in enumerate(unit.attempts))
        elif unit.grade is None and unit.points is None and unit.raw_mark is None:
            attempts = ()  # no outcome yet
        else:
            attempts = (_attempt(unit, path),)
        units.append(
            UnitRequest(
                id=str(unit.id),
                attempts=attempts,
                glh=unit.glh,
                assessment=unit.assessment,
                mandatory=unit.mandatory,
                title=unit.title,
            )
        )
    return GradeRequest(
        units=tuple(units),
        qualification=parsed.qualification,
        suite=parsed.suite,
        size_glh=parsed.size_glh,
        registered_on=parsed.registered_on,
    )
