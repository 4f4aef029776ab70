from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from resultsday.catalogue.models import Qualification, Unit
from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
from resultsday.grading.errors import SpecError
from resultsday.testing import make_ao


def test_it_loads_the_shipped_catalogue_with_real_structures(db) -> None:
    ao = make_ao()
    summary = catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    assert summary.qualifications >= 5
    ext_dip = Qualification.objects.get(title__contains="Extended Diploma in Business")
    assert ext_dip.size_glh == 1080
    mandatory = ext_dip.structure.filter(mandatory=True).count()
    assert mandatory == 7
    unit3 = Unit.objects.get(code="business-3")
    assert (unit3.glh, unit3.assessment) == (120, "external")


def test_loading_twice_changes_nothing(db) -> None:
    ao = make_ao()
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    before = list(Unit.objects.order_by("pk").values())
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    assert list(Unit.objects.order_by("pk").values()) == before


def test_a_bad_spec_file_is_refused_naming_file_and_path_and_nothing_is_loaded(
    db, tmp_path: Path
) -> None:
    target = tmp_path / "specs"
    shutil.copytree(str(shipped_specs_dir()), target)
    bad = next(target.rglob("*extended-diploma*.yaml"), None) or next(
        p for p in target.rglob("*.yaml") if "suite" not in p.name
    )
    bad.write_text(bad.read_text().replace("glh: 120", "glh: lots", 1))
    with pytest.raises(SpecError) as raised:
        catalogue_load(directory=target, awarding_organisation=make_ao(), actor=None)
    assert bad.name in str(raised.value)
    assert Qualification.objects.count() == 0


def test_the_command_names_an_unknown_awarding_organisation(db) -> None:
    with pytest.raises(CommandError, match="No awarding organisation has the code 'nope'"):
        call_command("catalogue", "load", "--ao", "nope")
