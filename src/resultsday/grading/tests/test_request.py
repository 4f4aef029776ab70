"""Parsing grading requests: errors name the field; the wire form round-trips."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resultsday.grading import GradeRequestError, grade, parse_request, request

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


# --- the fast path (request._parse_plain) against the pydantic models -----------------------

_ids = st.one_of(st.sampled_from(["1", "2", "3", "14", "x"]), st.integers(-2, 30), st.booleans(), st.none())
_grades = st.one_of(st.sampled_from(["U", "N", "P", "M", "D", "Q", "p", ""]), st.none(), st.integers(0, 3))
_values = st.one_of(st.integers(-1, 130), st.booleans(), st.none(), st.sampled_from(["1", "internal", "x"]))
_attempts = st.fixed_dictionaries(
    {},
    optional={
        "grade": _grades,
        "points": _values,
        "retake": _values,
        "raw_mark": st.integers(0, 9),
        "series": st.just("2024-06"),
    },
)
_units = st.one_of(
    st.fixed_dictionaries({"id": _ids}),
    st.fixed_dictionaries({"id": _ids, "grade": _grades}),
    st.fixed_dictionaries({"grade": _grades}),
    st.fixed_dictionaries(
        {"id": _ids},
        optional={
            "grade": _grades,
            "points": _values,
            "retake": _values,
            "attempts": st.one_of(st.lists(_attempts, max_size=3), st.none(), st.just("P")),
            "glh": _values,
            "assessment": st.one_of(st.sampled_from(["internal", "external", "ext"]), _values),
            "mandatory": _values,
            "title": st.one_of(st.just("A title"), _values),
            "grde": _grades,
        },
    ),
    st.sampled_from([[], "1", None]),
)
_dates = st.one_of(
    st.sampled_from(["2023-09-01", "2019-11-01", "2023-02-30", "2023-9-01", "20230901", "next year", ""]),
    st.none(),
    st.integers(0, 3),
)
_requests = st.one_of(
    st.fixed_dictionaries(
        {"qualification": st.sampled_from(["601/7155/8", "601/7160/1"]), "units": st.lists(_units, max_size=4)},
        optional={"registered_on": _dates, "suite": st.just("btec-nationals-2016"), "size_glh": st.just(180)},
    ),
    st.fixed_dictionaries(
        {"suite": st.sampled_from(["btec-nationals-2016", ""]), "units": st.lists(_units, max_size=4)},
        optional={"size_glh": _values, "registered_on": _dates, "qualification": st.sampled_from(["", None])},
    ),
    st.fixed_dictionaries(
        {"units": st.one_of(st.lists(_units, max_size=2), st.just("1"))},
        optional={"qualification": st.one_of(st.integers(0, 2), st.none()), "registered_on": _dates},
    ),
)


def _parsed(parse: Any, data: Any) -> object:
    try:
        return parse(data)
    except GradeRequestError as exc:
        return ("error", exc.path, exc.message)


@settings(max_examples=1500, deadline=None)
@given(_requests)
def test_the_fast_path_parses_as_pydantic_does(data: dict[str, Any]) -> None:
    expected = _parsed(request._parse_validated, data)
    assert _parsed(parse_request, data) == expected
    text = json.dumps(data)
    assert _parsed(parse_request, text) == _parsed(request._parse_validated, text)
    assert _parsed(parse_request, text.encode()) == _parsed(request._parse_validated, text.encode())
    if not isinstance(expected, tuple):
        assert expected == parse_request(data)
