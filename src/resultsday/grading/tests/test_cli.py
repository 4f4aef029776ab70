"""`resultsday grade FILE|-` as a pure function (grading/cli.py)."""

from __future__ import annotations

import json

from resultsday.grading import Outcome
from resultsday.grading.cli import run

DESIGN_EXAMPLE = """{"suite": "btec-nationals-2016", "size_glh": 1080,
 "units": [{"id": "1", "glh": 90, "assessment": "internal", "mandatory": true, "grade": "P"},
           {"id": "3", "glh": 120, "assessment": "external", "mandatory": true, "grade": "N"}]}"""
CERT = '{"qualification": "601/7155/8", "registered_on": "2023-09-01", "units": [{"id": "1", "grade": "%s"}, {"id": "2", "grade": "%s"}]}'


def test_one_request_prints_a_text_outcome() -> None:
    status, out = run(CERT % ("D", "M"), as_json=False)
    assert status == 0
    assert out.startswith("Grade: M (39 points)")


def test_one_request_spanning_lines_prints_a_json_outcome_with_as_json() -> None:
    status, out = run(DESIGN_EXAMPLE, as_json=True)
    assert status == 0
    outcome = Outcome.from_json(out)
    assert outcome.grade == "U" and not outcome.complete
    assert "not yet complete" in outcome.reasons[0]


def test_json_lines_print_one_json_outcome_per_line_in_order() -> None:
    lines = [CERT % ("D", "M"), CERT % ("P", "P"), "", CERT % ("D", "D")]
    status, out = run("\n".join(lines) + "\n", as_json=False)
    assert status == 0
    grades = [json.loads(line)["grade"] for line in out.splitlines()]
    assert grades == ["M", "P", "D*"]


def test_invalid_input_exits_2_naming_the_line_and_field() -> None:
    lines = [CERT % ("D", "M"), CERT % ("P", "X"), CERT % ("N", "P")]
    status, out = run("\n".join(lines), as_json=True)
    assert status == 2
    assert out.splitlines() == [
        "line 2: units[1].grade: Input should be 'U', 'N', 'P', 'M' or 'D' (got 'X')",
        "line 3: units[0].grade: grade N does not exist for internal units in btec-nationals-2016"
        " (Near Pass is used only for externally assessed units, S1 p.336)",
    ]


def test_broken_json_and_empty_input_exit_2() -> None:
    assert run('{"qualification": "601/7155/8",\n "units": [}', as_json=False) == (
        2,
        "line 2: (request): invalid JSON: Expecting value",
    )
    assert run(CERT % ("D", "M") + "\n{not json", as_json=False)[1].startswith(
        "line 2: (request): invalid JSON"
    )
    assert run("  \n", as_json=False) == (2, "line 1: (request): no request given")


def test_a_registration_without_a_known_threshold_table_exits_2() -> None:
    request = '{"qualification": "601/7155/8", "registered_on": "2018-09-01", "units": []}'
    status, out = run(request, as_json=False)
    assert status == 2
    assert out.startswith("line 1: registered_on: threshold table: no threshold table")


GRADES = ["U", "P", "M", "D"]


def _many(n: int) -> list[str]:
    return [CERT % (GRADES[i % 4], GRADES[(i // 4) % 4]) for i in range(n)]


def test_several_processes_print_exactly_what_one_process_prints() -> None:
    text = "\n".join(_many(41))
    serial = run(text, as_json=True, workers=1)
    assert serial[0] == 0 and len(serial[1].splitlines()) == 41
    for workers in (2, 3, 5):
        assert run(text, as_json=True, workers=workers) == serial


def test_several_processes_report_the_first_20_invalid_lines_in_order() -> None:
    lines = _many(60)
    for i in (3, 7, *range(30, 60)):  # errors in every slice
        lines[i] = CERT % ("X", "P")
    serial = run("\n".join(lines), as_json=True, workers=1)
    parallel = run("\n".join(lines), as_json=True, workers=3)
    assert parallel == serial
    messages = serial[1].splitlines()
    assert serial[0] == 2 and len(messages) == 21
    assert messages[0].startswith("line 4: units[0].grade:")
    assert messages[-1] == "(further lines not checked)"
    # an invalid line only in the last slice still fails the whole run, printing no outcome
    lines = _many(30)
    lines[29] = CERT % ("P", "X")
    assert run("\n".join(lines), as_json=True, workers=3) == (
        2, "line 30: units[1].grade: Input should be 'U', 'N', 'P', 'M' or 'D' (got 'X')")


def test_large_files_use_one_process_per_core() -> None:
    from resultsday.grading import cli

    assert cli._workers(cli.PARALLEL_FROM - 1) == 1
    assert 1 <= cli._workers(10 * cli.PARALLEL_FROM) <= 10
