"""Every worked example through the three faces of the engine: CLI, API and calculator page."""

from __future__ import annotations

import io
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from resultsday.grading import default_catalogue
from resultsday.testing import get_page

EXAMPLES: list[dict[str, Any]] = json.loads(
    (files("resultsday.grading") / "tests" / "data" / "btec-worked-examples.json").read_text()
)


def _unit_id(name: str, index: int) -> str:
    match = re.match(r"Unit (\d+)", name)
    return match.group(1) if match else f"opt{index}"


def inline_request(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "suite": "btec-nationals-2016",
        "size_glh": example["size_glh"],
        "registered_on": "2024-09-01",
        "units": [
            {"id": _unit_id(u["name"], i), "glh": u["glh"], "assessment": u["assessment"],
             "mandatory": bool(u["mandatory"]), "grade": u["grade"]}
            for i, u in enumerate(example["units"])
        ],
    }


def calculator_query(example: dict[str, Any]) -> dict[str, str]:
    """The calculator form for a Business example: the catalogue qualification of that size."""
    qualification = default_catalogue().qualifications_of("btec-nationals-2016", "business")[
        example["size_glh"]
    ]
    assert qualification.structure is not None
    spare = [u.id for u in qualification.structure.optional]
    query = {"qualification": qualification.qn, "calculate": "1"}
    for i, unit in enumerate(example["units"]):
        unit_id = _unit_id(unit["name"], i)
        if unit_id.startswith("opt"):
            unit_id = spare.pop(0)
        query[f"unit_{unit_id}"] = unit["grade"]
    return query


IDS = [f"{e['size_glh']}-{e['expected_grade']}-{n}" for n, e in enumerate(EXAMPLES)]


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_the_cli_gives_each_worked_example_its_published_grade(example, tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(inline_request(example)))
    out = io.StringIO()
    call_command("grade", str(path), "--json", stdout=out)
    outcome = json.loads(out.getvalue())
    assert (outcome["grade"], outcome["points"]) == (example["expected_grade"],
                                                     example["expected_points"])


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_the_api_gives_each_worked_example_its_published_grade(client, world, example) -> None:
    client.force_login(world.exams_officer_a)
    response = client.post("/api/v1/grade", inline_request(example), content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["grade"], body["points"]) == (example["expected_grade"], example["expected_points"])


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_the_calculator_gives_each_worked_example_its_published_grade(client, world, example) -> None:
    client.force_login(world.learner_user)
    page = get_page(client, "/calculator/", data=calculator_query(example)).content.decode()
    panel = re.search(r'<h2 class="govuk-panel__title">([^<]+)</h2>\s*<div class="govuk-panel__body">(\d+) points',
                      page)
    assert panel is not None, page[-2000:]
    assert (panel.group(1), int(panel.group(2))) == (example["expected_grade"],
                                                      example["expected_points"])


def test_the_cli_names_the_line_and_field_of_bad_input_and_exits_2(tmp_path: Path, capsys) -> None:
    good = json.dumps(inline_request(EXAMPLES[0]))
    bad = inline_request(EXAMPLES[0])
    bad["units"][2]["grade"] = "Z"
    path = tmp_path / "requests.jsonl"
    path.write_text(good + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(SystemExit) as raised:
        call_command("grade", str(path))
    assert raised.value.code == 2
    assert "line 2: units[2].grade" in capsys.readouterr().err


def test_the_api_answers_bad_input_with_422_naming_the_field(client, world) -> None:
    client.force_login(world.exams_officer_a)
    bad = inline_request(EXAMPLES[0])
    bad["units"][0]["grade"] = "Z"
    response = client.post("/api/v1/grade", bad, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"].startswith("units[0].grade")


def test_the_regulator_cannot_use_the_grade_api(client, world) -> None:
    client.force_login(world.regulator)
    response = client.post("/api/v1/grade", inline_request(EXAMPLES[0]),
                           content_type="application/json")
    assert response.status_code == 403


def test_the_cli_prints_the_same_outcomes_whatever_the_number_of_jobs(tmp_path: Path) -> None:
    lines = [json.dumps(inline_request(e)) for e in EXAMPLES] * 3
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines))
    outputs = []
    for jobs in ("1", "3"):
        out = io.StringIO()
        call_command("grade", str(path), "--jobs", jobs, stdout=out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == len(lines)
    with pytest.raises(CommandError, match="--jobs must be 1 or more"):
        call_command("grade", str(path), "--jobs", "0")
