"""The behaviour of ``resultsday grade FILE|-`` as a pure function (the Django command wraps it).

Input is one JSON request (it may span lines) or JSON Lines (one request per line). One
request prints one outcome, as text or, with ``as_json``, as JSON; JSON Lines print one JSON
outcome per line, in input order. Any invalid line gives exit status 2 and messages naming the
line and the field (``line 3: units[2].grade: ...``); no outcome is printed then.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
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


#: Files with at least this many requests are graded by several processes (when there are cores
#: to spare): forking costs about 20 ms, a request about 40 µs (bench/grading.py).
PARALLEL_FROM = 5_000

# The work of one run, set just before the worker processes are forked so that they inherit it
# instead of receiving it pickled: (requests, as_json, json_lines, catalogue).
_shared: tuple[list[tuple[int, Any]], bool, bool, Catalogue | None] | None = None


def _grade_slice(items: list[tuple[int, Any]], *, as_json: bool, json_lines: bool,
                 catalogue: Catalogue | None) -> tuple[list[str], list[str]]:
    """Grade ``items`` in order: (outputs, errors). Stops after MAX_MESSAGES errors."""
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
            break
    return outputs, errors


def _grade_shared(bounds: tuple[int, int]) -> tuple[str, list[str]]:
    """Worker process: grade one slice of the inherited requests; outputs joined for the pipe."""
    assert _shared is not None
    items, as_json, json_lines, catalogue = _shared
    gc.disable()  # short-lived, and every outcome is kept until the end
    outputs, errors = _grade_slice(items[bounds[0]:bounds[1]], as_json=as_json,
                                   json_lines=json_lines, catalogue=catalogue)
    return ("" if errors else "\n".join(outputs)), errors


def _workers(requests: int) -> int:
    """How many processes to grade with: one per usable core for a large file, else one."""
    if requests < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else (os.cpu_count() or 1), requests // PARALLEL_FROM))


def _grade_parallel(items: list[tuple[int, Any]], workers: int, *, as_json: bool, json_lines: bool,
                    catalogue: Catalogue | None) -> tuple[list[str], list[str]]:
    """The same as ``_grade_slice`` on the whole list, with contiguous slices in ``workers``
    forked processes; outputs and errors come back in input order."""
    global _shared
    step = -(-len(items) // workers)
    bounds = [(start, min(start + step, len(items))) for start in range(0, len(items), step)]
    _shared = (items, as_json, json_lines, catalogue)
    try:
        with multiprocessing.get_context("fork").Pool(len(bounds)) as pool:
            parts = pool.map(_grade_shared, bounds, chunksize=1)
    finally:
        _shared = None
    errors = [message for _, part_errors in parts for message in part_errors]
    outputs = [] if errors else [text for text, _ in parts if text]
    return outputs, errors


def run(text: str, *, as_json: bool, catalogue: Catalogue | None = None,
        workers: int | None = None) -> tuple[int, str]:
    """Grade the request(s) in ``text``; returns (exit status, text to print).

    Exit status 0: the text is the outcome(s), for stdout. Exit status 2: the text is one
    message per invalid line (the first 20, in line order), for stderr. ``workers``: processes
    to grade with (default: one per core for large files); the result is the same either way.
    """
    found = _requests(text)
    if isinstance(found, str):
        return EXIT_INVALID, found
    items, json_lines = found
    count = _workers(len(items)) if workers is None else max(1, min(workers, len(items)))
    if count > 1:
        outputs, errors = _grade_parallel(items, count, as_json=as_json, json_lines=json_lines,
                                          catalogue=catalogue)
    else:
        outputs, errors = _grade_slice(items, as_json=as_json, json_lines=json_lines,
                                       catalogue=catalogue)
    if len(errors) >= MAX_MESSAGES:
        errors = [*errors[:MAX_MESSAGES], "(further lines not checked)"]
    if errors:
        return EXIT_INVALID, "\n".join(errors)
    return EXIT_OK, "\n".join(outputs)
