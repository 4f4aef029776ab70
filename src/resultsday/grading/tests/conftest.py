"""Builders shared by the grading tests. Plain pytest: no Django anywhere in this package."""

from __future__ import annotations

import json
import shutil
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from resultsday.grading import Catalogue, GradeRequest, UnitRequest, default_catalogue

DATA = Path(__file__).parent / "data"
SPECS = files("resultsday.grading") / "specs"

BUSINESS_CERT = "601/7155/8"
BUSINESS_EXT_CERT = "601/7159/5"
BUSINESS_FOUNDATION = "601/7161/3"
BUSINESS_DIPLOMA = "601/7157/1"
BUSINESS_EXT_DIP = "601/7160/1"
IT_CERT = "601/7574/6"
IT_EXT_CERT = "601/7575/8"
IT_EXT_DIP = "603/0454/6"

COHORT_2023 = date(2023, 9, 1)  # registrations from 1 Nov 2019: table nationals-2019


def by_qn(qn: str, grades: dict[str, str | None], *, on: date = COHORT_2023) -> GradeRequest:
    """A request naming a catalogue qualification: unit id -> grade (None: no outcome yet)."""
    return GradeRequest(
        tuple(UnitRequest.graded(uid, grade) for uid, grade in grades.items()),
        qualification=qn,
        registered_on=on,
    )


def ext_dip(**overrides: str | None) -> dict[str, str | None]:
    """A Business Extended Diploma learner with every unit at P; override with u4="U" etc."""
    grades: dict[str, str | None] = {str(n): "P" for n in range(1, 14)}
    grades.update({key.removeprefix("u"): value for key, value in overrides.items()})
    return grades


def worked_examples() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / "btec-worked-examples.json").read_text())
    return rows


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture(scope="session")
def techaward_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The shipped Tech Awards suite plus TEST-ONLY fixture tables (invented numbers)."""
    root = tmp_path_factory.mktemp("techaward-specs")
    shutil.copy(str(SPECS / "btec-tech-awards-2022" / "suite.yaml"), root / "suite.yaml")
    for fixture in (DATA / "techaward-fixture").glob("*.yaml"):
        shutil.copy(fixture, root / fixture.name)
    return Catalogue.load(root)
