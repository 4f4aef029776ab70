"""Specification files: their pydantic models and the YAML reader.

Three kinds of file live under ``grading/specs/`` (see docs/grading.md for the format):

- ``kind: suite`` — a family of qualifications sharing grading rules (points, thresholds,
  eligibility, fallback; or, for UMS suites, the grade scales);
- ``kind: qualification`` — one qualification: QN, title, size and unit structure;
- ``kind: ums_conversion`` — raw mark to UMS tables for one qualification and series.

Every file carries a ``sources:`` list and every fact a ``source:`` citing ids from that list,
so each number can be traced to the reference notes. These models are used only when files are
loaded; the engine runs on plain data compiled from them (``model.py``).
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from resultsday.grading.errors import SpecError, format_path
from resultsday.grading.grades import Assessment, Confidence, ResultsDayType, UnitGrade

QN_PATTERN = r"^\d{3}/\d{4}/[0-9X]$"
_SOURCE_ID = re.compile(r"\b[A-Z]{1,2}\d{1,3}\b")

PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A public source, as listed in the reference notes."""

    id: Annotated[str, Field(pattern=r"^[A-Z]{1,2}\d{1,3}$")]
    reference: Text  # where the id is defined, e.g. "btec-grading.md §9"
    title: Text
    address: Text


class Sourced(_Strict):
    """A fact and where it comes from."""

    source: Text  # source ids (and pages) from the file's ``sources`` list, e.g. "S1 p.353"
    confidence: Confidence = Confidence.HIGH
    note: str | None = None


class UnitGradeScale(Sourced):
    scale: list[UnitGrade]


class PointsEntry(Sourced):
    """Points per unit grade for one assessment type and unit size."""

    assessment: Assessment
    glh: PositiveInt
    points: dict[UnitGrade, NonNegativeInt]

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        ordered = [self.points[g] for g in UnitGrade if g in self.points]
        if UnitGrade.U not in self.points:
            raise ValueError("points must give U")
        if any(a >= b for a, b in pairwise(ordered)):
            raise ValueError("points must increase with the unit grade")
        return self


class ExternalPoints(Sourced):
    """How raw marks between two grade boundaries become points (a named rule)."""

    interpolation: Literal["linear_floor"]
    assumption: Text


class RetakeCap(Sourced):
    """The highest unit grade a retake can achieve, by assessment type."""

    internal: UnitGrade


class MinimumGrade(Sourced):
    """A must-pass rule: units of this assessment type and status need at least ``grade``."""

    assessment: Assessment | None = None  # None: any assessment type
    mandatory: bool | None = None  # None: mandatory and optional units alike
    grade: UnitGrade


class CountsAsPass(Sourced):
    """The lowest unit grade whose GLH count as "at Pass" for the GLH rule, per assessment."""

    internal: UnitGrade
    external: UnitGrade


class Eligibility(_Strict):
    minimum_unit_grades: list[MinimumGrade]
    counts_as_pass: CountsAsPass


class MinimumGlh(Sourced):
    glh: PositiveInt


class Size(Sourced):
    """A qualification size of the suite."""

    glh: PositiveInt
    name: Text
    min_glh_at_pass: MinimumGlh | None = None
    gap: str | None = None  # required when no GLH minimum is known: what the reference says

    @model_validator(mode="after")
    def _gap_recorded(self) -> Self:
        if self.min_glh_at_pass is None and not self.gap:
            raise ValueError("no min_glh_at_pass: record the gap (what the reference says) in gap")
        return self


class Fallback(Sourced):
    """Sizes to try, largest first, when a learner does not achieve the registered size."""

    order: list[PositiveInt]
    assumption: Text

    @model_validator(mode="after")
    def _descending(self) -> Self:
        if any(a <= b for a, b in pairwise(self.order)):
            raise ValueError("fallback order must list sizes largest first")
        return self


def _check_increasing_thresholds(thresholds: dict[str, int]) -> None:
    values = list(thresholds.values())
    if not values:
        raise ValueError("a threshold table needs at least one grade")
    if any(a >= b for a, b in pairwise(values)):
        raise ValueError("thresholds must be listed lowest first and strictly increase")
    if values[0] <= 0:
        raise ValueError("the lowest threshold must be above 0 (below it is U)")


class ThresholdTable(Sourced):
    """Points thresholds per size, for registrations from ``valid_from``."""

    id: Text
    valid_from: date
    applies_to: list[Annotated[str, Field(pattern=QN_PATTERN)]] | None = None  # None: every QN
    sizes: dict[PositiveInt, dict[Text, PositiveInt]]

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        for thresholds in self.sizes.values():
            _check_increasing_thresholds(thresholds)
        return self


class _SuiteCommon(_Strict):
    kind: Literal["suite"]
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Text
    results_day_type: ResultsDayType
    sources: list[Source]
    gaps: list[Text] = []


class PointsSuiteFile(_SuiteCommon):
    mechanism: Literal["points"]
    unit_grades: UnitGradeScale
    points: list[PointsEntry]
    external_points: ExternalPoints
    retake_cap: RetakeCap
    eligibility: Eligibility
    sizes: list[Size]
    fallback: Fallback
    threshold_tables: list[ThresholdTable]


class GradeList(Sourced):
    grades: list[Text]


class UmsSuiteFile(_SuiteCommon):
    mechanism: Literal["ums"]
    qualification_grades: GradeList  # lowest first
    component_grades: GradeList
    best_attempt: Sourced


class UnitEntry(_Strict):
    """A unit (or, in UMS suites, a component) of a qualification."""

    id: Annotated[str, Field(min_length=1, max_length=20)]
    title: Text
    glh: PositiveInt | None = None  # required in points suites
    assessment: Assessment
    mandatory: bool = True
    group: str | None = None  # an optional-unit group label, recorded as data only
    ums_max: PositiveInt | None = None  # UMS suites: the component's maximum UMS
    source: str | None = None  # overrides the qualification's structure_source for this unit
    note: str | None = None


class UmsThresholds(Sourced):
    """UMS thresholds on the qualification's total UMS, lowest grade first."""

    thresholds: dict[Text, PositiveInt]

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        _check_increasing_thresholds(self.thresholds)
        return self


class QualificationFile(_Strict):
    kind: Literal["qualification"]
    qn: Annotated[str, Field(pattern=QN_PATTERN)]
    title: Text
    level: Text  # "3", "1/2"
    suite: Text
    sector: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    size_glh: PositiveInt | None = None  # required in points suites
    tqt: PositiveInt | None = None
    results_day_type: ResultsDayType
    sources: list[Source]
    source: Text  # for the identity facts: QN, title, level, size, TQT
    structure_source: Text  # for the unit list, unless a unit gives its own
    optional_glh_required: NonNegativeInt = 0
    units: list[UnitEntry]
    ums_thresholds: UmsThresholds | None = None
    gaps: list[Text] = []


class ComponentConversion(_Strict):
    component: Text
    ums_by_raw: list[NonNegativeInt]  # UMS for raw mark 0, 1, 2, ... max

    @model_validator(mode="after")
    def _non_decreasing(self) -> Self:
        ums = self.ums_by_raw
        if len(ums) < 2:
            raise ValueError("a conversion table needs an entry for every raw mark from 0 to max")
        if any(a > b for a, b in pairwise(ums)):
            raise ValueError("UMS must not decrease as the raw mark rises")
        return self


class UmsConversionFile(Sourced):
    kind: Literal["ums_conversion"]
    qualification: Annotated[str, Field(pattern=QN_PATTERN)]
    series: Text
    sources: list[Source]
    components: list[ComponentConversion]


SpecFile = PointsSuiteFile | UmsSuiteFile | QualificationFile | UmsConversionFile


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys instead of silently keeping the last."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _cited_ids(model: BaseModel, loc: tuple[str | int, ...] = ()) -> list[tuple[str, str]]:
    """Every (path, source id) cited by a ``source`` field anywhere inside ``model``."""
    found: list[tuple[str, str]] = []
    for name, value in model:
        here = (*loc, name)
        if name == "source" and isinstance(value, str):
            found.extend((format_path(here), sid) for sid in _SOURCE_ID.findall(value))
        elif isinstance(value, BaseModel):
            found.extend(_cited_ids(value, here))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found.extend(_cited_ids(item, (*here, i)))
    return found


def parse_spec(data: Any, file: str) -> SpecFile:
    """Validate one parsed YAML document as a specification file (errors name file and path)."""
    if not isinstance(data, dict):
        raise SpecError(file, [("(top level)", "expected a mapping with a 'kind' key")])
    kind = data.get("kind")
    model: type[SpecFile]
    if kind == "suite":
        mechanism = data.get("mechanism")
        if mechanism == "points":
            model = PointsSuiteFile
        elif mechanism == "ums":
            model = UmsSuiteFile
        else:
            raise SpecError(file, [("mechanism", "expected 'points' or 'ums'")])
    elif kind == "qualification":
        model = QualificationFile
    elif kind == "ums_conversion":
        model = UmsConversionFile
    else:
        raise SpecError(file, [("kind", "expected 'suite', 'qualification' or 'ums_conversion'")])
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(file, [(format_path(err["loc"]), err["msg"]) for err in exc.errors()]) from None
    listed = {source.id for source in spec.sources}
    unknown = [
        (path, f"cites source {sid}, which is not in this file's sources list")
        for path, sid in _cited_ids(spec)
        if sid not in listed
    ]
    if unknown:
        raise SpecError(file, unknown)
    return spec


def read_spec(text: str, file: str) -> SpecFile:
    """Parse and validate the text of one specification file; ``file`` names it in errors."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(top level)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(file, [(where, f"invalid YAML: {problem}")]) from None
    return parse_spec(data, file)
