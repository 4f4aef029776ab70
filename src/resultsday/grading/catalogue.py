"""The catalogue: every suite and qualification loaded from a directory tree of spec files."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from resultsday.grading.boundaries import INTERPOLATIONS
from resultsday.grading.errors import SpecError
from resultsday.grading.grades import RANK, Assessment, UnitGrade
from resultsday.grading.model import (
    Component,
    MinimumGradeRule,
    PointsSuite,
    Qualification,
    SizeRule,
    Structure,
    Suite,
    Thresholds,
    ThresholdTable,
    UmsConfig,
    UmsSuite,
    UnitDef,
)
from resultsday.grading.spec import (
    PointsSuiteFile,
    QualificationFile,
    SpecFile,
    UmsConversionFile,
    UmsSuiteFile,
    read_spec,
)


def _walk(root: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        name = f"{prefix}/{entry.name}" if prefix else entry.name
        if entry.is_dir():
            yield from _walk(entry, name)
        elif entry.name.endswith((".yaml", ".yml")):
            yield name, entry


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Suites by id and qualifications by QN, compiled and cross-checked."""

    suites: dict[str, Suite]
    qualifications: dict[str, Qualification]
    _fallbacks: dict[str, tuple[Qualification, ...]] = field(default_factory=dict, repr=False)
    # compiled inline structures, keyed by their definition (see engine.inline_structure)
    _inline_structures: dict[tuple[object, ...], Structure] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, root: Path | Traversable, *, name: str | None = None) -> Catalogue:
        """Load every ``*.yaml`` file under ``root``; errors name the file and the path in it."""
        label = name or (str(root) if isinstance(root, Path) else root.name)
        parsed: list[tuple[str, SpecFile]] = [
            (f"{label}/{rel}", read_spec(entry.read_text(encoding="utf-8"), f"{label}/{rel}"))
            for rel, entry in _walk(root, "")
        ]
        return cls.from_specs(parsed)

    @classmethod
    def from_specs(cls, parsed: list[tuple[str, SpecFile]]) -> Catalogue:
        """Compile already-parsed spec files (``(file name, spec)`` pairs)."""
        suites: dict[str, Suite] = {}
        for file, spec in parsed:
            if isinstance(spec, PointsSuiteFile | UmsSuiteFile):
                if spec.id in suites:
                    raise SpecError(file, [("id", f"suite {spec.id} is defined twice")])
                suites[spec.id] = (
                    _compile_points_suite(spec, file)
                    if isinstance(spec, PointsSuiteFile)
                    else _compile_ums_suite(spec, file)
                )
        conversions: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {}
        for file, spec in parsed:
            if isinstance(spec, UmsConversionFile):
                by_series = conversions.setdefault(spec.qualification, {})
                if spec.series in by_series:
                    raise SpecError(file, [("series", f"series {spec.series} is defined twice")])
                by_series[spec.series] = {c.component: tuple(c.ums_by_raw) for c in spec.components}
        qualifications: dict[str, Qualification] = {}
        for file, spec in parsed:
            if isinstance(spec, QualificationFile):
                if spec.qn in qualifications:
                    raise SpecError(file, [("qn", f"qualification {spec.qn} is defined twice")])
                suite = suites.get(spec.suite)
                if suite is None:
                    raise SpecError(file, [("suite", f"no suite {spec.suite!r} is loaded")])
                qualifications[spec.qn] = _compile_qualification(
                    spec, file, suite, conversions.pop(spec.qn, {})
                )
        for qn in conversions:
            raise SpecError("(conversion files)", [("qualification", f"no qualification {qn} is loaded")])
        return cls(suites=suites, qualifications=qualifications)

    @classmethod
    def default(cls) -> Catalogue:
        """The specifications shipped with resultsday (loaded once per process)."""
        return default_catalogue()

    def suite(self, suite_id: str) -> Suite:
        try:
            return self.suites[suite_id]
        except KeyError:
            raise KeyError(f"no suite {suite_id!r} in the catalogue") from None

    def points_suite(self, suite_id: str) -> PointsSuite:
        suite = self.suite(suite_id)
        if not isinstance(suite, PointsSuite):
            raise KeyError(f"suite {suite_id!r} is not a points-based suite")
        return suite

    def qualification(self, qn: str) -> Qualification:
        try:
            return self.qualifications[qn]
        except KeyError:
            raise KeyError(f"no qualification {qn} in the catalogue") from None

    def qualifications_of(self, suite_id: str, sector: str | None = None) -> dict[int, Qualification]:
        """Qualifications of a suite (optionally one sector) by size in GLH."""
        found: dict[int, Qualification] = {}
        for qual in self.qualifications.values():
            if qual.suite.id == suite_id and sector in (None, qual.sector) and qual.size_glh:
                found[qual.size_glh] = qual
        return found

    def fallbacks_for(self, qn: str) -> tuple[Qualification, ...]:
        """Smaller qualifications of the same suite and sector, in the suite's fallback order."""
        found = self._fallbacks.get(qn)
        if found is None:
            qual = self.qualification(qn)
            suite = qual.suite
            found = ()
            if isinstance(suite, PointsSuite) and qual.size_glh is not None:
                by_size = self.qualifications_of(suite.id, qual.sector)
                found = tuple(
                    by_size[size] for size in suite.fallback_order if size < qual.size_glh and size in by_size
                )
            self._fallbacks[qn] = found
        return found


@functools.cache
def default_catalogue() -> Catalogue:
    """The catalogue of the specifications shipped in ``resultsday/grading/specs``."""
    return Catalogue.load(files("resultsday.grading") / "specs", name="grading/specs")


def _compile_points_suite(spec: PointsSuiteFile, file: str) -> PointsSuite:
    problems: list[tuple[str, str]] = []
    scale = tuple(spec.unit_grades.scale)
    if list(scale) != sorted(scale, key=lambda g: RANK[g]):
        problems.append(("unit_grades.scale", "list the unit grades lowest first (U, N, P, M, D)"))
    points: dict[tuple[Assessment, int], tuple[int | None, ...]] = {}
    for i, entry in enumerate(spec.points):
        key = (entry.assessment, entry.glh)
        if key in points:
            problems.append((f"points[{i}]", f"{entry.assessment} {entry.glh} GLH is given twice"))
        outside = [g for g in entry.points if g not in scale]
        if outside:
            problems.append((f"points[{i}].points", f"grades {outside} are not in the scale"))
        points[key] = tuple(entry.points.get(g) for g in UnitGrade)
    sizes = {
        s.glh: SizeRule(
            glh=s.glh,
            name=s.name,
            min_glh_at_pass=s.min_glh_at_pass.glh if s.min_glh_at_pass else None,
            source=s.min_glh_at_pass.source if s.min_glh_at_pass else s.source,
            gap=s.gap,
        )
        for s in spec.sizes
    }
    for i, size in enumerate(spec.fallback.order):
        if size not in sizes:
            problems.append((f"fallback.order[{i}]", f"{size} is not a size of the suite"))
    tables: list[ThresholdTable] = []
    for i, table in enumerate(spec.threshold_tables):
        for size in table.sizes:
            if size not in sizes:
                problems.append((f"threshold_tables[{i}].sizes[{size}]", "not a size of the suite"))
        tables.append(
            ThresholdTable(
                id=table.id,
                valid_from=table.valid_from,
                applies_to=frozenset(table.applies_to) if table.applies_to is not None else None,
                sizes={
                    size: Thresholds(
                        table_id=table.id,
                        valid_from=table.valid_from,
                        size_glh=size,
                        grades=tuple(column),
                        minimums=tuple(column.values()),
                        source=table.source,
                    )
                    for size, column in table.sizes.items()
                },
                source=table.source,
            )
        )
    pass_grades = spec.eligibility.counts_as_pass
    for assessment, grade in (("internal", pass_grades.internal), ("external", pass_grades.external)):
        if grade not in scale:
            problems.append((f"eligibility.counts_as_pass.{assessment}", f"{grade} not in scale"))
    if problems:
        raise SpecError(file, problems)
    return PointsSuite(
        id=spec.id,
        name=spec.name,
        results_day_type=spec.results_day_type,
        scale=scale,
        points=points,
        interpolation=spec.external_points.interpolation,
        interpolate=INTERPOLATIONS[spec.external_points.interpolation],
        retake_cap={Assessment.INTERNAL: RANK[spec.retake_cap.internal]},
        minimum_grades=tuple(
            MinimumGradeRule(r.assessment, r.mandatory, r.grade, r.source)
            for r in spec.eligibility.minimum_unit_grades
        ),
        counts_as_pass={
            Assessment.INTERNAL: RANK[pass_grades.internal],
            Assessment.EXTERNAL: RANK[pass_grades.external],
        },
        sizes=sizes,
        fallback_order=tuple(spec.fallback.order),
        tables=tuple(sorted(tables, key=lambda t: t.valid_from, reverse=True)),
        gaps=tuple(spec.gaps),
        file=file,
    )


def _compile_ums_suite(spec: UmsSuiteFile, file: str) -> UmsSuite:
    return UmsSuite(
        id=spec.id,
        name=spec.name,
        results_day_type=spec.results_day_type,
        qualification_grades=tuple(spec.qualification_grades.grades),
        component_grades=tuple(spec.component_grades.grades),
        gaps=tuple(spec.gaps),
        file=file,
    )


def _compile_qualification(
    spec: QualificationFile,
    file: str,
    suite: Suite,
    conversions: dict[str, dict[str, tuple[int, ...]]],
) -> Qualification:
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, unit in enumerate(spec.units):
        if unit.id in seen:
            problems.append((f"units[{i}].id", f"unit {unit.id} is listed twice"))
        seen.add(unit.id)
    structure: Structure | None = None
    components: tuple[Component, ...] = ()
    ums: UmsConfig | None = None
    if isinstance(suite, PointsSuite):
        structure = _compile_structure(spec, suite, problems)
    else:
        components = tuple(Component(u.id, u.title, u.assessment, u.ums_max) for u in spec.units)
        for series, tables in conversions.items():
            for component in tables:
                if component not in seen:
                    problems.append((f"conversions[{series}]", f"component {component} is not in {spec.qn}"))
        thresholds = None
        if spec.ums_thresholds is not None:
            unknown = [g for g in spec.ums_thresholds.thresholds if g not in suite.qualification_grades]
            if unknown:
                problems.append(("ums_thresholds", f"grades {unknown} are not in the suite"))
            column = spec.ums_thresholds.thresholds
            thresholds = Thresholds(
                table_id=f"{spec.qn} UMS",
                valid_from=date.min,
                size_glh=spec.size_glh or 0,
                grades=tuple(column),
                minimums=tuple(column.values()),
                source=spec.ums_thresholds.source,
            )
        ums = UmsConfig(thresholds=thresholds, conversions=conversions)
    if problems:
        raise SpecError(file, problems)
    return Qualification(
        qn=spec.qn,
        title=spec.title,
        level=spec.level,
        sector=spec.sector,
        size_glh=spec.size_glh,
        tqt=spec.tqt,
        suite=suite,
        results_day_type=spec.results_day_type,
        structure=structure,
        components=components,
        ums=ums,
        gaps=tuple(spec.gaps),
        file=file,
    )


def _compile_structure(
    spec: QualificationFile, suite: PointsSuite, problems: list[tuple[str, str]]
) -> Structure | None:
    if spec.size_glh is None or spec.size_glh not in suite.sizes:
        problems.append(("size_glh", f"must be one of the sizes of {suite.id}: {sorted(suite.sizes)}"))
        return None
    units: list[UnitDef] = []
    for i, entry in enumerate(spec.units):
        if entry.glh is None:
            problems.append((f"units[{i}].glh", "required in a points-based suite"))
            continue
        try:
            units.append(
                suite.unit(
                    id=entry.id,
                    title=entry.title,
                    glh=entry.glh,
                    assessment=entry.assessment,
                    mandatory=entry.mandatory,
                    group=entry.group,
                )
            )
        except KeyError:
            problems.append(
                (f"units[{i}]", f"{suite.id} has no points for {entry.glh}-GLH {entry.assessment} units")
            )
    mandatory_glh = sum(u.glh for u in units if u.mandatory)
    optional_glh = sum(u.glh for u in units if not u.mandatory)
    if mandatory_glh + spec.optional_glh_required != spec.size_glh:
        problems.append(
            (
                "optional_glh_required",
                f"mandatory units ({mandatory_glh} GLH) plus optional_glh_required "
                f"({spec.optional_glh_required}) must equal size_glh ({spec.size_glh})",
            )
        )
    if optional_glh < spec.optional_glh_required:
        problems.append(("units", f"only {optional_glh} GLH of optional units are listed"))
    if problems:
        return None
    return Structure.build(
        suite=suite,
        size=suite.sizes[spec.size_glh],
        qn=spec.qn,
        title=spec.title,
        units=units,
        optional_glh=spec.optional_glh_required,
    )
