"""Parsing grading requests: errors name the field; the wire form round-trips."""

from __future__ import annotations

from typing import Any

import pytest

from resultsday.grading import GradeRequestError, grade, parse_request

BASE: dict[str, Any] = {"qualification": "601/7155/8", "registered_on": "2023-09-01"}


def error_for(data: Any) -> GradeRequestError:
    with pytest.raises(GradeRequestError) as raised:
        grade(parse_request(data))
    return raised.value


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (
            {**BASE, "units": [{"id": "1", "grade": "P"}, {"id": "2", "grade": "Q"}]},
            "units[1].grade",
            "Input should be 'U', 'N', 'P', 'M' or 'D'",
        ),
        ({**BASE, "units": [{"id": "1", "grde": "P"}]}, "units[0].grde", "unknown field"),
        ({**BASE, "units": [{"grade": "P"}]}, "units[0].id", "required"),
        ({**BASE, "units": [{"id": "1", "grade": "P", "retake": "yes"}]}, "units[0].retake", "valid boolean"),
        ({**BASE, "registered_on": "next year", "units": []}, "registered_on", "valid date"),
        ({"units": []}, "(top level)", "give a qualification (QN), or a suite and size_glh"),
        (
            {**BASE, "units": [{"id": "1", "grade": "N"}]},
            "units[0].grade",
            "Near Pass is used only for externally assessed units",
        ),
        ({**BASE, "units": [{"id": "9", "grade": "P"}]}, "units[0].id", "unit 9 is not part of 601/7155/8"),
        (
            {**BASE, "units": [{"id": "1", "grade": "P"}, {"id": "1", "grade": "M"}]},
            "units[1].id",
            "listed twice",
        ),
        (
            {**BASE, "units": [{"id": "2", "grade": "M", "points": 30}]},
            "units[0].points",
            "outside the M band (15 to 23)",
        ),
        (
            {**BASE, "units": [{"id": "1", "grade": "P", "glh": 60}]},
            "units[0].glh",
            "has glh 90 in the catalogue",
        ),
        (
            {
                **BASE,
                "units": [
                    {"id": "2", "raw_mark": 80, "boundaries": {"max": 70, "N": 10, "P": 20, "M": 30, "D": 40}}
                ],
            },
            "units[0].raw_mark",
            "above the maximum 70",
        ),
        (
            {
                **BASE,
                "units": [
                    {"id": "2", "raw_mark": 50, "boundaries": {"max": 70, "N": 10, "P": 30, "M": 30, "D": 40}}
                ],
            },
            "units[0].boundaries",
            "must increase",
        ),
        ({**BASE, "units": [{"id": "2", "raw_mark": 50}]}, "units[0].boundaries", "required with raw_mark"),
        (
            {**BASE, "units": [{"id": "2", "attempts": [{"grade": "P"}], "grade": "M"}]},
            "units[0]",
            "either attempts or a single result",
        ),
        (
            {**BASE, "units": [{"id": "2", "attempts": [{"grade": "P"}, {"grade": "X"}]}]},
            "units[0].attempts[1].grade",
            "Input should be",
        ),
        (
            {
                "suite": "btec-nationals-2016",
                "size_glh": 1080,
                "registered_on": "2023-09-01",
                "units": [{"id": "1", "grade": "P"}],
            },
            "units[0].glh",
            "required when the request gives the structure inline",
        ),
        (
            {"suite": "btec-nationals-2016", "size_glh": 540, "units": []},
            "size_glh",
            "540 is not a size of btec-nationals-2016",
        ),
        (
            {
                "suite": "btec-nationals-2016",
                "size_glh": 180,
                "units": [{"id": "1", "glh": 45, "assessment": "internal", "mandatory": True, "grade": "P"}],
            },
            "units[0].glh",
            "no points for 45-GLH internal units",
        ),
        (
            {**BASE, "qualification": "999/9999/9", "units": []},
            "qualification",
            "no qualification 999/9999/9",
        ),
    ],
)
def test_an_invalid_request_names_the_field(data: dict[str, Any], path: str, message: str) -> None:
    error = error_for(data)
    assert error.path == path
    assert message in error.message
    assert str(error) == f"{path}: {error.message}"


def test_invalid_json_text_is_reported() -> None:
    with pytest.raises(GradeRequestError, match=r"\(request\): invalid JSON"):
        parse_request('{"units": [')


def test_a_request_round_trips_through_its_wire_form() -> None:
    data = {
        **BASE,
        "units": [
            {"id": "1", "grade": "D", "retake": True},
            {"id": "2", "attempts": [{"grade": "N"}, {"grade": "M", "points": 17}]},
        ],
    }
    request = parse_request(data)
    assert request.to_dict() == data
    assert parse_request(request.to_dict()) == request
    outcome = grade(request)
    assert outcome.points == 9 + 17  # unit 1: a retake is capped at P; unit 2: best attempt


def test_numeric_unit_ids_are_accepted_as_text() -> None:
    assert parse_request({**BASE, "units": [{"id": 1, "grade": "P"}]}).units[0].id == "1"
