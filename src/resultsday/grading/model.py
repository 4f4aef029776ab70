"""The compiled specification: plain, immutable lookup tables the engine runs on.

Spec files are validated with pydantic once, when loaded (``spec.py``); the catalogue then
compiles them into these dataclasses so that grading touches only tuples and dicts.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from resultsday.grading.boundaries import Interpolation
from resultsday.grading.grades import (
    RANK,
    Assessment,
    Mechanism,
    ResultsDayType,
    UnitGrade,
)

#: A unit's result: ``(grade rank, points, came from a retake)``.
Score = tuple[int, int, bool]


def natural_key(unit_id: str) -> tuple[int, int, str]:
    """Sort key that puts unit "2" before unit "10" and numbers before other ids."""
    return (0, int(unit_id), "") if unit_id.isdigit() else (1, 0, unit_id)


@dataclass(frozen=True, slots=True)
class MinimumGradeRule:
    """Units of this assessment type and status need at least ``grade`` (a must-pass rule)."""

    assessment: Assessment | None
    mandatory: bool | None
    grade: UnitGrade
    source: str

    def applies_to(self, assessment: Assessment, mandatory: bool) -> bool:
        return (self.assessment is None or self.assessment is assessment) and (
            self.mandatory is None or self.mandatory is mandatory
        )

    def describe(self) -> str:
        """E.g. "mandatory internal units need P or above"."""
        status = {None: "", True: "mandatory ", False: "optional "}[self.mandatory]
        kind = f"{self.assessment} " if self.assessment is not None else ""
        return f"{status}{kind}units need {self.grade} or above"


@dataclass(frozen=True, slots=True)
class UnitDef:
    """One unit as the engine sees it: its size, type, status and points per grade rank."""

    id: str
    title: str
    glh: int
    assessment: Assessment
    mandatory: bool
    order: tuple[int, int, str]  # natural_key(id): orders output and breaks ties
    points: tuple[int | None, ...]  # by grade rank (U..D); None where the grade does not exist
    min_rank: int  # lowest rank the must-pass rules allow (0: any outcome)
    min_rule: MinimumGradeRule | None  # the rule that sets min_rank
    pass_rank: int  # from this rank the unit's GLH count "at Pass"
    top_points: int  # the points of the unit's highest grade
    # for every total p from 0 to top_points: the lowest grade rank worth at least p points
    rank_reaching: tuple[int, ...]
    points_reaching: tuple[int, ...]  # the points of that grade, for the same totals
    # by grade rank: the score of a single plain (not retaken) grade, None where the grade
    # does not exist; shared, so scoring the common case builds nothing. One more entry,
    # None, at the end: ``scores[-1]`` is what a request unit's ``plain_rank`` of -1 reads.
    scores: tuple[Score | None, ...]
    # by grade rank: the GLH the unit adds to the GLH at Pass, and 1 if the grade is below the
    # unit's minimum grade (else 0): the per-unit terms of the Selection sums
    glh_at_pass_by_rank: tuple[int, ...]
    below_minimum_by_rank: tuple[int, ...]
    group: str | None = None

    def label(self) -> str:
        return f"unit {self.id} {self.title}".rstrip()


@dataclass(frozen=True, slots=True)
class SizeRule:
    glh: int
    name: str
    min_glh_at_pass: int | None
    source: str
    gap: str | None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """One size's column of one threshold table: grades lowest first, with minimum points."""

    table_id: str
    valid_from: date
    size_glh: int
    grades: tuple[str, ...]
    minimums: tuple[int, ...]
    source: str
    # lookup tables for every total from 0 to the top threshold, so grading never searches:
    # the grade's index (-1 for U) and its name (the top grade from the top threshold up)
    index_by_points: tuple[int, ...] = field(init=False, repr=False, compare=False)
    grade_by_points: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        indexes = tuple(bisect_right(self.minimums, p) - 1 for p in range(self.minimums[-1] + 1))
        object.__setattr__(self, "index_by_points", indexes)
        names = tuple(self.grades[i] if i >= 0 else "U" for i in indexes)
        object.__setattr__(self, "grade_by_points", names)

    def index_for(self, points: int) -> int:
        """Index of the highest grade whose minimum ``points`` reaches; -1 for U."""
        table = self.index_by_points
        return table[points] if points < len(table) else len(self.minimums) - 1

    def grade_for(self, points: int) -> str:
        """The grade ``points`` reach ("U" below the lowest threshold)."""
        table = self.grade_by_points
        return table[points] if points < len(table) else self.grades[-1]


@dataclass(frozen=True, slots=True)
class ThresholdTable:
    id: str
    valid_from: date
    applies_to: frozenset[str] | None  # QNs; None: every qualification of the suite
    sizes: dict[int, Thresholds]
    source: str


@dataclass(frozen=True, slots=True)
class Structure:
    """The unit structure of one size: the registered qualification's, or one given inline."""

    suite: PointsSuite
    size: SizeRule
    qn: str | None
    title: str
    units: dict[str, UnitDef]
    mandatory: tuple[UnitDef, ...]
    optional: tuple[UnitDef, ...]
    optional_units: dict[str, UnitDef]  # the optional units by id
    mandatory_ids: tuple[str, ...]
    optional_glh: int  # optional GLH the size needs
    optional_unit_glh: int | None  # common GLH of every optional unit; None if they differ
    uniform_optional: bool  # whether whole optional units of one size can fill optional_glh

    @classmethod
    def build(
        cls,
        *,
        suite: PointsSuite,
        size: SizeRule,
        qn: str | None,
        title: str,
        units: list[UnitDef],
        optional_glh: int,
    ) -> Structure:
        ordered = sorted(units, key=lambda u: u.order)
        optional = tuple(u for u in ordered if not u.mandatory)
        sizes = {u.glh for u in optional}
        common = next(iter(sizes)) if len(sizes) == 1 else None
        return cls(
            suite=suite,
            size=size,
            qn=qn,
            title=title,
            units={u.id: u for u in ordered},
            mandatory=tuple(u for u in ordered if u.mandatory),
            optional=optional,
            optional_units={u.id: u for u in optional},
            mandatory_ids=tuple(u.id for u in ordered if u.mandatory),
            optional_glh=optional_glh,
            optional_unit_glh=common,
            uniform_optional=optional_glh == 0 or (common is not None and optional_glh % common == 0),
        )


@dataclass(frozen=True, slots=True)
class _UnitTemplate:
    points: tuple[int | None, ...]
    min_rank: int
    min_rule: MinimumGradeRule | None
    pass_rank: int
    top_points: int
    rank_reaching: tuple[int, ...]
    points_reaching: tuple[int, ...]
    scores: tuple[Score | None, ...]
    glh_at_pass_by_rank: tuple[int, ...]
    below_minimum_by_rank: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class PointsSuite:
    """A points-based suite (BTEC Nationals): everything the rules need, as lookup tables."""

    id: str
    name: str
    results_day_type: ResultsDayType
    scale: tuple[UnitGrade, ...]
    points: dict[tuple[Assessment, int], tuple[int | None, ...]]  # by grade rank
    interpolation: str
    interpolate: Interpolation
    retake_cap: dict[Assessment, int]  # highest rank a retake can achieve
    minimum_grades: tuple[MinimumGradeRule, ...]
    counts_as_pass: dict[Assessment, int]  # rank
    sizes: dict[int, SizeRule]
    fallback_order: tuple[int, ...]
    tables: tuple[ThresholdTable, ...]  # newest valid_from first
    gaps: tuple[str, ...]
    file: str
    mechanism: Mechanism = Mechanism.POINTS
    _templates: dict[tuple[Assessment, int, bool], _UnitTemplate] = field(default_factory=dict, repr=False)
    _units: dict[tuple[str, str, int, Assessment, bool, str | None], UnitDef] = field(
        default_factory=dict, repr=False
    )
    _thresholds: dict[tuple[int, str | None, date], Thresholds | None] = field(
        default_factory=dict, repr=False
    )

    def external_points(self, glh: int) -> tuple[int | None, ...]:
        try:
            return self.points[(Assessment.EXTERNAL, glh)]
        except KeyError:
            raise KeyError(f"{self.id} has no points for {glh}-GLH external units") from None

    def unit(
        self,
        *,
        id: str,
        title: str,
        glh: int,
        assessment: Assessment,
        mandatory: bool,
        group: str | None = None,
    ) -> UnitDef:
        """Compile a unit; raises KeyError if the suite has no points for its type and size.

        Compiled units are kept (bounded): inline requests repeat the same units.
        """
        unit_key = (id, title, glh, assessment, mandatory, group)
        found = self._units.get(unit_key)
        if found is not None:
            return found
        key = (assessment, glh, mandatory)
        template = self._templates.get(key)
        if template is None:
            points = self.points[(assessment, glh)]
            rules = [r for r in self.minimum_grades if r.applies_to(assessment, mandatory)]
            rule = max(rules, key=lambda r: RANK[r.grade], default=None)
            existing = [(r, q) for r, q in enumerate(points) if q is not None]
            top_points = max(q for _, q in existing)
            # the lowest grade worth at least p points, for every p up to the top grade's
            reaching = [min((r, q) for r, q in existing if q >= p) for p in range(top_points + 1)]
            min_rank = RANK[rule.grade] if rule else 0
            pass_rank = self.counts_as_pass[assessment]
            template = _UnitTemplate(
                points=points,
                min_rank=min_rank,
                min_rule=rule,
                pass_rank=pass_rank,
                top_points=top_points,
                rank_reaching=tuple(r for r, _ in reaching),
                points_reaching=tuple(q for _, q in reaching),
                scores=(*((r, q, False) if q is not None else None for r, q in enumerate(points)), None),
                glh_at_pass_by_rank=tuple(glh if r >= pass_rank else 0 for r in range(len(points))),
                below_minimum_by_rank=tuple(1 if r < min_rank else 0 for r in range(len(points))),
            )
            self._templates[key] = template
        unit = UnitDef(
            id=id,
            title=title,
            glh=glh,
            assessment=assessment,
            mandatory=mandatory,
            order=natural_key(id),
            points=template.points,
            min_rank=template.min_rank,
            min_rule=template.min_rule,
            pass_rank=template.pass_rank,
            top_points=template.top_points,
            rank_reaching=template.rank_reaching,
            points_reaching=template.points_reaching,
            scores=template.scores,
            glh_at_pass_by_rank=template.glh_at_pass_by_rank,
            below_minimum_by_rank=template.below_minimum_by_rank,
            group=group,
        )
        if len(self._units) >= 20_000:
            self._units.clear()
        self._units[unit_key] = unit
        return unit

    def thresholds_for(self, size_glh: int, qn: str | None, on: date) -> Thresholds | None:
        """The threshold column for a size and a registration date (newest table that applies)."""
        key = (size_glh, qn, on)
        try:
            return self._thresholds[key]
        except KeyError:
            pass
        if len(self._thresholds) > 10_000:  # registration dates are few; keep the cache bounded
            self._thresholds.clear()
        found = self._thresholds[key] = self._find_thresholds(size_glh, qn, on)
        return found

    def _find_thresholds(self, size_glh: int, qn: str | None, on: date) -> Thresholds | None:
        for table in self.tables:
            if table.valid_from > on:
                continue
            if table.applies_to is not None and qn not in table.applies_to:
                continue
            column = table.sizes.get(size_glh)
            if column is not None:
                return column
        return None


@dataclass(frozen=True, slots=True)
class UmsSuite:
    """A UMS-based suite (BTEC Tech Awards 2022): grade scales only; numbers are per qualification."""

    id: str
    name: str
    results_day_type: ResultsDayType
    qualification_grades: tuple[str, ...]
    component_grades: tuple[str, ...]
    gaps: tuple[str, ...]
    file: str
    mechanism: Mechanism = Mechanism.UMS


Suite = PointsSuite | UmsSuite


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    title: str
    assessment: Assessment
    ums_max: int | None


@dataclass(frozen=True, slots=True)
class UmsConfig:
    """A UMS qualification's numbers: thresholds and raw->UMS tables per series and component."""

    thresholds: Thresholds | None
    conversions: dict[str, dict[str, tuple[int, ...]]]  # series -> component -> UMS by raw mark


@dataclass(frozen=True, slots=True)
class Qualification:
    qn: str
    title: str
    level: str
    sector: str
    size_glh: int | None
    tqt: int | None
    suite: Suite
    results_day_type: ResultsDayType
    structure: Structure | None  # points suites
    components: tuple[Component, ...]  # UMS suites
    ums: UmsConfig | None
    gaps: tuple[str, ...]
    file: str
