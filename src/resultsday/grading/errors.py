"""Errors raised by the grading engine. Each names what is wrong and where."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class GradingError(Exception):
    """Base class for every error the grading engine raises on purpose."""


def format_path(loc: Iterable[str | int]) -> str:
    """Render a location such as ``("units", 3, "grade")`` as ``units[3].grade``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


class SpecError(GradingError):
    """A specification file is invalid: names the file, the path inside it and the problem."""

    def __init__(self, file: str, problems: Sequence[tuple[str, str]]) -> None:
        self.file = file
        self.problems = list(problems)
        lines = [f"{file}: {path}: {problem}" for path, problem in self.problems]
        super().__init__("\n".join(lines))


class GradeRequestError(GradingError):
    """A grading request is invalid: names the field (``units[3].grade``) and the problem."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


class NotConfiguredError(GradingError):
    """Grading needs a number that is not configured (often UNKNOWN in the reference).

    The engine never guesses a missing official number: it stops and says which one is missing.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        self.path = path
        super().__init__(message)
