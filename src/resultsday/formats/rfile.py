"""A centre's qualification results as a JCQ results (R) file.

The record layouts are :mod:`resultsday.formats.edi`'s (``shared/reference/exchange-formats.md``
§1.4 and §1.7, cited as "§1.x"). This module decides what each qualification result puts in
them: which option code, and which 2-character grade field (§4).

- An issued grade of one letter (``P``, ``M``, ``D``, ``D*``) or ``U`` is written as it is.
- A grade of several letters (``D*D*``, ``DD``, ``DDM``...) has to become one of Pearson's
  2-character codes (§4.2). Codes are published only for some QCF and NQF qualification groups
  (:class:`~resultsday.formats.edi.PearsonCodeGroup`); for RQF BTEC Nationals (2016) and Tech
  Awards they are UNKNOWN. A grade without a published code is refused with
  :class:`~resultsday.formats.edi.EdiWriteError` naming it, never given a made-up code. That
  includes 2-letter grades such as ``DD``: written as they are, they could be read as a code.
- A result that is not issued gets an indicator (§4.1, §4.2): ``Q`` (pending) while it waits
  for an external result, is withheld or has a fallback issued instead; ``U`` when
  unclassified; ``X`` (no result) when the centre declined it. A result the person downloading
  may not see yet, or that has not been worked out, has a blank grade: "result not yet sent".

Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from resultsday.formats.edi import (
    PEARSON_JCQ_GRADE_CODES,
    DataType,
    EdiWriteError,
    Language,
    PearsonCodeGroup,
    ResultIndicator,
    ResultRecord,
    ResultType,
    build_file_name,
    edi_grade_code,
    write_results,
)
from resultsday.identifiers import check_qualification_number

__all__ = [
    "NOT_YET_SENT",
    "QualificationResultLine",
    "ResultState",
    "grade_field",
    "option_code",
    "results_file_name",
    "write_results_file",
]

NOT_YET_SENT = ""
"""A blank grade field: "result not yet sent" (§4.1, UCAS wording)."""


class ResultState(StrEnum):
    """A qualification result's state as the file reports it (values as awarding stores them)."""

    ISSUED = "issued"
    PENDING = "pending"
    WITHHELD = "withheld"
    UNCLASSIFIED = "unclassified"
    FALLBACK = "fallback"
    DECLINED = "declined"
    NOT_RELEASED = "not_released"
    """Not worked out yet, or not yet released to the person downloading the file."""


_INDICATORS: Mapping[ResultState, str] = {
    # Pearson issues Q (Pending) for a qualification with no results, no claim, ineligibility,
    # certificate deferral or a fallback issued (§4.2 [PEARSON-EDI]); OCR: a result that could
    # not be finalised (§4.1). A distinct "withheld" code is UNKNOWN (§4.1).
    ResultState.PENDING: ResultIndicator.PENDING,
    ResultState.WITHHELD: ResultIndicator.PENDING,
    ResultState.FALLBACK: ResultIndicator.PENDING,
    ResultState.UNCLASSIFIED: ResultIndicator.UNCLASSIFIED,
    # UCAS: X is "no grade awarded / absent / declined grade" (§4.1).
    ResultState.DECLINED: ResultIndicator.NO_RESULT,
    ResultState.NOT_RELEASED: NOT_YET_SENT,
}

_GRADE_LETTER = re.compile(r"D\*|D|M|P")
_LETTER_GRADE = re.compile(r"(?:D\*|D|M|P)+")


@dataclass(frozen=True, slots=True)
class QualificationResultLine:
    """One registration's qualification result, as the R file needs it.

    ``code_group`` is the Pearson group whose 2-character codes apply to the qualification's
    multi-letter grades (§4.2), or None where they are UNKNOWN (RQF BTEC Nationals, Tech Awards).
    """

    centre_number: str
    candidate_number: str
    qualification_number: str
    state: ResultState
    grade: str = ""
    uci: str = ""
    uln: str = ""
    code_group: PearsonCodeGroup | None = None


def option_code(qualification_number: str) -> str:
    """The 6-character option code for a qualification's overall result.

    **Project choice.** The real option codes come from the awarding body's basedata (§1.8),
    which we do not publish. A QN without its obliques is 8 characters (§2.5), 2 too many, so
    we drop its first 2 digits: ``601/7157/7`` -> ``171577``. The last 6 keep the 4-digit block
    and the check character, which tell apart the qualifications of one suite; two QNs of one
    file that still collide are refused by :func:`write_results_file`.
    """
    return qualification_number.replace("/", "")[-6:]


def grade_field(line: QualificationResultLine) -> str:
    """The 2-character grade field for one result (§4), or :class:`EdiWriteError` naming the
    grade when no code is published for it."""
    if line.state != ResultState.ISSUED:
        return _INDICATORS[line.state]
    grade = line.grade
    label = f"Candidate {line.candidate_number} ({line.qualification_number})"
    if not grade:
        raise EdiWriteError([f"{label}: an issued result needs a grade"])
    if grade == ResultIndicator.UNCLASSIFIED:
        return grade
    if line.code_group is not None:
        try:
            return edi_grade_code(grade, group=line.code_group)
        except EdiWriteError as exc:
            raise EdiWriteError([f"{label}: {reason}" for reason in exc.reasons]) from exc
    if _LETTER_GRADE.fullmatch(grade) and len(_GRADE_LETTER.findall(grade)) == 1:
        return grade
    raise EdiWriteError([f"{label}: {_no_code(grade)}"])


def _no_code(grade: str) -> str:
    known = ", ".join(g.value for g in PEARSON_JCQ_GRADE_CODES)
    return (
        f"there is no published 2-character results-file code for the grade {grade}. Pearson's "
        f"codes for multi-letter grades are known only for the groups {known} (QCF and NQF, "
        "exchange-formats.md §4.2); those for RQF BTEC Nationals (2016) and Tech Awards are "
        "UNKNOWN, so none is made up"
    )


def write_results_file(
    lines: Sequence[QualificationResultLine],
    *,
    ab_id: str,
    series: str,
    year: str,
    sequence: int,
    produced_on: date,
    language: Language = Language.ENGLISH,
    postcodes: Mapping[str, str] | None = None,
) -> bytes:
    """Write an R file of qualification results: one record of result type 1 (grades) per line.

    Every reason the lines cannot be written is collected and raised together as
    :class:`EdiWriteError`. The entry and result option codes are both :func:`option_code`.
    """
    reasons: list[str] = []
    records: list[ResultRecord] = []
    qualifications_by_code: dict[str, str] = {}
    for line in lines:
        label = f"Candidate {line.candidate_number} ({line.qualification_number})"
        qn = check_qualification_number(line.qualification_number)
        if not qn.ok:
            reasons.append(f"{label}: {qn.message}")
            continue
        code = option_code(qn.value)
        other = qualifications_by_code.setdefault(code, qn.value)
        if other != qn.value:
            reasons.append(
                f"{label}: {qn.value} and {other} would share the option code {code}"
            )
        try:
            grade = grade_field(line)
        except EdiWriteError as exc:
            reasons.extend(exc.reasons)
            continue
        records.append(
            ResultRecord(
                centre_number=line.centre_number,
                candidate_number=line.candidate_number,
                uci=line.uci,
                uln=line.uln,
                entry_code=code,
                result_code=code,
                result_type=ResultType.GRADES,
                grade=grade,
            )
        )
    if reasons:
        raise EdiWriteError(reasons)
    return write_results(
        records,
        ab_id=ab_id,
        series=series,
        year=year,
        sequence=sequence,
        produced_on=produced_on,
        language=language,
        postcodes=postcodes,
    )


def results_file_name(
    *, ab_id: str, series: str, year: str, sequence: int, language: Language = Language.ENGLISH
) -> str:
    """``R`` + series, year and language + awarding body + ``.Xnn`` (§1.2, as for other files
    an awarding body sends)."""
    return build_file_name(
        data_type=DataType.RESULTS,
        originator=f"{series}{year}{language}",
        ab_id=ab_id,
        sequence=sequence,
    )
