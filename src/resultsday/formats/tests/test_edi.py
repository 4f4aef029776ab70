"""JCQ fixed-width EDI files (resultsday.formats.edi), per exchange-formats.md §1 and §4.

AB identifier 70 is AQA's (§1.2), used here only because it is a documented identifier.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pytest

from resultsday.formats import edi
from resultsday.formats.edi import (
    EdiFileName,
    EdiFileNameError,
    EdiProblem,
    EdiWriteError,
    EntryRecord,
    OptionEntry,
    PearsonCodeGroup,
    ResultIndicator,
    ResultRecord,
    ResultType,
    build_file_name,
    edi_grade_code,
    grade_from_edi_code,
    parse_file_name,
    read_entries,
    read_results,
    write_entries,
    write_results,
)
from resultsday.identifiers import uci_check_letter

CENTRE = "12345"
UCI = "123450240001" + uci_check_letter("123450240001")

CANDIDATES = (
    EntryRecord(
        centre_number=CENTRE,
        candidate_number="0001",
        candidate_name="SMITH:JANE",
        sex="F",
        date_of_birth=edi.edi_date(date(2007, 8, 14)),
        uci=UCI,
        upn="A123456789012",
        uln="9276308686",
        entries=(OptionEntry("BUS001"), OptionEntry("BUS002", "W")),
    ),
    EntryRecord(
        centre_number=CENTRE,
        candidate_number="0002",
        candidate_name="O'NEIL-BROWN:MARY ANN",
        uln="1000000043",
        entries=(OptionEntry("BUS001"),),
    ),
)


def entries_file(records: tuple[EntryRecord, ...] = CANDIDATES, **overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "centre_number": CENTRE,
        "ab_id": "70",
        "series": "06",
        "year": "25",
        "sequence": 1,
        "produced_on": date(2025, 3, 1),
        "postcode": "SW1A 1AA",
    }
    arguments.update(overrides)
    return write_entries(records, **arguments)  # type: ignore[arg-type]


def lines_of(data: bytes) -> list[str]:
    return data.decode("ascii").split("\r\n")[:-1]


def join(lines: list[str]) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("latin-1")


def edit(data: bytes, change: Callable[[list[str]], object]) -> bytes:
    lines = lines_of(data)
    change(lines)
    return join(lines)


def put(line: str, start: int, text: str) -> str:
    """Overwrite ``line`` at 1-based ``start``."""
    return line[: start - 1] + text + line[start - 1 + len(text) :]


def messages(problems: tuple[EdiProblem, ...]) -> list[str]:
    return [p.message for p in problems]


# ------------------------------------------------------------------------------------------
# File names — §1.2
# ------------------------------------------------------------------------------------------


def test_it_builds_the_worked_example_file_name() -> None:
    # §1.2 (INFERRED worked example): centre 12345 to AQA (70), sequence 1 -> E1234570.X01
    assert build_file_name(data_type="E", originator="12345", ab_id="70", sequence=1) == "E1234570.X01"


def test_the_file_name_carries_the_last_two_digits_of_the_sequence() -> None:
    assert build_file_name(data_type="E", originator="12345", ab_id="70", sequence=123) == "E1234570.X23"


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("E1234570.X01", EdiFileName("E", "12345", "70", "01")),
        ("r6a25_70.x07", EdiFileName("R", "6A25_", "70", "07")),  # names are not case sensitive
        ("SBG25_70.X01", EdiFileName("S", "BG25_", "70", "01")),  # AQA basedata example (§1.2)
        ("S1a13_01.X06", EdiFileName("S", "1A13_", "01", "06")),  # OCR basedata example (§1.2)
    ],
)
def test_it_parses_file_names(name: str, parsed: EdiFileName) -> None:
    assert parse_file_name(name) == parsed


@pytest.mark.parametrize(
    "name", ["E1234570.CSV", "E123457.X01", "E1234570X01", "entries.txt", "E12345-70.X01"]
)
def test_it_rejects_names_that_are_not_dcccccbb_xnn(name: str) -> None:
    with pytest.raises(
        EdiFileNameError, match=r"is not an exam data file name: it should look like E1234570\.X01"
    ):
        parse_file_name(name)


# ------------------------------------------------------------------------------------------
# Entries: layout and round trip — §1.4, §1.5
# ------------------------------------------------------------------------------------------


def test_entries_records_are_192_characters_ending_crlf() -> None:
    data = entries_file()
    assert data.endswith(b"\r\n")
    assert [len(line) for line in lines_of(data)] == [192] * 6
    assert [line[:2] for line in lines_of(data)] == ["E1", "E3", "E5", "E5", "E7", "E9"]


def test_entries_fields_sit_at_the_reference_positions() -> None:
    header, centre, detail, _, trailer, file_trailer = lines_of(entries_file())
    assert header[2:7] == CENTRE  # 3-7 centre number (centre-originated)
    assert header[7:9] == "70" and header[9:11] == "06" and header[11:13] == "25"
    assert header[13] == "S"  # 14 distribution type: data to or from a centre
    assert header[24:26] == "14"  # 25-26 formats version
    assert centre[13:16] == "001" and centre[16:24] == "SW1A 1AA"
    assert detail[2] == "C"  # 3 candidate status (Aspen default)
    assert detail[3:8] == CENTRE and detail[8:12] == "0001"
    assert detail[12:52] == "SMITH:JANE".ljust(40)
    assert detail[52] == "F" and detail[53:59] == "140807"
    assert detail[59:72] == UCI  # 60-72, confirmed by AQA
    assert detail[72:85] == "A123456789012"
    assert detail[85:95] == "9276308686"  # 86-95, confirmed by AQA
    assert detail[108:115] == "BUS001 " and detail[115:122] == "BUS002W"
    assert trailer[7:14] == "0000004" and trailer[14:20] == "010325"
    assert file_trailer[7:14] == "0000006" and file_trailer[14:21] == "0000001"


def test_an_entries_file_round_trips() -> None:
    data = entries_file()
    read = read_entries(data, filename="E1234570.X01")
    assert read.ok, read.problems
    assert [dataclasses.replace(r, line=None) for r in read.records] == list(CANDIDATES)
    assert [r.line for r in read.records] == [3, 4]
    assert read.header == edi.FileHeader("E", CENTRE, "70", "06", "25")
    assert read.centres == (edi.CentreHeader("E", CENTRE, "70", "06", "25", "001", "SW1A 1AA", line=2),)
    assert read.records[1].surname == "O'NEIL-BROWN"
    assert read.records[1].forenames == "MARY ANN"


def test_an_amendments_file_uses_the_same_layout() -> None:
    records = tuple(dataclasses.replace(r, data_type="A") for r in CANDIDATES)
    data = entries_file(records, data_type=edi.DataType.AMENDMENTS)
    read = read_entries(data, filename="A1234570.X01")
    assert read.ok, read.problems
    assert {r.data_type for r in read.records} == {"A"}


def test_a_candidate_with_more_than_12_entries_gets_a_further_detail_record() -> None:
    many = dataclasses.replace(CANDIDATES[1], entries=tuple(OptionEntry(f"U{n:05d}") for n in range(14)))
    read = read_entries(entries_file((many,)))
    assert read.ok, read.problems
    assert [len(r.entries) for r in read.records] == [12, 2]
    assert [e.code for r in read.records for e in r.entries] == [f"U{n:05d}" for n in range(14)]


def test_the_reader_accepts_lf_line_ends() -> None:
    assert read_entries(entries_file().replace(b"\r\n", b"\n")).ok


# ------------------------------------------------------------------------------------------
# Entries: bad files
# ------------------------------------------------------------------------------------------


def test_it_rejects_an_empty_file() -> None:
    assert read_entries(b"").problems == (EdiProblem(None, None, None, "The file is empty"),)


def test_it_rejects_an_oversize_file() -> None:
    assert messages(read_entries(b"E" * (2 * 1024 * 1024), max_bytes=1024 * 1024).problems) == [
        "The file must be smaller than 1 MB"
    ]


def test_it_reports_a_record_of_the_wrong_length() -> None:
    def shorten(lines: list[str]) -> None:
        lines[2] = lines[2][:190]

    read = read_entries(edit(entries_file(), shorten))
    assert messages(read.problems) == [
        "Line 3 is 190 characters long: every record in an entries file is 192 characters. "
        "Export the file again from your MIS; do not open and save it in a text editor, which "
        "removes the trailing spaces"
    ]
    assert [r.line for r in read.records] == [4]


def test_it_says_what_to_do_about_a_record_that_is_too_long() -> None:
    def lengthen(lines: list[str]) -> None:
        lines[2] = lines[2] + "X"

    assert messages(read_entries(edit(entries_file(), lengthen)).problems) == [
        "Line 3 is 193 characters long: every record in an entries file is 192 characters. "
        "Export the file again from your MIS, and do not change it before uploading"
    ]


def test_it_reports_a_wrong_record_count_in_the_centre_trailer() -> None:
    def miscount(lines: list[str]) -> None:
        lines[4] = put(lines[4], 8, "0000005")

    assert read_entries(edit(entries_file(), miscount)).problems == (
        EdiProblem(
            5,
            "record count",
            "0000005",
            "The centre trailer on line 5 says its centre block has 5 records, but it has 4 "
            "(lines 2 to 5): the file may be incomplete or changed: export it again",
        ),
    )


def test_it_reports_a_wrong_total_in_the_file_trailer() -> None:
    def miscount(lines: list[str]) -> None:
        lines[5] = put(lines[5], 8, "0000009")

    assert messages(read_entries(edit(entries_file(), miscount)).problems) == [
        "The file trailer on line 6 says the file has 9 records, but it has 6: "
        "the file may be incomplete or changed: export it again"
    ]


def test_it_reports_a_wrong_number_of_centres() -> None:
    def miscount(lines: list[str]) -> None:
        lines[5] = put(lines[5], 15, "0000002")

    assert messages(read_entries(edit(entries_file(), miscount)).problems) == [
        "The file trailer on line 6 says the file has 2 centres, but it has 1: "
        "the file may be incomplete or changed: export it again"
    ]


def test_it_reports_a_count_that_is_not_a_number() -> None:
    def garble(lines: list[str]) -> None:
        lines[4] = put(lines[4], 8, "00000x4")

    assert messages(read_entries(edit(entries_file(), garble)).problems) == [
        "The record count in the centre trailer on line 5 must be a number, not '00000x4'"
    ]


def test_a_missing_detail_record_shows_up_in_both_counts() -> None:
    read = read_entries(edit(entries_file(), lambda lines: lines.pop(3)))
    assert messages(read.problems) == [
        "The centre trailer on line 4 says its centre block has 4 records, but it has 3 "
        "(lines 2 to 4): the file may be incomplete or changed: export it again",
        "The file trailer on line 5 says the file has 6 records, but it has 5: "
        "the file may be incomplete or changed: export it again",
    ]


def test_it_reports_a_missing_file_trailer() -> None:
    read = read_entries(edit(entries_file(), lambda lines: lines.pop()))
    assert messages(read.problems) == [
        "The file has no file trailer (record type 9) at the end: the file may be incomplete "
        "or changed: export it again"
    ]


def test_it_reports_a_missing_centre_trailer() -> None:
    read = read_entries(edit(entries_file(), lambda lines: lines.pop(4)))
    assert "The centre block that starts on line 2 has no centre trailer (record type 7): " in (
        read.problems[0].message
    )


def test_it_reports_a_file_that_does_not_start_with_a_header() -> None:
    read = read_entries(edit(entries_file(), lambda lines: lines.pop(0)))
    assert read.problems[0].message == (
        "The file must start with a file header (record type 1), but line 1 is record type 3"
    )


def test_it_reports_an_unknown_record_type() -> None:
    def retype(lines: list[str]) -> None:
        lines[2] = put(lines[2], 2, "4")

    assert messages(read_entries(edit(entries_file(), retype)).problems)[0] == (
        "Line 3 has record type '4': records must be type 1, 3, 5, 7 or 9"
    )


def test_it_reports_a_record_after_the_file_trailer_and_a_blank_line() -> None:
    def extend(lines: list[str]) -> None:
        lines.append("")
        lines.append(lines[2])

    assert messages(read_entries(edit(entries_file(), extend)).problems) == [
        "Line 7 comes after the file trailer on line 6: the file trailer must be the last record",
        "Line 7 is blank: remove it",
        "Line 8 comes after the file trailer on line 6: the file trailer must be the last record",
        "Line 8 is a detail record outside a centre block: it must come between a centre header "
        "(record type 3) and a centre trailer (type 7)",
    ]


def test_it_reports_a_record_with_another_data_type() -> None:
    def retype(lines: list[str]) -> None:
        lines[2] = put(lines[2], 1, "A")

    assert messages(read_entries(edit(entries_file(), retype)).problems) == [
        "Line 3 has data type 'A' but the file header has 'E': every record has the same data type"
    ]


def test_it_refuses_a_file_that_is_not_an_entries_file() -> None:
    results = write_results(
        [ResultRecord(centre_number=CENTRE, candidate_number="0001", result_code="BUS001", grade="P")],
        ab_id="70",
        series="06",
        year="25",
        sequence=1,
        produced_on=date(2025, 8, 14),
    )
    assert messages(read_entries(results).problems)[0] == (
        "This is not an entries file: its data type is 'R', not E or A"
    )


def test_the_results_reader_refuses_an_entries_file() -> None:
    assert messages(read_results(entries_file()).problems)[0] == (
        "This is not a results file: its data type is 'E', not R"
    )


def test_it_reports_another_formats_version() -> None:
    def version(lines: list[str]) -> None:
        lines[0] = put(lines[0], 25, "13")

    assert messages(read_entries(edit(entries_file(), version)).problems) == [
        "The file uses JCQ formats version '13': we read version 14 only"
    ]


def test_it_reports_a_centre_header_that_disagrees_with_the_file_header() -> None:
    def disagree(lines: list[str]) -> None:
        lines[1] = put(lines[1], 8, "01")

    assert messages(read_entries(edit(entries_file(), disagree)).problems) == [
        "The centre header on line 2 has awarding body '01' but the file header has '70'"
    ]


def test_it_reports_a_non_ascii_character() -> None:
    data = entries_file().replace(b"SMITH:JANE", b"SMIT\xc9:JANE")
    assert messages(read_entries(data).problems) == [
        "Line 3 has a character that is not plain text at position 17: export the file again"
    ]


def test_it_checks_the_file_name_against_the_header() -> None:
    assert messages(read_entries(entries_file(), filename="E1234501.X02").problems) == [
        "The file name 'E1234501.X02' has awarding body '01' but the file header has '70': "
        "exam data files must not be renamed",
        "The file name 'E1234501.X02' ends in sequence 02 but the centre header has sequence "
        "number 001: exam data files must not be renamed",
    ]
    assert read_entries(entries_file(), filename="e1234570.x01").ok
    assert messages(read_entries(entries_file(), filename="entries.txt").problems)[0].startswith(
        "The file name 'entries.txt' is not an exam data file name"
    )


def test_it_checks_identifiers_in_detail_records() -> None:
    def corrupt(lines: list[str]) -> None:
        lines[2] = put(lines[2], 86, "9276308687")  # ULN with a wrong check digit
        lines[3] = put(lines[3], 9, "0000")  # candidate number out of range
        lines[3] = put(lines[3], 4, "54321")  # another centre's record

    assert read_entries(edit(entries_file(), corrupt)).problems == (
        EdiProblem(
            3,
            "ULN",
            "9276308687",
            "Line 3, ULN '9276308687': the ULN check digit is wrong: check the number with the "
            "learner's record",
        ),
        EdiProblem(
            4, "centre number", "54321", "Line 4 is for centre 54321 but is in the block for centre 12345"
        ),
        EdiProblem(
            4,
            "candidate number",
            "0000",
            "Line 4, candidate number '0000': enter a candidate number from 0001 to 9999",
        ),
    )


def test_it_checks_the_name_and_date_of_birth() -> None:
    def corrupt(lines: list[str]) -> None:
        lines[2] = put(lines[2], 13, "SMITH JANE")
        lines[3] = put(lines[3], 54, "310299")

    assert messages(read_entries(edit(entries_file(), corrupt)).problems) == [
        "Line 3: the candidate name must be SURNAME:FORENAMES",
        "Line 4: the date of birth must be a date as ddMMyy (or 000000 when not known), not '310299'",
    ]


def test_29_february_is_a_valid_date_of_birth_in_a_leap_year_of_either_century() -> None:
    def leap(lines: list[str]) -> None:
        lines[2] = put(lines[2], 54, "290200")

    assert read_entries(edit(entries_file(), leap)).ok


# ------------------------------------------------------------------------------------------
# Entries writer refuses bad data
# ------------------------------------------------------------------------------------------


def test_the_entries_writer_lists_every_reason_it_cannot_write() -> None:
    bad = (
        dataclasses.replace(CANDIDATES[0], candidate_number="12", uln="1111111111"),
        dataclasses.replace(CANDIDATES[1], centre_number="54321", candidate_name="NO COLON"),
    )
    with pytest.raises(EdiWriteError) as caught:
        entries_file(bad)
    assert caught.value.reasons == (
        "Record 1 (candidate 12): Enter a candidate number of 4 digits, including any leading zeros, like 0042",
        "Record 1 (candidate 12): The ULN check digit is wrong: check the number with the learner's record",
        "Record 2 (candidate 0002): belongs to centre 54321, not 12345",
        "Record 2 (candidate 0002): the candidate name must be SURNAME:FORENAMES",
    )


def test_the_entries_writer_refuses_a_name_it_cannot_write_unchanged() -> None:
    long_name = dataclasses.replace(CANDIDATES[0], candidate_name="A" * 30 + ":" + "B" * 10)
    with pytest.raises(EdiWriteError) as caught:
        entries_file((long_name,))
    assert caught.value.reasons == (
        "Record 1 (candidate 0001): The name is 41 characters as SURNAME:FORENAMES and exam data "
        "files allow 40: record a shorter form of the forenames",
    )


def test_the_entries_writer_refuses_a_value_too_long_for_its_field() -> None:
    long_upn = dataclasses.replace(CANDIDATES[0], upn="A1234567890123")
    with pytest.raises(EdiWriteError) as caught:
        entries_file((long_upn,))
    assert caught.value.reasons == ("UPN 'A1234567890123' is longer than 13 characters",)


# ------------------------------------------------------------------------------------------
# Results — §1.7 and §4
# ------------------------------------------------------------------------------------------

RESULTS = (
    ResultRecord(
        centre_number=CENTRE,
        candidate_number="0001",
        uci=UCI,
        uln="9276308686",
        entry_code="BUS001",
        result_code="BUS001",
        grade=edi_grade_code("D*D*D*", group=PearsonCodeGroup.L3_EXTENDED_DIPLOMA),
    ),
    ResultRecord(
        centre_number=CENTRE,
        candidate_number="0001",
        result_code="U00003",
        result_type=ResultType.MARK,
        score="45",
        grade="M",
    ),
    ResultRecord(
        centre_number="54321",
        candidate_number="0007",
        result_code="BUS001",
        grade=ResultIndicator.PENDING,
    ),
)


def results_file(records: tuple[ResultRecord, ...] = RESULTS) -> bytes:
    return write_results(
        records,
        ab_id="70",
        series="6A",
        year="25",
        sequence=3,
        produced_on=date(2025, 8, 14),
        postcodes={CENTRE: "SW1A 1AA"},
    )


def test_a_results_file_has_one_block_per_centre_and_counts_that_add_up() -> None:
    lines = lines_of(results_file())
    assert [line[:2] for line in lines] == ["R1", "R3", "R5", "R5", "R7", "R3", "R5", "R7", "R9"]
    assert lines[0][2:7] == "6A25_"  # AB-originated: series + year + language (§1.4)
    assert lines[4][7:14] == "0000004" and lines[7][7:14] == "0000003"
    assert lines[8][7:14] == "0000009" and lines[8][14:21] == "0000002"
    assert {len(line) for line in lines} == {edi.RESULTS_RECORD_LENGTH}


def test_results_fields_sit_at_the_reference_positions() -> None:
    detail, mark = lines_of(results_file())[2:4]
    assert detail[2:7] == CENTRE and detail[7:11] == "0001"
    assert detail[11:24] == UCI and detail[24:34] == "9276308686"
    assert detail[34:40] == "BUS001" and detail[40:46] == "BUS001"
    assert detail[46] == "1" and detail[47:49] == "D1"  # Pearson code for D*D*D* (§4.2)
    assert detail[61:].strip() == ""  # 62 onwards: UNKNOWN, left blank
    assert mark[46] == "M" and mark[47:50] == "045" and mark[50:52] == "M "


def test_a_results_file_round_trips() -> None:
    read = read_results(results_file(), filename="R6A25_70.X03")
    assert read.ok, read.problems
    expected = [dataclasses.replace(r, score=r.score.zfill(3) if r.score else "") for r in RESULTS]
    assert [dataclasses.replace(r, line=None) for r in read.records] == expected
    assert grade_from_edi_code(read.records[0].grade, group=PearsonCodeGroup.L3_EXTENDED_DIPLOMA) == "D*D*D*"


def test_the_results_reader_accepts_records_that_only_hold_the_known_fields() -> None:
    lines = [line[:61] if line[1] == "5" else line[:26] for line in lines_of(results_file())]
    assert read_results(join(lines)).ok


def test_the_results_reader_reports_a_record_too_short_for_its_fields() -> None:
    def shorten(lines: list[str]) -> None:
        lines[2] = lines[2][:50]

    assert messages(read_results(edit(results_file(), shorten)).problems) == [
        "Line 3 is 50 characters long: a record of type 5 in a results file needs at least 61. "
        "Download the file again; do not open and save it in a text editor, which removes the "
        "trailing spaces"
    ]


def test_the_results_reader_reports_an_unknown_result_type() -> None:
    def retype(lines: list[str]) -> None:
        lines[2] = put(lines[2], 47, "Z")

    assert messages(read_results(edit(results_file(), retype)).problems) == [
        "Line 3 has result type 'Z': result types are 1, 2, 3, B, C, M, U"
    ]


def test_the_results_writer_refuses_a_grade_that_does_not_fit() -> None:
    too_long = (dataclasses.replace(RESULTS[0], grade="DDM"),)
    with pytest.raises(EdiWriteError, match=r"the grade 'DDM' does not fit the 2-character grade field"):
        results_file(too_long)


@pytest.mark.parametrize(
    ("group", "table"),
    [
        (
            PearsonCodeGroup.NATIONAL_DIPLOMA_NQF,
            {"DDD": "D1", "DDM": "D2", "DMM": "D3", "MMM": "M1", "MMP": "M2", "MPP": "M3", "PPP": "P1"},
        ),
        (PearsonCodeGroup.L3_TWO_GRADE, {"D*D*": "D1", "D*D": "D2"}),
        (
            PearsonCodeGroup.L3_EXTENDED_DIPLOMA,
            {
                "D*D*D*": "D1",
                "D*D*D": "D2",
                "D*DD": "D3",
                "DDD": "D4",
                "DDM": "D5",
                "DMM": "D6",
                "MMM": "M1",
                "MMP": "M2",
                "MPP": "M3",
                "PPP": "P1",
            },
        ),
    ],
)
def test_pearson_grade_codes_match_the_reference_table(
    group: PearsonCodeGroup, table: dict[str, str]
) -> None:
    for grade, code in table.items():
        assert edi_grade_code(grade, group=group) == code
        assert grade_from_edi_code(code, group=group) == grade


def test_grades_that_fit_two_characters_are_written_as_they_are() -> None:
    assert [edi_grade_code(g) for g in ("U", "N", "P", "M", "D", "D*", "DM")] == [
        "U",
        "N",
        "P",
        "M",
        "D",
        "D*",
        "DM",
    ]
    assert edi_grade_code("DM", group=PearsonCodeGroup.L3_TWO_GRADE) == "DM"
    assert [edi_grade_code(i) for i in ResultIndicator] == ["X", "Q", "U"]


def test_there_is_no_made_up_code_for_a_grade_whose_code_is_unknown() -> None:
    with pytest.raises(EdiWriteError, match="There is no 2-character EDI code for the grade D\\*DD:"):
        edi_grade_code("D*DD")  # RQF BTEC National codes are UNKNOWN (§4.2)
    with pytest.raises(EdiWriteError, match="in the group national-diploma-nqf"):
        edi_grade_code("D*DD", group=PearsonCodeGroup.NATIONAL_DIPLOMA_NQF)
