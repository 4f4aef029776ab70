"""A centre's qualification results as a JCQ results (R) file (resultsday.formats.rfile).

Positions are those of exchange-formats.md §1.4 and §1.7 (1-based, inclusive); grade codes and
indicators those of §4.1 and §4.2.
"""

from __future__ import annotations

from datetime import date

import pytest

from resultsday.formats.edi import EdiWriteError, PearsonCodeGroup, read_results
from resultsday.formats.rfile import (
    QualificationResultLine,
    ResultState,
    grade_field,
    option_code,
    results_file_name,
    write_results_file,
)
from resultsday.identifiers import uci_check_letter

CENTRE = "10001"
UCI = "100010260001" + uci_check_letter("100010260001")
ULN = "9276308686"
QN = "601/7157/7"


def line(state: ResultState = ResultState.ISSUED, grade: str = "D", **kwargs: object) -> (
    QualificationResultLine
):
    arguments: dict[str, object] = {
        "centre_number": CENTRE, "candidate_number": "0001", "qualification_number": QN,
        "uci": UCI, "uln": ULN, "state": state, "grade": grade,
    }
    arguments.update(kwargs)
    return QualificationResultLine(**arguments)  # type: ignore[arg-type]


def write(*lines: QualificationResultLine) -> bytes:
    return write_results_file(
        lines, ab_id="RD", series="06", year="26", sequence=1, produced_on=date(2026, 8, 13)
    )


def records(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n")
    return data.decode("ascii").split("\r\n")[:-1]


def at(record: str, first: int, last: int) -> str:
    """The characters at 1-based positions first..last, as the reference numbers them."""
    return record[first - 1:last]


def test_it_writes_the_exact_bytes_of_a_one_result_file() -> None:
    expected = [
        # File header (§1.4): R, 1, series+year+language, AB, series, year, S, software, 14.
        "R1" + "0626_" + "RD" + "06" + "26" + "S" + "RESDAY " + "001" + "14",
        # Centre header (§1.4): centre, AB, series, year, sequence 001, postcode (blank).
        "R3" + CENTRE + "RD" + "06" + "26" + "001",
        # Detail (§1.7): centre, candidate, UCI, ULN, entry code, result code, type 1, grades.
        "R5" + CENTRE + "0001" + UCI + ULN + "171577" + "171577" + "1" + "D ",
        # Centre trailer (§1.4): 3 records in the block, produced 13 August 2026 (ddMMyy).
        "R7" + CENTRE + "0000003" + "130826",
        # File trailer (§1.4): 5 records, 1 centre.
        "R9" + "0626_" + "0000005" + "0000001",
    ]
    assert write(line()) == b"".join(r.ljust(192).encode("ascii") + b"\r\n" for r in expected)


def test_result_fields_sit_at_the_reference_positions() -> None:
    detail = records(write(line(grade="D*")))[2]
    assert at(detail, 1, 2) == "R5"
    assert at(detail, 3, 7) == CENTRE
    assert at(detail, 8, 11) == "0001"
    assert at(detail, 12, 24) == UCI
    assert at(detail, 25, 34) == ULN
    assert at(detail, 35, 40) == "171577"  # option entry code
    assert at(detail, 41, 46) == "171577"  # option result code
    assert at(detail, 47, 47) == "1"  # result type: grades
    assert at(detail, 48, 49) == "D*"  # first grade, block positions 1-2
    assert at(detail, 50, 61).strip() == ""  # second grade, endorsements, absence flags
    assert at(detail, 62, 192).strip() == ""  # UNKNOWN in the reference: left blank


def test_the_file_reads_back_through_the_results_reader() -> None:
    data = write(line(), line(candidate_number="0002", state=ResultState.PENDING, grade=""))
    read = read_results(data, filename=results_file_name(ab_id="RD", series="06", year="26",
                                                          sequence=1))
    assert read.ok, read.problems
    assert [(r.candidate_number, r.grade) for r in read.records] == [("0001", "D"), ("0002", "Q")]


def test_the_file_name_is_r_then_series_year_language_and_awarding_body() -> None:
    assert results_file_name(ab_id="RD", series="06", year="26", sequence=3) == "R0626_RD.X03"


@pytest.mark.parametrize(
    ("state", "grade", "field"),
    [
        (ResultState.PENDING, "", "Q"),  # §4.1 pending
        (ResultState.WITHHELD, "", "Q"),  # §4.2: Pearson issues Q when ineligible or no claim
        (ResultState.FALLBACK, "PP", "Q"),  # §4.2: Q for "fallback issued"
        (ResultState.UNCLASSIFIED, "U", "U"),  # §4.1 unclassified
        (ResultState.DECLINED, "", "X"),  # §4.1 "declined grade" (UCAS)
        (ResultState.NOT_RELEASED, "DD", ""),  # §4.1 blank: result not yet sent
    ],
)
def test_a_result_without_an_issued_grade_gets_its_indicator(
    state: ResultState, grade: str, field: str
) -> None:
    assert grade_field(line(state, grade)) == field
    detail = records(write(line(state, grade)))[2]
    assert at(detail, 48, 49) == field.ljust(2)


@pytest.mark.parametrize("grade", ["P", "M", "D", "D*", "U"])
def test_a_one_letter_grade_is_written_as_it_is(grade: str) -> None:
    assert grade_field(line(grade=grade)) == grade


@pytest.mark.parametrize(
    ("group", "grade", "code"),
    [
        (PearsonCodeGroup.L3_EXTENDED_DIPLOMA, "D*D*D*", "D1"),
        (PearsonCodeGroup.L3_EXTENDED_DIPLOMA, "DDD", "D4"),
        (PearsonCodeGroup.L3_EXTENDED_DIPLOMA, "PPP", "P1"),
        (PearsonCodeGroup.NATIONAL_DIPLOMA_NQF, "DDM", "D2"),
        (PearsonCodeGroup.L3_TWO_GRADE, "D*D*", "D1"),
        (PearsonCodeGroup.L3_TWO_GRADE, "D*D", "D2"),
    ],
)
def test_a_multi_letter_grade_gets_pearsons_code_where_the_reference_gives_it(
    group: PearsonCodeGroup, grade: str, code: str
) -> None:
    detail = records(write(line(grade=grade, code_group=group)))[2]
    assert at(detail, 48, 49) == code


@pytest.mark.parametrize("grade", ["D*D*", "DD", "MP", "DDM", "D*D*D*", "L2D*", "L1P"])
def test_it_refuses_a_grade_whose_code_is_unknown_and_names_it(grade: str) -> None:
    with pytest.raises(EdiWriteError) as refused:
        write(line(grade=grade))
    (reason,) = refused.value.reasons
    assert reason.startswith(f"Candidate 0001 ({QN}): there is no published 2-character "
                             f"results-file code for the grade {grade}.")
    assert "RQF BTEC Nationals (2016) and Tech Awards are UNKNOWN" in reason


def test_it_refuses_a_grade_outside_the_groups_table() -> None:
    with pytest.raises(EdiWriteError, match=r"Candidate 0001 .*D\*DD in the group"):
        write(line(grade="D*DD", code_group=PearsonCodeGroup.NATIONAL_DIPLOMA_NQF))


def test_it_lists_every_reason_at_once() -> None:
    with pytest.raises(EdiWriteError) as refused:
        write(line(grade="DD"), line(candidate_number="0002", grade="DDM"),
              line(candidate_number="0003", grade=""))
    assert [r.split(":")[0] for r in refused.value.reasons] == [
        f"Candidate 0001 ({QN})", f"Candidate 0002 ({QN})", f"Candidate 0003 ({QN})",
    ]


def test_the_option_code_is_the_last_six_characters_of_the_qn() -> None:
    assert option_code("601/7157/7") == "171577"
    assert option_code("603/0455/8") == "304558"


def test_it_refuses_two_qualifications_that_would_share_an_option_code() -> None:
    with pytest.raises(EdiWriteError, match="would share the option code 171577"):
        write(line(), line(candidate_number="0002", qualification_number="501/7157/7"))


def test_it_refuses_a_qualification_number_it_cannot_read() -> None:
    with pytest.raises(EdiWriteError, match="Candidate 0001 \\(60171\\): Enter a qualification"):
        write(line(qualification_number="60171"))
