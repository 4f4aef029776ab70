"""Specification files: the loader's errors, and what the shipped files promise."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from resultsday.grading import Catalogue, SpecError
from resultsday.grading.grades import Assessment
from resultsday.grading.model import PointsSuite, UmsSuite
from resultsday.grading.spec import read_spec
from resultsday.grading.tests.conftest import SPECS

NATIONALS = SPECS / "btec-nationals-2016"


def copy_specs(tmp_path: Path) -> Path:
    target = tmp_path / "specs"
    shutil.copytree(str(SPECS), target)
    return target


def spec_files() -> list[Path]:
    return sorted(Path(str(SPECS)).rglob("*.yaml"))


def test_a_bad_value_is_reported_with_file_path_and_problem(tmp_path: Path) -> None:
    root = copy_specs(tmp_path)
    bad = root / "btec-nationals-2016" / "business" / "extended-diploma.yaml"
    bad.write_text(bad.read_text().replace("glh: 120", "glh: lots", 1))
    with pytest.raises(SpecError) as raised:
        Catalogue.load(root)
    message = str(raised.value)
    assert "business/extended-diploma.yaml: units[2].glh: Input should be a valid integer" in message
    assert raised.value.problems[0][0] == "units[2].glh"


def test_an_unknown_field_and_a_missing_field_are_named() -> None:
    with pytest.raises(SpecError) as raised:
        read_spec("kind: qualification\nqn: 601/7155/8\ntitel: typo\n", "q.yaml")
    paths = [path for path, _ in raised.value.problems]
    assert "titel" in paths and "title" in paths and "units" in paths


def test_invalid_yaml_and_duplicate_keys_are_refused_with_the_line() -> None:
    with pytest.raises(SpecError, match=r"q.yaml: line 2: invalid YAML"):
        read_spec("kind: suite\n  bad: [\n", "q.yaml")
    with pytest.raises(SpecError, match="duplicate key 'qn'"):
        read_spec("kind: qualification\nqn: 601/7155/8\nqn: 601/7155/8\n", "q.yaml")


def test_a_cited_source_must_be_in_the_files_sources_list(tmp_path: Path) -> None:
    root = copy_specs(tmp_path)
    suite = root / "btec-nationals-2016" / "suite.yaml"
    suite.write_text(suite.read_text().replace("source: N2 p.88", "source: N99 p.88"))
    with pytest.raises(SpecError, match=r"threshold_tables\[0\]\.source: cites source N99"):
        Catalogue.load(root)


def test_cross_file_problems_are_named(tmp_path: Path) -> None:
    root = copy_specs(tmp_path)
    cert = root / "btec-nationals-2016" / "business" / "certificate.yaml"
    cert.write_text(cert.read_text().replace("optional_glh_required: 0", "optional_glh_required: 60"))
    with pytest.raises(SpecError, match=r"certificate\.yaml: optional_glh_required: mandatory units"):
        Catalogue.load(root)
    cert.write_text(cert.read_text().replace("suite: btec-nationals-2016", "suite: nope"))
    with pytest.raises(SpecError, match="suite: no suite 'nope' is loaded"):
        Catalogue.load(root)


def test_thresholds_must_increase(tmp_path: Path) -> None:
    root = copy_specs(tmp_path)
    suite = root / "btec-nationals-2016" / "suite.yaml"
    suite.write_text(suite.read_text().replace("{P: 18, M: 26,", "{P: 28, M: 26,", 1))
    with pytest.raises(SpecError, match="strictly increase"):
        Catalogue.load(root)


def test_an_unknown_size_needs_its_gap_recorded(tmp_path: Path) -> None:
    root = copy_specs(tmp_path)
    suite = root / "btec-nationals-2016" / "suite.yaml"
    text = suite.read_text()
    start = text.index("    gap: UNKNOWN - no minimum GLH at Pass is stated for the Certificate")
    suite.write_text(text[:start] + text[text.index("\n", start) + 1 :])
    with pytest.raises(SpecError, match=r"sizes\[0\]: Value error, no min_glh_at_pass: record the gap"):
        Catalogue.load(root)


@pytest.mark.parametrize("path", spec_files(), ids=lambda p: str(p.relative_to(Path(str(SPECS)))))
def test_every_shipped_file_lists_its_sources_with_addresses(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    assert data["sources"], path
    for source in data["sources"]:
        assert source["address"] and source["reference"].startswith(
            ("btec-grading.md", "nationals-structures.md")
        )


def test_the_shipped_catalogue_has_business_and_it_in_every_size(catalogue: Catalogue) -> None:
    sizes = {
        sector: sorted(catalogue.qualifications_of("btec-nationals-2016", sector))
        for sector in ("business", "information-technology")
    }
    assert sizes == {
        "business": [180, 360, 510, 720, 1080],
        "information-technology": [180, 360, 510, 720, 1080],
    }
    qns = set(catalogue.qualifications)
    assert {"601/7155/8", "601/7159/5", "601/7161/3", "601/7157/1", "601/7160/1"} <= qns
    assert {"601/7574/6", "601/7575/8", "601/7576/X", "603/0455/8", "603/0454/6"} <= qns


def test_shipped_structures_match_the_reference_tables(catalogue: Catalogue) -> None:
    ext_dip = catalogue.qualification("601/7160/1").structure
    assert ext_dip is not None
    assert ext_dip.mandatory_ids == ("1", "2", "3", "4", "5", "6", "7")
    assert [u.id for u in ext_dip.mandatory if u.assessment is Assessment.EXTERNAL] == ["2", "3", "6", "7"]
    assert len(ext_dip.optional) == 28 and ext_dip.optional_glh == 360
    diploma = catalogue.qualification("601/7157/1").structure
    assert diploma is not None and "33" not in diploma.units  # not in the Diploma (N1 p.6)
    it_dip = catalogue.qualification("603/0455/8").structure
    assert it_dip is not None
    assert [(u.id, u.glh, u.assessment.value) for u in it_dip.mandatory] == [
        ("1", 120, "external"), ("2", 90, "external"), ("3", 90, "internal"),
        ("4", 90, "internal"), ("9", 90, "internal"), ("11", 120, "external"),
    ]  # fmt: skip
    assert catalogue.qualification("601/7576/X").title.endswith(
        "Foundation Diploma in Information Technology"
    )


def test_the_suite_records_its_unknowns_and_applies_no_rule_for_them(catalogue: Catalogue) -> None:
    suite = catalogue.points_suite("btec-nationals-2016")
    assert {s: r.min_glh_at_pass for s, r in suite.sizes.items()} == {
        180: None, 360: None, 510: None, 720: None, 1080: 900,
    }  # fmt: skip
    assert all(
        rule.gap and "UNKNOWN" in rule.gap for rule in suite.sizes.values() if rule.min_glh_at_pass is None
    )
    assert 540 not in suite.sizes  # the International 540 column is not needed by a shipped title
    assert (Assessment.EXTERNAL, 60) not in suite.points
    assert any("before 1 November 2019" in gap for gap in suite.gaps)
    assert suite.interpolation == "linear_floor"
    tech = catalogue.suite("btec-tech-awards-2022")
    assert isinstance(tech, UmsSuite) and tech.qualification_grades[-1] == "L2D*"
    assert not [q for q in catalogue.qualifications.values() if q.suite is tech]  # no numbers shipped


def test_every_number_in_the_suite_file_cites_a_source() -> None:
    data = yaml.safe_load((Path(str(NATIONALS)) / "suite.yaml").read_text())
    for entry in [
        *data["points"],
        *data["threshold_tables"],
        *data["sizes"],
        *data["eligibility"]["minimum_unit_grades"],
    ]:
        assert re.search(r"\b(S|N)\d+\b", entry["source"]), entry


def test_catalogue_lookups(catalogue: Catalogue) -> None:
    assert catalogue.qualification("601/7160/1").size_glh == 1080
    assert isinstance(catalogue.suite("btec-nationals-2016"), PointsSuite)
    with pytest.raises(KeyError, match="no qualification 999/9999/9"):
        catalogue.qualification("999/9999/9")
    assert [q.qn for q in catalogue.fallbacks_for("601/7575/8")] == ["601/7574/6"]
    assert catalogue.fallbacks_for("601/7155/8") == ()
