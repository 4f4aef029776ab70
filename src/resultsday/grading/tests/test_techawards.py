"""BTEC Tech Awards (2022): the UMS mechanism, tested with TEST-ONLY invented tables.

The real conversion tables and thresholds are UNKNOWN (btec-grading.md §2), so none are
shipped; the fixture in data/techaward-fixture/ invents numbers only to exercise the code.
"""

from __future__ import annotations

from typing import Any

import pytest

from resultsday.grading import Catalogue, GradeRequestError, NotConfiguredError, grade, parse_request

FIXTURE_QN = "000/0000/0"  # TEST-ONLY


def request(*units: dict[str, Any]) -> Any:
    return parse_request({"qualification": FIXTURE_QN, "registered_on": "2024-06-01", "units": list(units)})


def test_total_ums_is_graded_against_the_configured_thresholds(techaward_catalogue: Catalogue) -> None:
    outcome = grade(
        request(
            {"id": "1", "raw_mark": 5, "series": "2024-06"},  # 10 UMS (fixture)
            {"id": "2", "raw_mark": 10, "series": "2024-06"},  # 20 UMS
            {"id": "3", "raw_mark": 6, "series": "2024-06"},  # 24 UMS
        ),
        techaward_catalogue,
    )
    assert (outcome.grade, outcome.points) == ("L2M", 54)
    assert outcome.next_grade == ("L2D", 6)
    assert outcome.glh_at_pass is None and outcome.suite == "btec-tech-awards-2022"


def test_the_best_attempt_at_a_component_counts(techaward_catalogue: Catalogue) -> None:
    outcome = grade(
        request(
            {
                "id": "1",
                "attempts": [{"raw_mark": 4, "series": "2024-06"}, {"raw_mark": 4, "series": "2025-01"}],
            },
            {"id": "2", "raw_mark": 0, "series": "2024-06"},
            {"id": "3", "raw_mark": 0, "series": "2024-06"},
        ),
        techaward_catalogue,
    )
    assert outcome.points == 12  # raw 4 is 12 UMS in the 2025-01 table, 8 in the 2024-06 one
    assert outcome.grade == "L1P"
    low = grade(
        request(
            {"id": "1", "raw_mark": 4, "series": "2024-06"},
            {"id": "2", "raw_mark": 0, "series": "2024-06"},
            {"id": "3", "raw_mark": 0, "series": "2024-06"},
        ),
        techaward_catalogue,
    )
    assert low.grade == "U" and "8 UMS is below 10, the lowest threshold (L1P)" in low.reasons[0]


def test_a_missing_component_leaves_the_learner_incomplete(techaward_catalogue: Catalogue) -> None:
    outcome = grade(request({"id": "1", "raw_mark": 5, "series": "2024-06"}), techaward_catalogue)
    assert not outcome.complete and outcome.grade == "U"
    assert outcome.reasons == ("units complete: not yet complete: components 2, 3 missing",)


def test_an_unconfigured_conversion_table_is_refused_not_guessed(techaward_catalogue: Catalogue) -> None:
    with pytest.raises(
        NotConfiguredError,
        match="no raw mark to UMS conversion table is configured for component 3 in series 2025-01",
    ):
        grade(request({"id": "3", "raw_mark": 5, "series": "2025-01"}), techaward_catalogue)
    with pytest.raises(NotConfiguredError, match="series 2023-06"):
        grade(request({"id": "1", "raw_mark": 5, "series": "2023-06"}), techaward_catalogue)


def test_a_component_needs_a_raw_mark_and_its_series(techaward_catalogue: Catalogue) -> None:
    with pytest.raises(GradeRequestError) as raised:
        grade(request({"id": "1", "raw_mark": 5}), techaward_catalogue)
    assert raised.value.path == "units[0].series"
    with pytest.raises(GradeRequestError, match="above the maximum 10"):
        grade(request({"id": "1", "raw_mark": 11, "series": "2024-06"}), techaward_catalogue)


def test_the_shipped_tech_awards_suite_has_no_numbers_so_grading_refuses(catalogue: Catalogue) -> None:
    inline = parse_request({"suite": "btec-tech-awards-2022", "size_glh": 120, "units": []})
    with pytest.raises(NotConfiguredError, match="UMS suites are graded per qualification"):
        grade(inline, catalogue)


def test_a_qualification_without_ums_thresholds_is_refused(
    techaward_catalogue: Catalogue, tmp_path: Any
) -> None:
    import shutil

    from resultsday.grading.tests.conftest import DATA, SPECS

    shutil.copy(str(SPECS / "btec-tech-awards-2022" / "suite.yaml"), tmp_path / "suite.yaml")
    text = (DATA / "techaward-fixture" / "qualification.yaml").read_text()
    (tmp_path / "qualification.yaml").write_text(text[: text.index("ums_thresholds:")])
    with pytest.raises(NotConfiguredError, match="UMS thresholds are not configured"):
        grade(request({"id": "1", "raw_mark": 5, "series": "2024-06"}), Catalogue.load(tmp_path))
