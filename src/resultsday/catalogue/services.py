"""Catalogue services: loading the grading specification files into the database."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from django.db import transaction

from resultsday.accounts.choices import AuditAction
from resultsday.accounts.models import User
from resultsday.accounts.services import audit_record
from resultsday.catalogue.models import (
    AwardingOrganisation,
    Qualification,
    QualificationUnit,
    Suite,
    Unit,
)
from resultsday.grading.catalogue import Catalogue


def shipped_specs_dir() -> Traversable:
    """The specification files shipped with resultsday (sourced facts, see docs/grading.md)."""
    return files("resultsday.grading") / "specs"


@dataclass(frozen=True)
class LoadSummary:
    suites: int
    qualifications: int
    units: int


def _unit_code(sector: str, unit_id: str) -> str:
    """Unit numbers repeat across sectors of a suite (Business Unit 1, IT Unit 1)."""
    return f"{sector}-{unit_id}"


@transaction.atomic
def catalogue_load(
    *,
    directory: Path | Traversable,
    awarding_organisation: AwardingOrganisation,
    actor: User | None,
) -> LoadSummary:
    """Load every spec file under `directory` (validated first) and upsert it, all or nothing.

    The grading engine reads the same files, so the database copy is for pages, foreign keys
    and structure checks; grades are never computed from it.
    """
    catalogue = Catalogue.load(directory)  # raises SpecError naming file and path
    suites: dict[str, Suite] = {}
    for suite_id, suite_spec in catalogue.suites.items():
        suite, _ = Suite.objects.update_or_create(
            code=suite_id,
            defaults={"name": suite_spec.name, "awarding_organisation": awarding_organisation},
        )
        suites[suite_id] = suite
    unit_count = 0
    for qn, spec in sorted(catalogue.qualifications.items()):
        suite = suites[spec.suite.id]
        qualification, _ = Qualification.objects.update_or_create(
            qn=qn,
            defaults={
                "awarding_organisation": awarding_organisation,
                "suite": suite,
                "title": spec.title,
                "level": spec.level,
                "size_glh": spec.size_glh,
                "results_day_type": spec.results_day_type.value,
                "sector": spec.sector,
                "spec_file": spec.file,
            },
        )
        rows: list[tuple[str, str, int | None, str, bool, str]] = []
        if spec.structure is not None:
            rows = [
                (u.id, u.title, u.glh, u.assessment.value, u.mandatory, u.group or "")
                for u in spec.structure.units.values()
            ]
        else:
            rows = [(c.id, c.title, None, c.assessment.value, True, "") for c in spec.components]
        keep: list[int] = []
        for unit_id, title, glh, assessment, mandatory, group in rows:
            unit, _ = Unit.objects.update_or_create(
                suite=suite,
                code=_unit_code(spec.sector, unit_id),
                defaults={"number": unit_id, "title": title, "glh": glh,
                          "assessment": assessment},
            )
            placement, _ = QualificationUnit.objects.update_or_create(
                qualification=qualification, unit=unit,
                defaults={"mandatory": mandatory, "group": group},
            )
            keep.append(placement.pk)
            unit_count += 1
        qualification.structure.exclude(pk__in=keep).delete()
    summary = LoadSummary(
        suites=len(catalogue.suites),
        qualifications=len(catalogue.qualifications),
        units=unit_count,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CATALOGUE_LOADED,
        awarding_organisation=awarding_organisation,
        summary=f"Catalogue loaded: {summary.suites} suites, {summary.qualifications} "
        f"qualifications, {summary.units} unit placements",
    )
    return summary
