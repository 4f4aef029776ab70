"""Validation of the identifiers a results system exchanges, with messages people can act on.

Every rule here comes from ``shared/reference/exchange-formats.md`` (cited below as "§2.x") and,
through it, from the public source that section names. Where the reference marks a fact as
UNKNOWN or INFERRED, the code says so and does not guess.

Each ``check_*`` function takes the text a person typed (or a cell from an upload) and returns a
:class:`Check`. ``ok`` is False only when the value is certainly wrong; ``warning`` carries doubts
that should be shown but must not block (for example the inferred QN check character).

All functions strip surrounding whitespace before checking, and return that stripped text (or the
normalised form the reference gives) as ``value``. Stripping surrounding whitespace is this
project's own input rule, not an official one; nothing inside the value is changed unless the
reference says so (UCAS Personal ID hyphens, QN obliques).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "EDI_NAME_MAX_LENGTH",
    "PEARSON_FORENAMES_MAX_LENGTH",
    "PEARSON_SURNAME_MAX_LENGTH",
    "QN_CHECK_IS_INFERRED",
    "UCI_CHECK_TABLE",
    "ULN_NOT_KNOWN_PLACEHOLDER",
    "Check",
    "character_words",
    "check_candidate_number",
    "check_centre_number",
    "check_forenames",
    "check_qualification_number",
    "check_surname",
    "check_ucas_personal_id",
    "check_uci",
    "check_uln",
    "control_characters",
    "edi_candidate_name",
    "qn_check_character",
    "uci_check_letter",
    "uln_check_digit",
]


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of checking one identifier.

    ``value`` is the normalised text (surrounding whitespace removed, plus any normalisation
    the reference states); when ``ok`` is False it is the stripped input, for echoing back.
    ``message`` says what is wrong and what to do; ``warning`` is a doubt that does not block.
    """

    ok: bool
    value: str
    message: str | None = None
    warning: str | None = None


def _fail(value: str, message: str) -> Check:
    return Check(ok=False, value=value, message=message)


def _pass(value: str, warning: str | None = None) -> Check:
    return Check(ok=True, value=value, warning=warning)


# ASCII only: str.isdigit() would also accept "²" and Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]+")


def _all_digits(value: str) -> bool:
    return _DIGITS.fullmatch(value) is not None


# --------------------------------------------------------------------------------------------
# ULN — §2.2 (Learning Records Service; ILR rule DD01; HESA)
# --------------------------------------------------------------------------------------------

ULN_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
"""Weights for digits 1-9 of a ULN (§2.2, ILR rule DD01)."""

ULN_NOT_KNOWN_PLACEHOLDER = "9999999999"
"""The ILR's 'ULN not known' default (§2.2, ILR DD01/ULN_02). It is not a real ULN."""


def uln_check_digit(stem: str) -> str | None:
    """Return the 10th (check) digit for the first nine digits of a ULN.

    §2.2 [ILR-DD01]: r = (10*d1 + 9*d2 + ... + 2*d9) mod 11; when r is 0 no valid check digit
    exists and this returns None; otherwise the check digit is 10 - r.

    Raises ValueError unless ``stem`` is nine ASCII digits with a non-zero first digit (HESA
    requires a non-zero first digit, §2.2, so no ULN can be made from such a stem).
    """
    if len(stem) != 9 or not _all_digits(stem):
        raise ValueError(f"A ULN stem must be 9 digits, not {stem!r}")
    if stem[0] == "0":
        raise ValueError("A ULN cannot start with 0 (HESA, exchange-formats.md §2.2)")
    remainder = sum(w * int(d) for w, d in zip(ULN_WEIGHTS, stem, strict=True)) % 11
    if remainder == 0:
        return None
    return str(10 - remainder)


def check_uln(raw: str, *, required: bool = True) -> Check:
    """Check a Unique Learner Number (ULN): 10 digits with a mod-11 check digit.

    Rules, all from exchange-formats.md §2.2:
    - 10 digits [ILR-DD01].
    - 9999999999 is the ILR's "ULN not known" default, not a ULN; OCR tells centres to leave the
      ULN blank rather than send it [ILR ULN_02; OCR final entry information].
    - The first digit must not be 0 [HESA c17051 ULN].
    - r = (10*d1 + ... + 2*d9) mod 11; r == 0 is never valid; otherwise d10 must be 10 - r
      [ILR-DD01; SFA DAS UlnValidator].

    A blank ULN is allowed when ``required`` is False: Pearson registrations leave it blank for
    international learners and OCR asks for blank rather than a placeholder (§2.2, §2.6).
    """
    value = raw.strip()
    if not value:
        return _pass("") if not required else _fail("", "Enter a ULN")
    if not _all_digits(value):
        return _fail(value, "Enter a ULN using only the numbers 0 to 9")
    if len(value) != 10:
        return _fail(value, f"Enter a ULN of 10 digits (this has {len(value)})")
    if value == ULN_NOT_KNOWN_PLACEHOLDER:
        return _fail(
            value,
            "9999999999 means 'ULN not known' and is not a real ULN: "
            "leave the ULN blank if the learner does not have one",
        )
    if value[0] == "0":
        return _fail(value, "A ULN cannot start with 0: check the number with the learner's record")
    expected = uln_check_digit(value[:9])
    if expected is None:
        return _fail(
            value,
            "This is not a real ULN (no ULN can start with these 9 digits): "
            "check the number with the learner's record",
        )
    if value[9] != expected:
        return _fail(value, "The ULN check digit is wrong: check the number with the learner's record")
    return _pass(value)


# --------------------------------------------------------------------------------------------
# UCI — §2.1 (AQA, WJEC, Pearson, Scomis; check table from three implementations)
# --------------------------------------------------------------------------------------------

UCI_CHECK_TABLE = "ABCDEFGHKLMRTVWXY"
"""Check letters for remainders 0-16 (§2.1).

CONFLICT noted in §2.1: three implementations use this table; Aspen uses ABCDEFGHIJKRTVWXY
(I, J, K for remainders 8-10). The reference says to treat this table as correct but to verify
it against the JCQ "Unique Candidate Identifiers" document before release.
"""

UCI_WEIGHTS = (16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5)
"""Weights for characters 1-12 of a UCI (§2.1)."""

# Position 6 is "0" for UK centres and "B" for Pearson international centres (§2.1). The value
# of a letter in position 6 is not officially published (UNKNOWN): Aspen and the OCR splitter use
# A-P = 1-16, Q-W = 10-16, X-Z = 10-12; a calculator uses A=1 ... Z=26. The tables agree on A-P
# (so on B = 2, as §2.1 notes), so only A-P can be checked; Q-Z cannot.
_UCI_AGREED_LETTER_VALUES = {letter: n for n, letter in enumerate("ABCDEFGHIJKLMNOP", start=1)}
_UCI_DOCUMENTED_POSITION_6 = {"0": "UK centres", "B": "Pearson international centres"}
_UCI_STEM = re.compile(r"[0-9]{5}[0-9A-Z][0-9]{6}")


def _uci_position_6_value(char: str) -> int | None:
    if _all_digits(char):
        return int(char)
    return _UCI_AGREED_LETTER_VALUES.get(char)


def uci_check_letter(stem: str) -> str:
    """Return the 13th (check) character for the first 12 characters of a UCI.

    §2.1: sum = Σ value(c_i) * (17 - i) for i = 1..12 (weights 16..5); r = sum mod 17;
    check = "ABCDEFGHKLMRTVWXY"[r]. Digits count at face value. A letter in position 6 counts at
    the value all published tables agree on (A-P = 1-16); for Q-Z the tables disagree and the
    official table is UNKNOWN, so this raises ValueError rather than guess.
    """
    if _UCI_STEM.fullmatch(stem) is None:
        raise ValueError(f"A UCI stem is 5 digits, a digit or capital letter, 6 digits: {stem!r}")
    position_6 = _uci_position_6_value(stem[5])
    if position_6 is None:
        raise ValueError(
            f"The value of {stem[5]!r} in position 6 of a UCI is not published "
            "(exchange-formats.md §2.1), so its check letter cannot be computed"
        )
    values = [int(c) for c in stem[:5]] + [position_6] + [int(c) for c in stem[6:]]
    total = sum(w * v for w, v in zip(UCI_WEIGHTS, values, strict=True))
    return UCI_CHECK_TABLE[total % 17]


def check_uci(raw: str, *, required: bool = True) -> Check:
    """Check a Unique Candidate Identifier (UCI): 13 characters ending in a mod-17 check letter.

    Structure (§2.1, [AQA-UCI], [WJEC-UCI], Pearson, Scomis): 1-5 centre number where the UCI was
    first allocated; 6 "0" for UK centres or "B" for Pearson international centres; 7-8 year of
    allocation; 9-12 candidate number 0001-9999; 13 check letter (algorithm in
    :func:`uci_check_letter`).

    Policy choices (not official):
    - §2.1 says centres may leave the 13th character blank for the awarding body to compute;
      we require all 13 characters and offer :func:`uci_check_letter` to complete a stem.
    - Letters must be capitals: the reference gives only capital letters and says nothing about
      case, so we ask rather than change the value.
    - A position-6 character other than "0" or "B" is accepted with a warning, because the
      reference documents only those two; for Q-Z the check letter cannot be verified at all.
    """
    value = raw.strip()
    if not value:
        return _pass("") if not required else _fail("", "Enter a UCI")
    if value != value.upper():
        return _fail(value, "Enter the letters in the UCI as capitals")
    if len(value) == 12 and _UCI_STEM.fullmatch(value):
        return _fail(value, "The UCI is missing its check letter: enter all 13 characters")
    if len(value) != 13:
        return _fail(value, f"Enter a UCI of 13 characters (this has {len(value)})")
    stem, check = value[:12], value[12]
    if _UCI_STEM.fullmatch(stem) is None:
        return _fail(
            value,
            "Enter a UCI in the right format: 5 digits, 0 (or B for Pearson international "
            "centres), 6 digits, then the check letter",
        )
    if stem[8:12] == "0000":
        return _fail(value, "Characters 9 to 12 of a UCI are a candidate number from 0001 to 9999")
    if check not in UCI_CHECK_TABLE:
        return _fail(
            value,
            f"The last character of a UCI must be one of the check letters "
            f"{', '.join(UCI_CHECK_TABLE)}: check the UCI with the learner's record",
        )
    warning = None
    if stem[5] not in _UCI_DOCUMENTED_POSITION_6:
        warning = (
            f"Character 6 of this UCI is {stem[5]}; it is normally 0 (UK centres) or "
            "B (Pearson international centres): check the UCI with the learner's record"
        )
    if _uci_position_6_value(stem[5]) is None:
        # UNKNOWN letter value (§2.1): accept the format, say we could not check it.
        return _pass(
            value,
            f"We cannot check the last letter of a UCI with {stem[5]} as character 6: "
            "check the UCI with the awarding organisation",
        )
    if uci_check_letter(stem) != check:
        return _fail(value, "The UCI check letter is wrong: check the UCI with the learner's record")
    return _pass(value, warning)


# --------------------------------------------------------------------------------------------
# Centre number and candidate number — §2.3
# --------------------------------------------------------------------------------------------

_SUB_CENTRE = re.compile(r"[0-9]{5}[A-Za-z]+")


def check_centre_number(raw: str, *, required: bool = True) -> Check:
    """Check a centre number (NCN): five digits, no check digit.

    §2.3: five digits [AQA entry fields]; JCQ formats allow only five-figure centre numbers, so
    Pearson sub-centre suffixes such as 12345A cannot be sent [Edexcel EDI FAQ]. No check digit
    has been published (UNKNOWN/none), so none is checked.
    """
    value = raw.strip()
    if not value:
        return _pass("") if not required else _fail("", "Enter a centre number")
    if _SUB_CENTRE.fullmatch(value):
        return _fail(
            value,
            "Enter the centre number without the sub-centre letter: "
            "exam data files only carry 5-digit centre numbers",
        )
    if not _all_digits(value):
        return _fail(value, "Enter a centre number using only the numbers 0 to 9")
    if len(value) != 5:
        return _fail(value, f"Enter a centre number of 5 digits (this has {len(value)})")
    return _pass(value)


def check_candidate_number(raw: str, *, required: bool = True) -> Check:
    """Check a candidate number: four digits from 0001 to 9999, no check digit.

    §2.3: allocated by the centre, unique within the centre for a series, cannot change within a
    series [AQA entry fields; Pearson registration and entry data]. Leading zeros are part of
    the number (EDI writes it zero-padded, §1.5); we do not add missing ones, because a number
    that lost its zeros in a spreadsheet should be corrected at source.
    """
    value = raw.strip()
    if not value:
        return _pass("") if not required else _fail("", "Enter a candidate number")
    if not _all_digits(value):
        return _fail(value, "Enter a candidate number using only the numbers 0 to 9")
    if len(value) < 4:
        return _fail(
            value,
            "Enter a candidate number of 4 digits, including any leading zeros, like 0042",
        )
    if len(value) > 4:
        return _fail(value, f"Enter a candidate number of 4 digits (this has {len(value)})")
    if value == "0000":
        return _fail(value, "Enter a candidate number from 0001 to 9999")
    return _pass(value)


# --------------------------------------------------------------------------------------------
# UCAS Personal ID — §2.4
# --------------------------------------------------------------------------------------------


def check_ucas_personal_id(raw: str, *, required: bool = False) -> Check:
    """Check a UCAS Personal ID: 10 digits, shown as 123-456-7890; optional by default.

    §2.4 [ILR LearnerHE UCASPERID; HESA UCASPERID]: strip the hyphens; pattern [0-9]{10};
    range 0000000001-9999999999. The check-digit algorithm is UNKNOWN (none published), so no
    check digit is tested.

    §2.4 also says "left-pad with zeros", but the reference's own vectors treat a 9-digit value
    as invalid; we follow the vectors and ask for all 10 digits instead of padding silently.
    """
    value = raw.strip()
    if not value:
        return _pass("") if not required else _fail("", "Enter a UCAS Personal ID")
    digits = value.replace("-", "")
    if not _all_digits(digits):
        return _fail(value, "Enter a UCAS Personal ID using only the numbers 0 to 9")
    if len(digits) != 10:
        return _fail(value, f"Enter a UCAS Personal ID of 10 digits (this has {len(digits)})")
    if digits == "0000000000":
        return _fail(value, "Enter a UCAS Personal ID from 0000000001 to 9999999999")
    return _pass(digits)


# --------------------------------------------------------------------------------------------
# Ofqual qualification number (QN) — §2.5
# --------------------------------------------------------------------------------------------

QN_CHECK_IS_INFERRED = True
"""§2.5: the QN check character algorithm is INFERRED from 50 published QNs, not published by
Ofqual; two counter-examples were seen. So a mismatch is a warning, never a rejection."""

QN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2)
_QN_WITH_OBLIQUES = re.compile(r"([0-9]{3})/([0-9]{4})/([0-9X])")
_QN_WITHOUT_OBLIQUES = re.compile(r"([0-9]{3})([0-9]{4})([0-9X])")


def qn_check_character(stem: str) -> str:
    """Return the INFERRED check character for the 7 digits of a QN (``NNNNNNN``).

    §2.5 (INFERRED, not officially published): r = (8*d1 + 7*d2 + ... + 2*d7) mod 11;
    check = "X" when r is 10, else the digit r.
    """
    if len(stem) != 7 or not _all_digits(stem):
        raise ValueError(f"A QN stem must be 7 digits, not {stem!r}")
    remainder = sum(w * int(d) for w, d in zip(QN_WEIGHTS, stem, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def check_qualification_number(raw: str, *, required: bool = True) -> Check:
    """Check an Ofqual qualification number (QN), normalised to ``NNN/NNNN/C``.

    §2.5: 3 digits / 4 digits / check character (a digit or X), also written without the
    obliques as 8 characters; Ofqual's register API says "Permitted format: 500/1522/9 or
    50015229" [ofqual-register-api tests]. The check character is INFERRED (see
    :data:`QN_CHECK_IS_INFERRED`), so a mismatch gives a warning and ``ok`` stays True, as the
    reference recommends: confirm the QN on the Ofqual Register instead.
    """
    value = raw.strip()
    if not value:
        return _pass("") if not required else _fail("", "Enter a qualification number")
    match = _QN_WITH_OBLIQUES.fullmatch(value) or _QN_WITHOUT_OBLIQUES.fullmatch(value)
    if match is None:
        if value.endswith("x") and (
            _QN_WITH_OBLIQUES.fullmatch(value[:-1] + "X") or _QN_WITHOUT_OBLIQUES.fullmatch(value[:-1] + "X")
        ):
            return _fail(value, "Enter the X at the end of the qualification number as a capital")
        return _fail(value, "Enter a qualification number in the format 500/1522/9 or 50015229")
    first, second, check = match.groups()
    normalised = f"{first}/{second}/{check}"
    expected = qn_check_character(first + second)
    if check != expected:
        return _pass(
            normalised,
            f"The last character of {normalised} is not the one we expect ({expected}): "
            "check the qualification number on the Ofqual Register",
        )
    return _pass(normalised)


# --------------------------------------------------------------------------------------------
# Learner names — §1.5 (EDI candidate name) and §2.6 (Pearson registration limits)
# --------------------------------------------------------------------------------------------

EDI_NAME_MAX_LENGTH = 40
"""The EDI candidate name field is ``SURNAME:FORENAMES`` in at most 40 characters
(§1.5, entries detail positions 13-52 [ASPEN]; AQA entry fields)."""

PEARSON_SURNAME_MAX_LENGTH = 30
PEARSON_FORENAMES_MAX_LENGTH = 20
"""Pearson registration data: last names up to 30, first names up to 20 characters (§2.6)."""

# The characters Aspen's EDI exporter keeps in names: A-Z a-z - ' ( ) . and space (§1.5
# [ASPEN ExamEntries.java]). Pearson accepts A-Z ' . : ( ) / - and upper-cases or strips
# others (§1.5, Pearson registration-and-entry-data page); whether Pearson keeps spaces is not
# stated (UNKNOWN), so we do not imitate Pearson's stripping: we report, never rewrite, names.
_EDI_NAME_CHARACTERS = re.compile(r"[A-Za-z\-'(). ]*")
_EDI_NAME_CHARACTERS_TEXT = "letters A to Z, spaces, hyphens, apostrophes, brackets and full stops"


def _characters_outside_edi_set(value: str) -> list[str]:
    return sorted({c for c in value if _EDI_NAME_CHARACTERS.fullmatch(c) is None})


# C0 controls, DEL and C1 controls (Unicode category Cc). No name contains one; they come from
# copying out of other programs, are invisible on a page, and XLSX files cannot store most of
# them (an export with one fails), so they are refused, not stripped.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same but tab and line breaks, which show in a spreadsheet cell (formats.tabular).
_INVISIBLE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_characters(value: str, *, keep_line_breaks: bool = False) -> list[str]:
    """The control characters (C0, DEL, C1) in ``value``, as ``U+0007`` codes, in order;
    with ``keep_line_breaks``, not tab, LF or CR."""
    pattern = _INVISIBLE_CONTROL_CHARACTERS if keep_line_breaks else _CONTROL_CHARACTERS
    return [f"U+{ord(c):04X}" for c in dict.fromkeys(pattern.findall(value))]


def character_words(found: Sequence[str], kind: str) -> tuple[str, str]:
    """("a control character", "it") for one, ("control characters", "them") for more."""
    article = "an" if kind[0] in "aeiou" else "a"
    return (f"{article} {kind}", "it") if len(found) == 1 else (f"{kind}s", "them")


def _check_name_part(
    raw: str, *, label: str, pearson_length: int, max_length: int | None, required: bool
) -> Check:
    value = raw.strip()
    if not value:
        return _pass("") if not required else _fail("", f"Enter the learner's {label}")
    controls = control_characters(value)
    if controls:
        what, it = character_words(controls, "control character")
        return _fail(
            value,
            f"The {label} includes {what} ({', '.join(controls)}), which a name cannot contain: "
            f"delete {it} and type the name again",
        )
    if max_length is not None and len(value) > max_length:
        return _fail(
            value,
            f"The {label} is {len(value)} characters long: enter {max_length} characters or fewer",
        )
    warnings = []
    outside = _characters_outside_edi_set(value)
    if outside:
        warnings.append(
            f"The {label} includes {' '.join(outside)}, which exam data files cannot carry "
            f"(only {_EDI_NAME_CHARACTERS_TEXT}): check how the name is recorded with the "
            "awarding organisation"
        )
    if len(value) > pearson_length:
        warnings.append(
            f"Pearson registrations allow {pearson_length} characters for the {label} and this "
            f"has {len(value)}: check how the name is recorded with Pearson"
        )
    return _pass(value, "; ".join(warnings) or None)


def check_surname(raw: str, *, required: bool = True, max_length: int | None = None) -> Check:
    """Check a learner's surname.

    Fails when blank (if required), when it holds a control character (C0, DEL or C1: no name
    has one, and XLSX files cannot store them) and when it is longer than ``max_length`` (the
    longest the caller can store; project choice, no exchange format sets it).
    The stored name is the learner's real name, so exchange limits are warnings only:
    characters outside the EDI name set (§1.5 [ASPEN]) and more than 30 characters (Pearson
    registration limit, §2.6). Only surrounding whitespace is removed; case is kept.
    """
    return _check_name_part(
        raw, label="surname", pearson_length=PEARSON_SURNAME_MAX_LENGTH, max_length=max_length,
        required=required,
    )


def check_forenames(raw: str, *, required: bool = True, max_length: int | None = None) -> Check:
    """Check a learner's forenames, as :func:`check_surname` (Pearson limit 20 characters, §2.6)."""
    return _check_name_part(
        raw, label="forenames", pearson_length=PEARSON_FORENAMES_MAX_LENGTH,
        max_length=max_length, required=required,
    )


def edi_candidate_name(surname: str, forenames: str) -> Check:
    """Build the EDI candidate name field ``SURNAME:FORENAMES`` (§1.5), or say why it cannot be.

    §1.5: the field holds ``SURNAME:FORENAMES`` in at most 40 characters [AQA entry fields];
    characters are those Aspen keeps (A-Z a-z - ' ( ) . space) [ASPEN]. Surrounding whitespace
    of each part is removed; case is kept as given (the reference does not say EDI names must be
    capitals; Pearson upper-cases on receipt). Nothing is truncated or stripped silently.
    """
    surname_value, forenames_value = surname.strip(), forenames.strip()
    value = f"{surname_value}:{forenames_value}"
    if not surname_value:
        return _fail(value, "Enter the learner's surname")
    outside = _characters_outside_edi_set(surname_value + forenames_value)
    if outside:
        return _fail(
            value,
            f"The name includes {' '.join(outside)}, which exam data files cannot carry: "
            f"use only {_EDI_NAME_CHARACTERS_TEXT}",
        )
    if len(value) > EDI_NAME_MAX_LENGTH:
        return _fail(
            value,
            f"The name is {len(value)} characters as SURNAME:FORENAMES and exam data files "
            f"allow {EDI_NAME_MAX_LENGTH}: record a shorter form of the forenames",
        )
    return _pass(value)
