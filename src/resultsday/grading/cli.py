"""The behaviour of ``resultsday grade FILE|-`` as a pure function (the Django command wraps it).

Input is one JSON request (it may span lines) or JSON Lines (one request per line). One
request prints one outcome, as text or, with ``as_json``, as JSON; JSON Lines print one JSON
outcome per line, in input order. Any invalid line gives exit status 2 and messages naming the
line and the field (``line 3: units[2].grade: ...``); no outcome is printed then.
"""

from __future__ import annotations

import json
from typing import Any

from resultsday.grading.catalogue import Catalogue
from resultsday.grading.engine import grade
from resultsday.grading.errors import GradeRequestError, NotConfiguredError
from resultsday.grading.request import parse_request

EXIT_OK = 0
EXIT_INVALID = 2
MAX_MESSAGES = 20


def _requests(text: str) -> tuple[list[tuple[int, Any]], bool] | str:
    """(line number, request) pairs and whether the input is JSON Lines, or an error message.

    A request is either the parsed whole-input JSON document or one line's text.
    """
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if not lines:
            return "line 1: (request): no request given"
        if exc.msg == "Extra data" or _is_object(lines[0][1]):
            return list(lines), True
        return f"line {exc.lineno}: (request): invalid JSON: {exc.msg}"
    first = next((n for n, line in enumerate(text.splitlines(), start=1) if line.strip()), 1)
    return [(first, whole)], False


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def run(text: str, *, as_json: bool, catalogue: Catalogue | None = None) -> tuple[int, str]:
    """Grade the request(s) in ``text``; returns (exit status, text to print).

    Exit status 0: the text is the outcome(s), for stdout. Exit status 2: the text is one
    message per invalid line (at most 20), for stderr.
    """
    found = _requests(text)
    if isinstance(found, str):
        return EXIT_INVALID, found
    items, json_lines = found
    outputs: list[str] = []
    errors: list[str] = []
    for line, request in items:
        try:
            outcome = grade(parse_request(request), catalogue)
        except GradeRequestError as exc:
            errors.append(f"line {line}: {exc.path}: {exc.message}")
        except NotConfiguredError as exc:
            errors.append(f"line {line}: {exc.path or '(request)'}: {exc}")
        else:
            if not errors:
                outputs.append(outcome.to_json() if as_json or json_lines else outcome.to_text())
        if len(errors) >= MAX_MESSAGES:
            errors.append("(further lines not checked)")
            break
    if errors:
        return EXIT_INVALID, "\n".join(errors)
    return EXIT_OK, "\n".join(outputs)
