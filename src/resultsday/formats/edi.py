"""JCQ fixed-width EDI files: "Formats for the Exchange of Examination Related Data".

Everything here comes from ``shared/reference/exchange-formats.md`` §1 and §4 (cited as "§1.x").
The official JCQ booklet (version 14) could not be retrieved; the record layouts are the ones the
reference reconstructs from a real MIS implementation (Follett Aspen, [ASPEN]) and cross-checks
against AQA (UCI at 60-72 and ULN at 86-95 of the entries detail record). Where the reference
says UNKNOWN, this module says so and either leaves the field alone or, where a writer must put
something, makes a choice labelled **project choice** (not an official layout).

Contents:

- file names ``dcccccbb.Xnn`` (§1.2): :func:`parse_file_name`, :func:`build_file_name`;
- the common records (§1.4): :class:`FileHeader` (type 1), :class:`CentreHeader` (3),
  :class:`CentreTrailer` (7), :class:`FileTrailer` (9);
- entries and amendments (E/A, §1.5): :class:`EntryRecord`, :func:`read_entries`,
  :func:`write_entries`;
- results (R, §1.7): :class:`ResultRecord`, :func:`write_results`, :func:`read_results`;
- grade codes (§4): :class:`ResultIndicator`, :class:`PearsonCodeGroup`, :func:`edi_grade_code`,
  :func:`grade_from_edi_code`.

Readers never raise on bad input: they return what they could parse plus a list of
:class:`EdiProblem` (line, field, value, message). Writers raise :class:`EdiWriteError` listing
every reason the data cannot be written, because bad output is a bug in the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from resultsday.formats.text import lower_first, size_text
from resultsday.identifiers import (
    Check,
    check_candidate_number,
    check_centre_number,
    check_uci,
    check_uln,
    edi_candidate_name,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ENTRIES_RECORD_LENGTH",
    "FORMATS_VERSION",
    "PARTIAL_ABSENCE",
    "PEARSON_JCQ_GRADE_CODES",
    "RESULTS_RECORD_LENGTH",
    "CentreHeader",
    "CentreTrailer",
    "DataType",
    "EdiFile",
    "EdiFileName",
    "EdiFileNameError",
    "EdiProblem",
    "EdiWriteError",
    "EntryRecord",
    "Field",
    "FileHeader",
    "FileTrailer",
    "Language",
    "OptionEntry",
    "PearsonCodeGroup",
    "RecordType",
    "ResultIndicator",
    "ResultRecord",
    "ResultType",
    "build_file_name",
    "edi_date",
    "edi_grade_code",
    "grade_from_edi_code",
    "parse_file_name",
    "read_entries",
    "read_results",
    "write_entries",
    "write_results",
]

FORMATS_VERSION = "14"
"""The JCQ formats version in use: "14" (§1.1 [AQA-BD], [PEARSON-EDI], [OCR-BD], [ASPEN])."""

ENTRIES_RECORD_LENGTH = 192
"""Every record of an E or A file is 192 characters: Aspen pads header and trailer records to
192 (§1.4) and the entries detail fields sum to 192 (§1.5, INFERRED by summing lengths)."""

RESULTS_RECORD_LENGTH = 192
"""**Project choice.** The length of results (R) records is UNKNOWN (§1.7: Aspen stops reading
at position 61). We write 192, like entries files, with positions 62-192 blank; the reader
accepts any length that holds the known fields."""

RECORD_TERMINATOR = "\r\n"
"""Records end with CRLF (§1.4 [ASPEN ExamEntries.java, FORMAT_EOL_WINDOWS]). The readers also
accept LF alone (project choice: a file passed through a Unix tool should not be refused)."""

DISTRIBUTION_TYPE_CENTRE = "S"
"""Header position 14: "S" = data to or from a centre (§1.4). Other values are UNKNOWN."""

SOFTWARE_NAME = "RESDAY"
SOFTWARE_VERSION = "001"
"""Header positions 15-21 and 22-24: our own package name and version (§1.4)."""

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest EDI file the readers accept by default (project choice, as for uploads)."""

ENTRY_SLOTS = 12
"""An entries detail record holds 12 option entries; a candidate with more gets a further detail
record (§1.5 [ASPEN ExamEntries.java])."""


class DataType(StrEnum):
    """Character 1 of every record and of the file name (§1.3). The JCQ list is truncated in
    the only copy found, so other letters may exist (UNKNOWN)."""

    AMENDMENTS = "A"
    COMPONENTS = "C"
    DISALLOWED_COMBINATIONS = "D"
    ENTRIES = "E"
    FORECAST = "F"
    XML_RESULTS = "G"
    LINK = "L"
    OPTION = "O"
    RESULTS = "R"
    SYLLABUS = "S"
    BASEDATA_ZIP = "Z"


class RecordType(StrEnum):
    """Character 2 of every record (§1.4 [ASPEN])."""

    FILE_HEADER = "1"
    CENTRE_HEADER = "3"
    DETAIL = "5"
    CENTRE_TRAILER = "7"
    FILE_TRAILER = "9"


class Language(StrEnum):
    """Language character of an awarding-body series identifier (§1.2, Aspen comments)."""

    ENGLISH = "_"
    WELSH = "C"
    BILINGUAL = "B"


# ------------------------------------------------------------------------------------------
# Problems and errors
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EdiProblem:
    """One problem in an EDI file: 1-based ``line`` (None for the whole file or its name),
    the field's name from the reference, the value found, and what to do."""

    line: int | None
    field: str | None
    value: str | None
    message: str


class EdiWriteError(ValueError):
    """The data cannot be written as an EDI file; ``reasons`` lists every reason."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("; ".join(self.reasons))


class EdiFileNameError(ValueError):
    """A file name that is not ``dcccccbb.Xnn`` (§1.2)."""


# ------------------------------------------------------------------------------------------
# Fixed-width fields
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """A fixed-width field: ``start`` is 1-based and inclusive, as in the reference tables."""

    name: str
    label: str
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length - 1

    def cut(self, record: str) -> str:
        """The field's text with its space padding removed (padding is not part of a value)."""
        return record[self.start - 1 : self.end].rstrip(" ")


Layout = tuple[Field, ...]


def _layout_length(layout: Layout) -> int:
    return max(f.end for f in layout)


def _format(layout: Layout, values: Mapping[str, str], length: int) -> str:
    """Place each value left-justified and space-padded in its field (§1.8: fields are
    left-justified and space-padded; numbers are zero-padded by the caller)."""
    reasons = []
    chars = [" "] * length
    for f in layout:
        value = values.get(f.name, "")
        if len(value) > f.length:
            reasons.append(f"{f.label} {value!r} is longer than {f.length} characters")
            continue
        if not value.isascii():
            reasons.append(f"{f.label} {value!r} must be plain ASCII text")
            continue
        chars[f.start - 1 : f.end] = value.ljust(f.length)
    if reasons:
        raise EdiWriteError(reasons)
    return "".join(chars)


def _zero_pad(number: int, width: int, label: str) -> str:
    text = str(number)
    if number < 0 or len(text) > width:
        raise EdiWriteError([f"{label} {number} does not fit in {width} digits"])
    return text.zfill(width)


def edi_date(value: date | None) -> str:
    """A date as ``ddMMyy`` (§1.4, §1.5); None gives ``000000``, Aspen's default for an unknown
    date of birth (§1.5)."""
    return "000000" if value is None else value.strftime("%d%m%y")


def _valid_ddmmyy(text: str) -> bool:
    # The century of a 2-digit year is not stated (UNKNOWN), so a date is valid if it exists
    # in either 19yy or 20yy (only 29 February depends on the century).
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        return False
    day, month, year = int(text[:2]), int(text[2:4]), int(text[4:])
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


# ------------------------------------------------------------------------------------------
# File names — §1.2
# ------------------------------------------------------------------------------------------

# §1.2 [JCQ-F]: dcccccbb.Xnn; Aspen's importer uses ^[Rr]\w{7}\.(X\d\d|x\d\d)$ [ASPEN].
_FILE_NAME = re.compile(r"([A-Z])(\w{5})(\w{2})\.X([0-9]{2})", re.ASCII)


@dataclass(frozen=True, slots=True)
class EdiFileName:
    """The parts of ``dcccccbb.Xnn`` (§1.2 [JCQ-F]).

    ``originator`` is the centre number for files a centre sends, or the series and year
    indication for awarding-body broadcast files; ``sequence`` is the last two digits of the file
    sequence number.
    """

    data_type: str
    originator: str
    ab_id: str
    sequence: str

    def __str__(self) -> str:
        return f"{self.data_type}{self.originator}{self.ab_id}.X{self.sequence}"


def parse_file_name(name: str) -> EdiFileName:
    """Parse an EDI file name. Names are not case sensitive (§1.2), so it is read in capitals.

    Raises :class:`EdiFileNameError` with a message naming the expected form.
    """
    match = _FILE_NAME.fullmatch(name.strip().upper())
    if match is None:
        raise EdiFileNameError(
            f"The file name {name!r} is not an exam data file name: it should look like "
            "E1234570.X01 (data type, 5-character centre number or series, 2-character "
            "awarding body, then .X and a 2-digit sequence number)"
        )
    data_type, originator, ab_id, sequence = match.groups()
    return EdiFileName(data_type, originator, ab_id, sequence)


def build_file_name(*, data_type: str, originator: str, ab_id: str, sequence: int) -> str:
    """Build ``dcccccbb.Xnn`` (§1.2); ``sequence`` is the full file sequence number, of which the
    name carries the last two digits. Example (INFERRED in §1.2): centre 12345 sending entries
    to AQA (70), sequence 1 -> ``E1234570.X01``."""
    name = f"{data_type}{originator}{ab_id}.X{sequence % 100:02d}"
    if sequence < 0 or _FILE_NAME.fullmatch(name) is None:
        raise EdiWriteError([f"{name!r} is not a valid exam data file name"])
    return name


# ------------------------------------------------------------------------------------------
# Common records — §1.4
# ------------------------------------------------------------------------------------------

_DATA_TYPE = Field("data_type", "data type", 1, 1)
_RECORD_TYPE = Field("record_type", "record type", 2, 1)

FILE_HEADER_LAYOUT: Layout = (
    _DATA_TYPE,
    _RECORD_TYPE,
    Field("originator", "centre number or series identifier", 3, 5),
    Field("ab_id", "awarding body identifier", 8, 2),
    Field("series", "examination series", 10, 2),
    Field("year", "year", 12, 2),
    Field("distribution_type", "distribution type", 14, 1),
    Field("software_name", "software package name", 15, 7),
    Field("software_version", "software package version", 22, 3),
    Field("formats_version", "formats version", 25, 2),
)
"""File header, type 1 (§1.4 [ASPEN]); positions 27-192 are spaces."""

CENTRE_HEADER_LAYOUT: Layout = (
    _DATA_TYPE,
    _RECORD_TYPE,
    Field("centre_number", "centre number", 3, 5),
    Field("ab_id", "awarding body identifier", 8, 2),
    Field("series", "examination series", 10, 2),
    Field("year", "year", 12, 2),
    Field("sequence", "sequence number", 14, 3),
    Field("postcode", "centre postcode", 17, 8),
)
"""Centre header, type 3 (§1.4 [ASPEN])."""

CENTRE_TRAILER_LAYOUT: Layout = (
    _DATA_TYPE,
    _RECORD_TYPE,
    Field("centre_number", "centre number", 3, 5),
    Field("record_count", "number of records in the centre block", 8, 7),
    Field("produced_on", "date file produced", 15, 6),
)
"""Centre trailer, type 7 (§1.4 [ASPEN]); the count includes the centre header and trailer."""

FILE_TRAILER_LAYOUT: Layout = (
    _DATA_TYPE,
    _RECORD_TYPE,
    Field("originator", "centre number or series identifier", 3, 5),
    Field("record_count", "total number of records", 8, 7),
    Field("centre_count", "number of centres", 15, 7),
)
"""File trailer, type 9 (§1.4 [ASPEN]); the count includes every header and trailer."""


@dataclass(frozen=True, slots=True)
class FileHeader:
    """File header record, type 1 (§1.4)."""

    data_type: str
    originator: str
    ab_id: str
    series: str
    year: str
    distribution_type: str = DISTRIBUTION_TYPE_CENTRE
    software_name: str = SOFTWARE_NAME
    software_version: str = SOFTWARE_VERSION
    formats_version: str = FORMATS_VERSION

    def to_record(self, length: int) -> str:
        return _format(
            FILE_HEADER_LAYOUT,
            {
                "data_type": self.data_type,
                "record_type": RecordType.FILE_HEADER,
                "originator": self.originator,
                "ab_id": self.ab_id,
                "series": self.series,
                "year": self.year,
                "distribution_type": self.distribution_type,
                "software_name": self.software_name,
                "software_version": self.software_version,
                "formats_version": self.formats_version,
            },
            length,
        )

    @classmethod
    def from_record(cls, record: str) -> FileHeader:
        v = {f.name: f.cut(record) for f in FILE_HEADER_LAYOUT}
        return cls(
            data_type=v["data_type"],
            originator=v["originator"],
            ab_id=v["ab_id"],
            series=v["series"],
            year=v["year"],
            distribution_type=v["distribution_type"],
            software_name=v["software_name"],
            software_version=v["software_version"],
            formats_version=v["formats_version"],
        )


@dataclass(frozen=True, slots=True)
class CentreHeader:
    """Centre header record, type 3 (§1.4). ``line`` is set by the readers."""

    data_type: str
    centre_number: str
    ab_id: str
    series: str
    year: str
    sequence: str
    postcode: str = ""
    line: int | None = None

    def to_record(self, length: int) -> str:
        return _format(
            CENTRE_HEADER_LAYOUT,
            {
                "data_type": self.data_type,
                "record_type": RecordType.CENTRE_HEADER,
                "centre_number": self.centre_number,
                "ab_id": self.ab_id,
                "series": self.series,
                "year": self.year,
                "sequence": self.sequence,
                "postcode": self.postcode,
            },
            length,
        )

    @classmethod
    def from_record(cls, record: str, *, line: int | None = None) -> CentreHeader:
        v = {f.name: f.cut(record) for f in CENTRE_HEADER_LAYOUT}
        return cls(
            data_type=v["data_type"],
            centre_number=v["centre_number"],
            ab_id=v["ab_id"],
            series=v["series"],
            year=v["year"],
            sequence=v["sequence"],
            postcode=v["postcode"],
            line=line,
        )


@dataclass(frozen=True, slots=True)
class CentreTrailer:
    """Centre trailer record, type 7 (§1.4)."""

    data_type: str
    centre_number: str
    record_count: str
    produced_on: str

    def to_record(self, length: int) -> str:
        return _format(
            CENTRE_TRAILER_LAYOUT,
            {
                "data_type": self.data_type,
                "record_type": RecordType.CENTRE_TRAILER,
                "centre_number": self.centre_number,
                "record_count": self.record_count,
                "produced_on": self.produced_on,
            },
            length,
        )

    @classmethod
    def from_record(cls, record: str) -> CentreTrailer:
        v = {f.name: f.cut(record) for f in CENTRE_TRAILER_LAYOUT}
        return cls(v["data_type"], v["centre_number"], v["record_count"], v["produced_on"])


@dataclass(frozen=True, slots=True)
class FileTrailer:
    """File trailer record, type 9 (§1.4)."""

    data_type: str
    originator: str
    record_count: str
    centre_count: str

    def to_record(self, length: int) -> str:
        return _format(
            FILE_TRAILER_LAYOUT,
            {
                "data_type": self.data_type,
                "record_type": RecordType.FILE_TRAILER,
                "originator": self.originator,
                "record_count": self.record_count,
                "centre_count": self.centre_count,
            },
            length,
        )

    @classmethod
    def from_record(cls, record: str) -> FileTrailer:
        v = {f.name: f.cut(record) for f in FILE_TRAILER_LAYOUT}
        return cls(v["data_type"], v["originator"], v["record_count"], v["centre_count"])


# ------------------------------------------------------------------------------------------
# Entries and amendments detail record — §1.5
# ------------------------------------------------------------------------------------------


def _entry_slot_fields() -> Layout:
    fields: list[Field] = []
    for n in range(1, ENTRY_SLOTS + 1):
        start = 109 + 7 * (n - 1)
        fields.append(Field(f"entry_code_{n}", f"option entry code {n}", start, 6))
        fields.append(Field(f"entry_flag_{n}", f"option entry flag {n}", start + 6, 1))
    return tuple(fields)


ENTRY_DETAIL_LAYOUT: Layout = (
    _DATA_TYPE,
    _RECORD_TYPE,
    Field("candidate_status", "candidate status", 3, 1),
    Field("centre_number", "centre number", 4, 5),
    Field("candidate_number", "candidate number", 9, 4),
    Field("candidate_name", "candidate name", 13, 40),
    Field("sex", "sex", 53, 1),
    Field("date_of_birth", "date of birth", 54, 6),
    Field("uci", "UCI", 60, 13),
    Field("upn", "UPN", 73, 13),
    Field("uln", "ULN", 86, 10),
    Field("qualifier_flag", "qualifier flag", 96, 1),
    Field("second_centre_number", "optional centre number", 97, 5),
    Field("second_candidate_number", "optional candidate number", 102, 4),
    Field("documentation_group", "documentation group", 106, 3),
    *_entry_slot_fields(),
)
"""Entries/amendments detail, type 5 (§1.5 [ASPEN]; UCI and ULN positions confirmed by AQA)."""


@dataclass(frozen=True, slots=True)
class OptionEntry:
    """One option entry: a 6-character entry code and its 1-character flag (§1.5). The flag
    values (for example for a withdrawal) are UNKNOWN, so they are carried, never interpreted."""

    code: str
    flag: str = ""


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """An entries (E) or amendments (A) detail record (§1.5).

    Fields keep the reference's meaning; values are as in the file with the space padding
    removed. Code lists for ``candidate_status`` (Aspen default "C"; "P" marks private
    candidates on AB forms), ``sex``, ``qualifier_flag``, ``documentation_group`` and the
    optional second centre/candidate numbers are UNKNOWN, so they are carried unchecked.
    ``date_of_birth`` is ``ddMMyy`` or ``000000`` when not known. ``line`` is set by the reader.
    """

    centre_number: str
    candidate_number: str
    candidate_name: str
    entries: tuple[OptionEntry, ...] = ()
    candidate_status: str = "C"
    sex: str = ""
    date_of_birth: str = "000000"
    uci: str = ""
    upn: str = ""
    uln: str = ""
    qualifier_flag: str = ""
    second_centre_number: str = ""
    second_candidate_number: str = ""
    documentation_group: str = ""
    data_type: str = DataType.ENTRIES
    line: int | None = None

    @property
    def surname(self) -> str:
        """The part of ``SURNAME:FORENAMES`` before the first colon (§1.5)."""
        return self.candidate_name.partition(":")[0]

    @property
    def forenames(self) -> str:
        return self.candidate_name.partition(":")[2]

    def _values(self, entries: Sequence[OptionEntry]) -> dict[str, str]:
        values = {
            "data_type": self.data_type,
            "record_type": RecordType.DETAIL,
            "candidate_status": self.candidate_status,
            "centre_number": self.centre_number,
            "candidate_number": self.candidate_number,
            "candidate_name": self.candidate_name,
            "sex": self.sex,
            "date_of_birth": self.date_of_birth,
            "uci": self.uci,
            "upn": self.upn,
            "uln": self.uln,
            "qualifier_flag": self.qualifier_flag,
            "second_centre_number": self.second_centre_number,
            "second_candidate_number": self.second_candidate_number,
            "documentation_group": self.documentation_group,
        }
        for n, entry in enumerate(entries, start=1):
            values[f"entry_code_{n}"] = entry.code
            values[f"entry_flag_{n}"] = entry.flag
        return values

    def to_records(self) -> list[str]:
        """One 192-character record per 12 entries; a candidate with more than 12 entries gets a
        further detail record (§1.5 [ASPEN]). A candidate with no entries gets one record."""
        chunks = [self.entries[i : i + ENTRY_SLOTS] for i in range(0, len(self.entries), ENTRY_SLOTS)] or [()]
        return [_format(ENTRY_DETAIL_LAYOUT, self._values(chunk), ENTRIES_RECORD_LENGTH) for chunk in chunks]

    @classmethod
    def from_record(cls, record: str, *, line: int | None = None) -> EntryRecord:
        v = {f.name: f.cut(record) for f in ENTRY_DETAIL_LAYOUT}
        entries = tuple(
            OptionEntry(v[f"entry_code_{n}"], v[f"entry_flag_{n}"])
            for n in range(1, ENTRY_SLOTS + 1)
            if v[f"entry_code_{n}"]
        )
        return cls(
            centre_number=v["centre_number"],
            candidate_number=v["candidate_number"],
            candidate_name=v["candidate_name"],
            entries=entries,
            candidate_status=v["candidate_status"],
            sex=v["sex"],
            date_of_birth=v["date_of_birth"],
            uci=v["uci"],
            upn=v["upn"],
            uln=v["uln"],
            qualifier_flag=v["qualifier_flag"],
            second_centre_number=v["second_centre_number"],
            second_candidate_number=v["second_candidate_number"],
            documentation_group=v["documentation_group"],
            data_type=v["data_type"],
            line=line,
        )


# ------------------------------------------------------------------------------------------
# Results detail record — §1.7
# ------------------------------------------------------------------------------------------


class ResultType(StrEnum):
    """Result type, position 47 of a results record (§1.7 [ASPEN ExamResultsImport.java]).

    B and C exist but their meaning is UNKNOWN; the reader parses their block as the reference
    describes it, and the writer does not offer them.
    """

    GRADES = "1"
    LEVELS = "2"
    POINTS = "3"
    UNIFORM_MARK = "U"
    MARK = "M"
    B = "B"
    C = "C"


_GRADE_BLOCK_TYPES = {ResultType.GRADES, ResultType.LEVELS, ResultType.POINTS}
_MARK_BLOCK_TYPES = {ResultType.UNIFORM_MARK, ResultType.MARK}
_WRITABLE_RESULT_TYPES = _GRADE_BLOCK_TYPES | _MARK_BLOCK_TYPES

RESULT_DETAIL_LAYOUT: Layout = (
    _DATA_TYPE,
    _RECORD_TYPE,
    Field("centre_number", "centre number", 3, 5),
    Field("candidate_number", "candidate number", 8, 4),
    Field("uci", "UCI", 12, 13),
    Field("uln", "ULN", 25, 10),
    Field("entry_code", "option entry code", 35, 6),
    Field("result_code", "option result code", 41, 6),
    Field("result_type", "result type", 47, 1),
    Field("grades_block", "grades", 48, 14),
)
"""Results detail, type 5, positions 1-61 (§1.7 [ASPEN ExamResultsDescriptor.xml]). Positions
from 62 are UNKNOWN."""

# Sub-layouts of the 14-character grades block, positions within the block (§1.7).
GRADE_BLOCK_LAYOUT: Layout = (
    Field("grade", "first grade", 1, 2),
    Field("second_grade", "second grade", 3, 2),
    Field("first_endorsement", "first-grade endorsement", 5, 2),
    Field("second_endorsement", "second-grade endorsement", 7, 2),
    Field("grade_absence", "first-grade absence flag", 9, 1),
    Field("second_grade_absence", "second-grade absence flag", 10, 1),
    Field("first_endorsement_absence", "first-endorsement absence flag", 11, 1),
    Field("second_endorsement_absence", "second-endorsement absence flag", 12, 1),
)
"""Result types 1, 2, 3; block positions 13-14 are unused or UNKNOWN."""

MARK_BLOCK_LAYOUT: Layout = (
    Field("score", "numeric score", 1, 3),
    Field("grade", "grade", 4, 2),
)
"""Result types U (uniform mark) and M (mark)."""

BC_BLOCK_LAYOUT: Layout = (
    Field("score", "numeric score", 1, 4),
    Field("grade", "grade", 5, 2),
    Field("grade_absence", "first-grade absence flag", 11, 1),
)
"""Result types B and C (meaning UNKNOWN)."""

_BLOCK_LENGTH = 14


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """A results (R) detail record (§1.7): one result for one option code.

    Unit results and the qualification result are separate records told apart by
    ``result_code`` (§1.7). ``grade`` is the 2-character EDI grade field: use
    :func:`edi_grade_code` to turn a BTEC grade into it. ``score`` is used by result types U and
    M only (§1.7: 3-digit score); the absence flags by types 1-3 only. Which characters go in
    the absence flags is UNKNOWN (§4.1), so they are written as given.
    """

    centre_number: str
    candidate_number: str
    result_code: str
    grade: str
    result_type: ResultType = ResultType.GRADES
    entry_code: str = ""
    uci: str = ""
    uln: str = ""
    second_grade: str = ""
    first_endorsement: str = ""
    second_endorsement: str = ""
    grade_absence: str = ""
    second_grade_absence: str = ""
    first_endorsement_absence: str = ""
    second_endorsement_absence: str = ""
    score: str = ""
    line: int | None = None

    def _block(self) -> str:
        if self.result_type in _GRADE_BLOCK_TYPES:
            if self.score:
                raise EdiWriteError([f"A result of type {self.result_type} has no score field"])
            return _format(
                GRADE_BLOCK_LAYOUT,
                {
                    "grade": self.grade,
                    "second_grade": self.second_grade,
                    "first_endorsement": self.first_endorsement,
                    "second_endorsement": self.second_endorsement,
                    "grade_absence": self.grade_absence,
                    "second_grade_absence": self.second_grade_absence,
                    "first_endorsement_absence": self.first_endorsement_absence,
                    "second_endorsement_absence": self.second_endorsement_absence,
                },
                _BLOCK_LENGTH,
            )
        if self.result_type in _MARK_BLOCK_TYPES:
            if not (self.score.isascii() and self.score.isdigit()):
                raise EdiWriteError([f"The score {self.score!r} must be a whole number"])
            # Project choice: zero-padded to 3 digits; the padding is UNKNOWN (§1.7).
            score = _zero_pad(int(self.score), 3, "The score")
            return _format(MARK_BLOCK_LAYOUT, {"score": score, "grade": self.grade}, 14)
        raise EdiWriteError([f"Results of type {self.result_type} cannot be written"])

    def to_record(self) -> str:
        return _format(
            RESULT_DETAIL_LAYOUT,
            {
                "data_type": DataType.RESULTS,
                "record_type": RecordType.DETAIL,
                "centre_number": self.centre_number,
                "candidate_number": self.candidate_number,
                "uci": self.uci,
                "uln": self.uln,
                "entry_code": self.entry_code,
                "result_code": self.result_code,
                "result_type": self.result_type,
                "grades_block": self._block(),
            },
            RESULTS_RECORD_LENGTH,
        )

    @classmethod
    def from_record(cls, record: str, *, line: int | None = None) -> ResultRecord:
        v = {f.name: f.cut(record) for f in RESULT_DETAIL_LAYOUT}
        block = record[47:61].ljust(_BLOCK_LENGTH)
        result_type = ResultType(v["result_type"])
        if result_type in _GRADE_BLOCK_TYPES:
            layout = GRADE_BLOCK_LAYOUT
        elif result_type in _MARK_BLOCK_TYPES:
            layout = MARK_BLOCK_LAYOUT
        else:
            layout = BC_BLOCK_LAYOUT
        b = {f.name: f.cut(block) for f in layout}
        return cls(
            centre_number=v["centre_number"],
            candidate_number=v["candidate_number"],
            result_code=v["result_code"],
            grade=b.get("grade", ""),
            result_type=result_type,
            entry_code=v["entry_code"],
            uci=v["uci"],
            uln=v["uln"],
            second_grade=b.get("second_grade", ""),
            first_endorsement=b.get("first_endorsement", ""),
            second_endorsement=b.get("second_endorsement", ""),
            grade_absence=b.get("grade_absence", ""),
            second_grade_absence=b.get("second_grade_absence", ""),
            first_endorsement_absence=b.get("first_endorsement_absence", ""),
            second_endorsement_absence=b.get("second_endorsement_absence", ""),
            score=b.get("score", ""),
            line=line,
        )


# ------------------------------------------------------------------------------------------
# Grade codes — §4
# ------------------------------------------------------------------------------------------


class ResultIndicator(StrEnum):
    """Codes that stand in place of a grade in EDI results (§4.1)."""

    NO_RESULT = "X"
    """No result issued (no work, invalid unit combination, more than one UCI, script
    unavailable) [OCR]; UCAS: "no grade awarded / absent / declined grade"."""
    PENDING = "Q"
    """Pending: malpractice, or a result that could not be finalised [OCR]; UCAS: "query".
    Pearson issues Q for a qualification with no results, no claim, ineligibility, certificate
    deferral or a fallback (§4.2 [PEARSON-EDI])."""
    UNCLASSIFIED = "U"
    """Unclassified [UCAS]."""


NOT_YET_SENT = ""
"""A blank grade means the result has not been sent yet (§4.1, UCAS)."""

PARTIAL_ABSENCE = "#"
"""Partial absence, shown next to a grade (§4.1, OCR and UCAS). Whether ``#`` is what goes in the
R5 absence-flag positions is UNKNOWN, so the writer never adds it by itself."""


class PearsonCodeGroup(StrEnum):
    """Pearson qualification groups whose multi-letter grades have 2-character JCQ codes (§4.2).

    The mapping for RQF BTEC Nationals (2016 onwards) and Tech Awards is UNKNOWN.
    """

    NATIONAL_DIPLOMA_NQF = "national-diploma-nqf"
    """National Diploma (NQF) without D*."""
    L3_TWO_GRADE = "l3-two-grade"
    """L3 National Subsidiary Certificate/Diploma (QCF), Subsidiary Certificate/Certificate (NQF)."""
    L3_EXTENDED_DIPLOMA = "l3-extended-diploma"
    """L3 Extended Diploma (QCF), National Diploma (NQF) with D*."""


PEARSON_JCQ_GRADE_CODES: Mapping[PearsonCodeGroup, Mapping[str, str]] = {
    PearsonCodeGroup.NATIONAL_DIPLOMA_NQF: {
        "DDD": "D1",
        "DDM": "D2",
        "DMM": "D3",
        "MMM": "M1",
        "MMP": "M2",
        "MPP": "M3",
        "PPP": "P1",
    },
    PearsonCodeGroup.L3_TWO_GRADE: {"D*D*": "D1", "D*D": "D2"},
    PearsonCodeGroup.L3_EXTENDED_DIPLOMA: {
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
}
"""Pearson's codes in the JCQ format (§4.2 [PEARSON-EDI], "JCQ format" column; the EDIFACT
column differs and is not used here). The same code means different grades in different groups:
decode only with the qualification's group."""

GRADE_FIELD_LENGTH = 2
"""EDI grade fields are 2 characters wide (§1.7, §4.2)."""


def edi_grade_code(grade: str, *, group: PearsonCodeGroup | None = None) -> str:
    """The 2-character EDI grade field for a grade or indicator (§4).

    A grade in the group's Pearson table becomes its code (§4.2). Any other grade or indicator
    that fits in 2 characters (U, N, P, M, D, D*, X, Q, or a 2-letter grade) is written as it is.
    A longer grade with no known code raises :class:`EdiWriteError`: the codes for RQF BTEC
    Nationals and Tech Awards are UNKNOWN (§4.2), so none is made up.

    Near Pass ``N`` is a unit grade only; in summer 2018 Pearson's EDI files showed it as ``U``
    (§4.3), so a centre's MIS may not recognise it.
    """
    if group is not None and grade in PEARSON_JCQ_GRADE_CODES[group]:
        return PEARSON_JCQ_GRADE_CODES[group][grade]
    if len(grade) <= GRADE_FIELD_LENGTH:
        return grade
    where = f" in the group {group.value}" if group is not None else ""
    raise EdiWriteError(
        [
            f"There is no 2-character EDI code for the grade {grade}{where}: Pearson's codes "
            "are known only for the groups in exchange-formats.md §4.2"
        ]
    )


def grade_from_edi_code(code: str, *, group: PearsonCodeGroup | None = None) -> str:
    """The grade an EDI grade code stands for, given the qualification's group (§4.2)."""
    if group is not None:
        for grade, known in PEARSON_JCQ_GRADE_CODES[group].items():
            if known == code:
                return grade
    return code


# ------------------------------------------------------------------------------------------
# Writers
# ------------------------------------------------------------------------------------------


def _join(records: Sequence[str]) -> bytes:
    return "".join(r + RECORD_TERMINATOR for r in records).encode("ascii")


def _check_or_reason(check: Check, label: str, reasons: list[str]) -> None:
    if not check.ok:
        reasons.append(f"{label}: {check.message}")


def write_entries(
    records: Sequence[EntryRecord],
    *,
    centre_number: str,
    ab_id: str,
    series: str,
    year: str,
    sequence: int,
    produced_on: date,
    postcode: str = "",
    data_type: DataType = DataType.ENTRIES,
) -> bytes:
    """Write an entries (E) or amendments (A) file from one centre (§1.4, §1.5).

    Structure: file header (1), centre header (3), detail records (5), centre trailer (7), file
    trailer (9), each 192 characters and ending CRLF. The header's positions 3-7 hold the centre
    number (a centre-originated file, §1.4). Counts include headers and trailers (§1.4).
    Every record must belong to ``centre_number``; candidate numbers, UCIs and ULNs are checked.
    ``series`` (2 characters) and ``year`` (2 digits) are passed through: the series code list
    is UNKNOWN.
    """
    if data_type not in (DataType.ENTRIES, DataType.AMENDMENTS):
        raise EdiWriteError([f"Entries files have data type E or A, not {data_type}"])
    reasons: list[str] = []
    _check_or_reason(check_centre_number(centre_number), "Centre number", reasons)
    for index, record in enumerate(records, start=1):
        label = f"Record {index} (candidate {record.candidate_number})"
        if record.centre_number != centre_number:
            reasons.append(f"{label}: belongs to centre {record.centre_number}, not {centre_number}")
        if record.data_type != data_type:
            reasons.append(f"{label}: has data type {record.data_type}, not {data_type}")
        _check_or_reason(check_candidate_number(record.candidate_number), label, reasons)
        _check_or_reason(check_uci(record.uci, required=False), label, reasons)
        _check_or_reason(check_uln(record.uln, required=False), label, reasons)
        if ":" not in record.candidate_name:
            reasons.append(f"{label}: the candidate name must be SURNAME:FORENAMES")
        else:
            _check_or_reason(edi_candidate_name(record.surname, record.forenames), label, reasons)
        if record.date_of_birth != "000000" and not _valid_ddmmyy(record.date_of_birth):
            reasons.append(f"{label}: the date of birth must be ddMMyy")
    if reasons:
        raise EdiWriteError(reasons)

    length = ENTRIES_RECORD_LENGTH
    details = [line for record in records for line in record.to_records()]
    lines = [
        FileHeader(data_type, centre_number, ab_id, series, year).to_record(length),
        CentreHeader(
            data_type,
            centre_number,
            ab_id,
            series,
            year,
            _zero_pad(sequence, 3, "The sequence number"),
            postcode,
        ).to_record(length),
        *details,
        CentreTrailer(
            data_type,
            centre_number,
            _zero_pad(len(details) + 2, 7, "The centre record count"),
            edi_date(produced_on),
        ).to_record(length),
    ]
    lines.append(
        FileTrailer(
            data_type,
            centre_number,
            _zero_pad(len(lines) + 1, 7, "The record count"),
            _zero_pad(1, 7, "The centre count"),
        ).to_record(length)
    )
    return _join(lines)


def write_results(
    records: Sequence[ResultRecord],
    *,
    ab_id: str,
    series: str,
    year: str,
    sequence: int,
    produced_on: date,
    language: Language = Language.ENGLISH,
    postcodes: Mapping[str, str] | None = None,
) -> bytes:
    """Write a results (R) file from the awarding body (§1.4, §1.7).

    The header's positions 3-7 hold series (2) + year (2) + language (1), as for files an
    awarding body originates (§1.4); records are grouped into one centre block per centre, in
    the order centres first appear. Grade fields must already be EDI codes (see
    :func:`edi_grade_code`). Records are :data:`RESULTS_RECORD_LENGTH` characters (a project
    choice: the official length is UNKNOWN, §1.7).
    """
    reasons: list[str] = []
    if len(series) != 2 or len(year) != 2:
        reasons.append("The series must be 2 characters and the year 2 digits")
    for index, record in enumerate(records, start=1):
        label = f"Result {index} (candidate {record.candidate_number})"
        _check_or_reason(check_centre_number(record.centre_number), label, reasons)
        _check_or_reason(check_candidate_number(record.candidate_number), label, reasons)
        _check_or_reason(check_uci(record.uci, required=False), label, reasons)
        _check_or_reason(check_uln(record.uln, required=False), label, reasons)
        if record.result_type not in _WRITABLE_RESULT_TYPES:
            reasons.append(f"{label}: results of type {record.result_type} cannot be written")
        if not record.result_code:
            reasons.append(f"{label}: enter the option result code")
        if len(record.grade) > GRADE_FIELD_LENGTH:
            reasons.append(
                f"{label}: the grade {record.grade!r} does not fit the 2-character grade field: "
                "use edi_grade_code()"
            )
    if reasons:
        raise EdiWriteError(reasons)

    originator = f"{series}{year}{language}"
    length = RESULTS_RECORD_LENGTH
    by_centre: dict[str, list[ResultRecord]] = {}
    for record in records:
        by_centre.setdefault(record.centre_number, []).append(record)
    lines = [FileHeader(DataType.RESULTS, originator, ab_id, series, year).to_record(length)]
    for centre, centre_records in by_centre.items():
        lines.append(
            CentreHeader(
                DataType.RESULTS,
                centre,
                ab_id,
                series,
                year,
                _zero_pad(sequence, 3, "The sequence number"),
                (postcodes or {}).get(centre, ""),
            ).to_record(length)
        )
        lines.extend(record.to_record() for record in centre_records)
        lines.append(
            CentreTrailer(
                DataType.RESULTS,
                centre,
                _zero_pad(len(centre_records) + 2, 7, "The centre record count"),
                edi_date(produced_on),
            ).to_record(length)
        )
    lines.append(
        FileTrailer(
            DataType.RESULTS,
            originator,
            _zero_pad(len(lines) + 1, 7, "The record count"),
            _zero_pad(len(by_centre), 7, "The centre count"),
        ).to_record(length)
    )
    return _join(lines)


# ------------------------------------------------------------------------------------------
# Readers
# ------------------------------------------------------------------------------------------


RecordT = TypeVar("RecordT", "EntryRecord", "ResultRecord")


@dataclass(frozen=True, slots=True)
class EdiFile(Generic[RecordT]):
    """What a reader found: the file header, centre headers, detail records with their line
    numbers, and every problem. Use the records only when ``ok``."""

    header: FileHeader | None
    centres: tuple[CentreHeader, ...]
    records: tuple[RecordT, ...]
    problems: tuple[EdiProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(slots=True)
class _Reading:
    problems: list[EdiProblem] = field(default_factory=list)
    header: FileHeader | None = None
    centres: list[CentreHeader] = field(default_factory=list)
    details: list[tuple[int, str, CentreHeader | None]] = field(default_factory=list)

    def problem(
        self, line: int | None, message: str, field: str | None = None, value: str | None = None
    ) -> None:
        self.problems.append(EdiProblem(line, field, value, message))


@dataclass(frozen=True, slots=True)
class _Kind:
    file: str  # "an entries file", for messages
    data_types: tuple[str, ...]
    exact_length: int | None  # every record must be this long
    min_detail_length: int  # otherwise, records must hold the known fields
    centre_originated: bool


_ENTRIES = _Kind(
    file="an entries file",
    data_types=(DataType.ENTRIES, DataType.AMENDMENTS),
    exact_length=ENTRIES_RECORD_LENGTH,
    min_detail_length=ENTRIES_RECORD_LENGTH,
    centre_originated=True,
)
_RESULTS = _Kind(
    file="a results file",
    data_types=(DataType.RESULTS,),
    exact_length=None,
    min_detail_length=_layout_length(RESULT_DETAIL_LAYOUT),
    centre_originated=False,
)

_MIN_LENGTHS = {
    RecordType.FILE_HEADER: _layout_length(FILE_HEADER_LAYOUT),
    RecordType.CENTRE_HEADER: _layout_length(CENTRE_HEADER_LAYOUT),
    RecordType.CENTRE_TRAILER: _layout_length(CENTRE_TRAILER_LAYOUT),
    RecordType.FILE_TRAILER: _layout_length(FILE_TRAILER_LAYOUT),
}

_EXPORT_AGAIN = "the file may be incomplete or changed: export it again"
_RECORD_TYPES = frozenset(t.value for t in RecordType)




def _split_lines(data: bytes) -> list[str]:
    # latin-1 maps every byte to one character, so positions stay byte positions and nothing
    # fails to decode; non-ASCII characters are then reported line by line.
    lines = data.decode("latin-1").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _read_structure(data: bytes, *, kind: _Kind, filename: str | None, max_bytes: int) -> _Reading:
    """Check the record structure shared by every EDI file (§1.4): one file header first, then
    centre blocks (3, 5..., 7), then one file trailer last, with counts that add up."""
    reading = _Reading()
    if len(data) > max_bytes:
        reading.problem(None, f"The file must be smaller than {size_text(max_bytes)}")
        return reading
    if not data.strip():
        reading.problem(None, "The file is empty")
        return reading

    lines = _split_lines(data)
    block_start: int | None = None
    block: CentreHeader | None = None
    trailer_line: int | None = None
    centre_count = 0
    for number, line in enumerate(lines, start=1):
        if trailer_line is not None:
            reading.problem(
                number,
                f"Line {number} comes after the file trailer on line {trailer_line}: "
                "the file trailer must be the last record",
            )
        if not line.isascii():
            position = next(i for i, c in enumerate(line, start=1) if not c.isascii())
            reading.problem(
                number,
                f"Line {number} has a character that is not plain text at position {position}: "
                "export the file again",
            )
        if not line.strip():
            reading.problem(number, f"Line {number} is blank: remove it")
            continue
        if len(line) < 2 or line[1] not in _RECORD_TYPES:
            record_type = line[1] if len(line) > 1 else ""
            reading.problem(
                number,
                f"Line {number} has record type {record_type!r}: records must be type 1, 3, 5, 7 or 9",
                "record type",
                record_type,
            )
            continue
        record_type = RecordType(line[1])
        data_type = line[0]

        length_ok = _check_length(reading, kind, number, line, record_type)
        _check_data_type(reading, kind, number, data_type)

        if number == 1 and record_type is not RecordType.FILE_HEADER:
            reading.problem(
                number,
                f"The file must start with a file header (record type 1), but line 1 is "
                f"record type {record_type}",
            )
        if record_type is RecordType.FILE_HEADER:
            if number != 1:
                reading.problem(number, f"Line {number} is a second file header: a file has one, on line 1")
            elif length_ok:
                reading.header = FileHeader.from_record(line)
                _check_file_header(reading, kind, reading.header)
        elif record_type is RecordType.CENTRE_HEADER:
            if block_start is not None:
                reading.problem(
                    number,
                    f"Line {number} starts a centre block, but the block that starts on line "
                    f"{block_start} has no centre trailer (record type 7) before it",
                )
            block_start, block = number, None
            centre_count += 1
            if length_ok:
                block = CentreHeader.from_record(line, line=number)
                reading.centres.append(block)
                _check_centre_header(reading, kind, block)
        elif record_type is RecordType.DETAIL:
            if block_start is None:
                reading.problem(
                    number,
                    f"Line {number} is a detail record outside a centre block: it must come "
                    "between a centre header (record type 3) and a centre trailer (type 7)",
                )
            if length_ok:
                reading.details.append((number, line, block))
        elif record_type is RecordType.CENTRE_TRAILER:
            if block_start is None:
                reading.problem(number, f"Line {number} is a centre trailer with no centre header before it")
            elif length_ok:
                _check_centre_trailer(reading, CentreTrailer.from_record(line), number, block_start, block)
            block_start, block = None, None
        else:  # file trailer
            trailer_line = number
            if block_start is not None:
                reading.problem(
                    block_start,
                    f"The centre block that starts on line {block_start} has no centre trailer "
                    f"(record type 7): {_EXPORT_AGAIN}",
                )
                block_start = None
            if length_ok:
                _check_file_trailer(reading, FileTrailer.from_record(line), number, centre_count)

    if trailer_line is None:
        if block_start is not None:
            reading.problem(
                block_start,
                f"The centre block that starts on line {block_start} has no centre trailer "
                f"(record type 7): {_EXPORT_AGAIN}",
            )
        reading.problem(None, f"The file has no file trailer (record type 9) at the end: {_EXPORT_AGAIN}")
    if centre_count == 0 and reading.header is not None:
        reading.problem(None, "The file has no centre header (record type 3)")
    if filename is not None:
        _check_file_name(reading, filename)
    return reading


def _check_length(reading: _Reading, kind: _Kind, number: int, line: str, record_type: RecordType) -> bool:
    if kind.exact_length is not None:
        if len(line) != kind.exact_length:
            # Short lines are nearly always a text editor's doing: records end in spaces, which
            # editors remove on saving.
            advice = (
                "Export the file again from your MIS; do not open and save it in a text editor, "
                "which removes the trailing spaces"
                if len(line) < kind.exact_length
                else "Export the file again from your MIS, and do not change it before uploading"
            )
            reading.problem(
                number,
                f"Line {number} is {len(line)} characters long: every record in {kind.file} is "
                f"{kind.exact_length} characters. {advice}",
            )
            return False
        return True
    needed = kind.min_detail_length if record_type is RecordType.DETAIL else _MIN_LENGTHS[record_type]
    if len(line) < needed:
        reading.problem(
            number,
            f"Line {number} is {len(line)} characters long: a record of type {record_type} in "
            f"{kind.file} needs at least {needed}. Download the file again; do not open and "
            "save it in a text editor, which removes the trailing spaces",
        )
        return False
    return True


def _check_data_type(reading: _Reading, kind: _Kind, number: int, data_type: str) -> None:
    if reading.header is None:
        if number == 1 and data_type not in kind.data_types:
            reading.problem(
                number,
                f"This is not {kind.file}: its data type is {data_type!r}, not "
                f"{' or '.join(kind.data_types)}",
                "data type",
                data_type,
            )
        return
    if data_type != reading.header.data_type:
        reading.problem(
            number,
            f"Line {number} has data type {data_type!r} but the file header has "
            f"{reading.header.data_type!r}: every record has the same data type",
            "data type",
            data_type,
        )


def _check_file_header(reading: _Reading, kind: _Kind, header: FileHeader) -> None:
    if header.formats_version != FORMATS_VERSION:
        reading.problem(
            1,
            f"The file uses JCQ formats version {header.formats_version!r}: we read version "
            f"{FORMATS_VERSION} only",
            "formats version",
            header.formats_version,
        )
    if kind.centre_originated:
        check = check_centre_number(header.originator)
        if not check.ok:
            reading.problem(
                1,
                f"Line 1, centre number {header.originator!r}: {lower_first(check.message)}",
                "centre number",
                header.originator,
            )


def _check_centre_header(reading: _Reading, kind: _Kind, centre: CentreHeader) -> None:
    number = centre.line
    check = check_centre_number(centre.centre_number)
    if not check.ok:
        reading.problem(
            number,
            f"Line {number}, centre number {centre.centre_number!r}: {lower_first(check.message)}",
            "centre number",
            centre.centre_number,
        )
    header = reading.header
    if header is None:
        return
    # A centre-originated file names its centre in the file header too (§1.4).
    if kind.centre_originated and header.originator != centre.centre_number:
        reading.problem(
            number,
            f"The centre header on line {number} is for centre {centre.centre_number} but the "
            f"file header is for centre {header.originator}",
            "centre number",
            centre.centre_number,
        )
    for name, label in (("ab_id", "awarding body"), ("series", "series"), ("year", "year")):
        mine, theirs = getattr(centre, name), getattr(header, name)
        if mine != theirs:
            reading.problem(
                number,
                f"The centre header on line {number} has {label} {mine!r} but the file header has {theirs!r}",
                label,
                mine,
            )
    if not (centre.sequence.isascii() and centre.sequence.isdigit() and len(centre.sequence) == 3):
        reading.problem(
            number,
            f"The sequence number on line {number} must be 3 digits, not {centre.sequence!r}",
            "sequence number",
            centre.sequence,
        )


def _count(reading: _Reading, text: str, number: int, label: str, record: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    reading.problem(
        number,
        f"The {label} in the {record} on line {number} must be a number, not {text!r}",
        label,
        text,
    )
    return None


def _check_centre_trailer(
    reading: _Reading,
    trailer: CentreTrailer,
    number: int,
    block_start: int,
    block: CentreHeader | None,
) -> None:
    stated = _count(reading, trailer.record_count, number, "record count", "centre trailer")
    actual = number - block_start + 1
    if stated is not None and stated != actual:
        reading.problem(
            number,
            f"The centre trailer on line {number} says its centre block has {stated} records, "
            f"but it has {actual} (lines {block_start} to {number}): {_EXPORT_AGAIN}",
            "record count",
            trailer.record_count,
        )
    if block is not None and trailer.centre_number != block.centre_number:
        reading.problem(
            number,
            f"The centre trailer on line {number} is for centre {trailer.centre_number} but its "
            f"centre header is for centre {block.centre_number}",
            "centre number",
            trailer.centre_number,
        )
    if not _valid_ddmmyy(trailer.produced_on):
        reading.problem(
            number,
            f"The date the file was produced, on line {number}, must be a date as ddMMyy, not "
            f"{trailer.produced_on!r}",
            "date file produced",
            trailer.produced_on,
        )


def _check_file_trailer(reading: _Reading, trailer: FileTrailer, number: int, centre_count: int) -> None:
    stated = _count(reading, trailer.record_count, number, "record count", "file trailer")
    if stated is not None and stated != number:
        reading.problem(
            number,
            f"The file trailer on line {number} says the file has {stated} records, but it "
            f"has {number}: {_EXPORT_AGAIN}",
            "total number of records",
            trailer.record_count,
        )
    centres = _count(reading, trailer.centre_count, number, "number of centres", "file trailer")
    if centres is not None and centres != centre_count:
        reading.problem(
            number,
            f"The file trailer on line {number} says the file has {centres} centres, but it has "
            f"{centre_count}: {_EXPORT_AGAIN}",
            "number of centres",
            trailer.centre_count,
        )
    header = reading.header
    if header is not None and trailer.originator != header.originator:
        reading.problem(
            number,
            f"The file trailer on line {number} has {trailer.originator!r} in positions 3-7 but "
            f"the file header has {header.originator!r}",
            "centre number or series identifier",
            trailer.originator,
        )


def _check_file_name(reading: _Reading, filename: str) -> None:
    try:
        name = parse_file_name(filename)
    except EdiFileNameError as exc:
        reading.problem(None, str(exc), "file name", filename)
        return
    header = reading.header
    if header is not None:
        for part, label, in_header in (
            (name.data_type, "data type", header.data_type),
            (name.originator, "centre number or series", header.originator),
            (name.ab_id, "awarding body", header.ab_id),
        ):
            if part != in_header:
                reading.problem(
                    None,
                    f"The file name {filename!r} has {label} {part!r} but the file header has "
                    f"{in_header!r}: exam data files must not be renamed",
                    "file name",
                    filename,
                )
    if reading.centres and reading.centres[0].sequence[-2:] != name.sequence:
        reading.problem(
            None,
            f"The file name {filename!r} ends in sequence {name.sequence} but the centre header "
            f"has sequence number {reading.centres[0].sequence}: exam data files must not be "
            "renamed",
            "file name",
            filename,
        )


def _check_detail_identity(
    reading: _Reading,
    number: int,
    block: CentreHeader | None,
    centre_number: str,
    candidate_number: str,
    uci: str,
    uln: str,
) -> None:
    if block is not None and centre_number != block.centre_number:
        reading.problem(
            number,
            f"Line {number} is for centre {centre_number} but is in the block for centre "
            f"{block.centre_number}",
            "centre number",
            centre_number,
        )
    checks: tuple[tuple[str, str, Callable[[str], Check]], ...] = (
        ("candidate number", candidate_number, check_candidate_number),
        ("UCI", uci, lambda v: check_uci(v, required=False)),
        ("ULN", uln, lambda v: check_uln(v, required=False)),
    )
    for label, value, check_function in checks:
        check = check_function(value)
        if not check.ok:
            reading.problem(
                number,
                f"Line {number}, {label} {value!r}: {lower_first(check.message)}",
                label,
                value,
            )


def read_entries(
    data: bytes, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> EdiFile[EntryRecord]:
    """Read an entries (E) or amendments (A) file (§1.4, §1.5).

    Checks: every record is 192 characters with record type 1, 3, 5, 7 or 9 and the header's
    data type; the file starts with a file header and ends with a file trailer; detail records
    sit inside centre blocks; the header is formats version 14 with a valid centre number and
    each centre header matches it (centre, awarding body, series, year); the record counts in
    the centre and file trailers and the number of centres add up; and, if ``filename`` is
    given, the name matches the header (§1.2: carriers must not rename files).
    For each detail record: it belongs to its block's centre; the candidate number, and any
    UCI and ULN, pass :mod:`resultsday.identifiers`; the name is ``SURNAME:FORENAMES``; the date
    of birth is ``ddMMyy`` or ``000000``. Fields whose code lists are UNKNOWN are not checked.
    A candidate with more than 12 entries appears as several records (§1.5).
    """
    reading = _read_structure(data, kind=_ENTRIES, filename=filename, max_bytes=max_bytes)
    records: list[EntryRecord] = []
    for number, line, block in reading.details:
        record = EntryRecord.from_record(line, line=number)
        records.append(record)
        _check_detail_identity(
            reading,
            number,
            block,
            record.centre_number,
            record.candidate_number,
            record.uci,
            record.uln,
        )
        if not record.candidate_name:
            reading.problem(number, f"Line {number} has no candidate name", "candidate name", "")
        elif ":" not in record.candidate_name:
            reading.problem(
                number,
                f"Line {number}: the candidate name must be SURNAME:FORENAMES",
                "candidate name",
                record.candidate_name,
            )
        if record.date_of_birth != "000000" and not _valid_ddmmyy(record.date_of_birth):
            reading.problem(
                number,
                f"Line {number}: the date of birth must be a date as ddMMyy (or 000000 when not "
                f"known), not {record.date_of_birth!r}",
                "date of birth",
                record.date_of_birth,
            )
    return EdiFile(
        header=reading.header,
        centres=tuple(reading.centres),
        records=tuple(records),
        problems=tuple(reading.problems),
    )


def read_results(
    data: bytes, *, filename: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> EdiFile[ResultRecord]:
    """Read a results (R) file (§1.4, §1.7), as written by :func:`write_results`.

    The structure checks are those of :func:`read_entries`, except that record lengths are
    UNKNOWN (§1.7), so a record only has to be long enough for the fields the reference gives
    (61 characters for a detail record). Each detail record's result type must be one of
    §1.7's; its candidate number, and any UCI and ULN, are checked. Grade codes are returned as
    they are: decode them with :func:`grade_from_edi_code` and the qualification's group.
    """
    reading = _read_structure(data, kind=_RESULTS, filename=filename, max_bytes=max_bytes)
    records: list[ResultRecord] = []
    known_types = {t.value for t in ResultType}
    for number, line, block in reading.details:
        result_type = line[46]
        if result_type not in known_types:
            reading.problem(
                number,
                f"Line {number} has result type {result_type!r}: result types are "
                f"{', '.join(sorted(known_types))}",
                "result type",
                result_type,
            )
            continue
        record = ResultRecord.from_record(line, line=number)
        records.append(record)
        _check_detail_identity(
            reading,
            number,
            block,
            record.centre_number,
            record.candidate_number,
            record.uci,
            record.uln,
        )
        if not record.result_code:
            reading.problem(number, f"Line {number} has no option result code", "option result code", "")
    return EdiFile(
        header=reading.header,
        centres=tuple(reading.centres),
        records=tuple(records),
        problems=tuple(reading.problems),
    )
