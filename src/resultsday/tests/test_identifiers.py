"""Tests for resultsday.identifiers: every vector in identifier-vectors.json, plus properties.

The vectors file is a copy of shared/reference/identifier-vectors.json (see data/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resultsday import identifiers
from resultsday.identifiers import (
    UCI_CHECK_TABLE,
    check_candidate_number,
    check_centre_number,
    check_forenames,
    check_qualification_number,
    check_surname,
    check_ucas_personal_id,
    check_uci,
    check_uln,
    edi_candidate_name,
    qn_check_character,
    uci_check_letter,
    uln_check_digit,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "identifier-vectors.json").read_text(encoding="utf-8")
)


def values(*path: str) -> list[str]:
    node: Any = VECTORS
    for key in path:
        node = node[key]
    return [item["value"] for item in node]


def test_every_identifier_kind_in_the_vectors_file_is_covered() -> None:
    # If the reference gains a new kind of identifier, this fails until tests are added here.
    assert set(VECTORS) == {
        "_meta",
        "uci",
        "uln",
        "qualification_number",
        "ucas_personal_id",
        "centre_number",
        "candidate_number",
        "btec_registration_number",
    }


# ------------------------------------------------------------------------------------------
# UCI
# ------------------------------------------------------------------------------------------

VALID_UCIS = (
    values("uci", "valid")
    + values("uci", "valid_computed_one_per_remainder", "vectors")
    + values("uci", "valid_international_computed")
)


@pytest.mark.parametrize("uci", VALID_UCIS)
def test_it_accepts_each_valid_uci_vector(uci: str) -> None:
    result = check_uci(uci)
    assert result.ok, result.message
    assert result.value == uci
    assert result.message is None
    assert result.warning is None
    assert uci_check_letter(uci[:12]) == uci[12]


@pytest.mark.parametrize(
    "vector", VECTORS["uci"]["valid_computed_one_per_remainder"]["vectors"], ids=lambda v: v["value"]
)
def test_it_maps_each_remainder_to_the_majority_check_table(vector: dict[str, Any]) -> None:
    assert UCI_CHECK_TABLE[vector["remainder"]] == vector["value"][12]


@pytest.mark.parametrize("uci", values("uci", "invalid"))
def test_it_rejects_each_invalid_uci_vector(uci: str) -> None:
    result = check_uci(uci)
    assert not result.ok
    assert result.message


@pytest.mark.parametrize(
    ("uci", "message"),
    [
        ("999990140001X", "The UCI check letter is wrong: check the UCI with the learner's record"),
        ("681990012058H", "The UCI check letter is wrong: check the UCI with the learner's record"),
        ("68199001205G", "Enter a UCI of 13 characters (this has 12)"),
        ("681990012058GG", "Enter a UCI of 13 characters (this has 14)"),
        (
            "681990012058I",
            "The last character of a UCI must be one of the check letters "
            "A, B, C, D, E, F, G, H, K, L, M, R, T, V, W, X, Y: check the UCI with the learner's record",
        ),
        ("681990012058", "The UCI is missing its check letter: enter all 13 characters"),
        ("681990012058g", "Enter the letters in the UCI as capitals"),
        ("", "Enter a UCI"),
        ("681990000000A", "Characters 9 to 12 of a UCI are a candidate number from 0001 to 9999"),
    ],
)
def test_it_explains_why_a_uci_is_rejected(uci: str, message: str) -> None:
    assert check_uci(uci).message == message


def test_it_computes_the_wjec_worked_example_check_letter() -> None:
    # WJEC: stem 689990980001 has sum 734, remainder 3 -> D (exchange-formats.md §2.1).
    assert uci_check_letter("689990980001") == "D"


def test_it_accepts_an_unknown_position_6_letter_with_a_warning_it_could_not_check() -> None:
    result = check_uci("12345Q230001A")
    assert result.ok
    assert result.warning == (
        "We cannot check the last letter of a UCI with Q as character 6: "
        "check the UCI with the awarding organisation"
    )
    with pytest.raises(ValueError, match="not published"):
        uci_check_letter("12345Q230001")


def test_it_warns_about_an_undocumented_position_6_character_it_can_check() -> None:
    stem = "12345C230001"
    result = check_uci(stem + uci_check_letter(stem))
    assert result.ok
    assert result.warning is not None and "normally 0 (UK centres) or B" in result.warning


def test_an_optional_uci_may_be_blank() -> None:
    assert check_uci("  ", required=False) == identifiers.Check(ok=True, value="")


# ------------------------------------------------------------------------------------------
# ULN
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("uln", values("uln", "valid"))
def test_it_accepts_each_valid_uln_vector(uln: str) -> None:
    result = check_uln(uln)
    assert result == identifiers.Check(ok=True, value=uln)
    assert uln_check_digit(uln[:9]) == uln[9]


@pytest.mark.parametrize("uln", values("uln", "invalid") + values("uln", "special_cases"))
def test_it_rejects_each_invalid_uln_vector(uln: str) -> None:
    result = check_uln(uln)
    assert not result.ok
    assert result.message


@pytest.mark.parametrize(
    ("uln", "message"),
    [
        ("", "Enter a ULN"),
        ("123456789", "Enter a ULN of 10 digits (this has 9)"),
        ("ABC4567890", "Enter a ULN using only the numbers 0 to 9"),
        ("-174852963", "Enter a ULN using only the numbers 0 to 9"),
        ("1748529631", "The ULN check digit is wrong: check the number with the learner's record"),
        (
            "1000000063",
            "This is not a real ULN (no ULN can start with these 9 digits): "
            "check the number with the learner's record",
        ),
        (
            "9999999999",
            "9999999999 means 'ULN not known' and is not a real ULN: "
            "leave the ULN blank if the learner does not have one",
        ),
        ("0000000042", "A ULN cannot start with 0: check the number with the learner's record"),
    ],
)
def test_it_explains_why_a_uln_is_rejected(uln: str, message: str) -> None:
    assert check_uln(uln).message == message


def test_it_strips_surrounding_whitespace_from_a_uln_and_nothing_else() -> None:
    assert check_uln(" 9276308686\t").value == "9276308686"
    assert not check_uln("92763 08686").ok


def test_an_optional_uln_may_be_blank() -> None:
    assert check_uln("", required=False).ok


def test_uln_check_digit_refuses_a_stem_no_uln_can_have() -> None:
    assert uln_check_digit("100000006") is None  # remainder 0 (vector 1000000063)
    with pytest.raises(ValueError, match="cannot start with 0"):
        uln_check_digit("000000004")
    with pytest.raises(ValueError, match="9 digits"):
        uln_check_digit("12345678")


uln_stems = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True).filter(
    lambda stem: uln_check_digit(stem) is not None
)


def _uln(stem: str) -> str:
    digit = uln_check_digit(stem)
    assert digit is not None
    return stem + digit


@given(uln_stems)
def test_a_generated_uln_check_digit_always_validates(stem: str) -> None:
    assert check_uln(_uln(stem)).ok


@given(uln_stems, st.integers(0, 9), st.integers(1, 9))
def test_any_single_changed_uln_digit_is_caught(stem: str, position: int, shift: int) -> None:
    # Weights 10..1 are all non-zero mod 11 and 11 is prime, so any one-digit change moves the
    # weighted sum off 10 mod 11 (exchange-formats.md §2.2).
    uln = _uln(stem)
    changed = uln[:position] + str((int(uln[position]) + shift) % 10) + uln[position + 1 :]
    assert not check_uln(changed).ok


@given(uln_stems, st.integers(0, 8))
def test_any_swap_of_two_different_adjacent_uln_digits_is_caught(stem: str, position: int) -> None:
    uln = _uln(stem)
    if uln[position] == uln[position + 1]:
        return
    swapped = uln[:position] + uln[position + 1] + uln[position] + uln[position + 2 :]
    assert not check_uln(swapped).ok


# ------------------------------------------------------------------------------------------
# UCI properties
# ------------------------------------------------------------------------------------------

uci_stems = st.builds(
    lambda centre, position_6, year, candidate: f"{centre:05d}{position_6}{year:02d}{candidate:04d}",
    st.integers(0, 99999),
    st.sampled_from("0B"),
    st.integers(0, 99),
    st.integers(1, 9999),
)


@given(uci_stems)
def test_a_generated_uci_check_letter_always_validates(stem: str) -> None:
    result = check_uci(stem + uci_check_letter(stem))
    assert result.ok
    assert result.warning is None


@given(uci_stems, st.integers(0, 11), st.integers(1, 9))
def test_any_single_changed_uci_digit_is_caught(stem: str, position: int, shift: int) -> None:
    # Weights 16..5 are non-zero mod 17 and 17 is prime, so changing one digit by 1-9 always
    # changes the remainder (exchange-formats.md §2.1). Position 6 "B" is a letter: skip it.
    uci = stem + uci_check_letter(stem)
    if not uci[position].isdigit():
        return
    changed = uci[:position] + str((int(uci[position]) + shift) % 10) + uci[position + 1 :]
    if changed[8:12] == "0000":
        return  # rejected for its candidate number instead; still caught
    assert not check_uci(changed).ok


@given(uci_stems, st.sampled_from(UCI_CHECK_TABLE))
def test_any_other_check_letter_is_caught(stem: str, letter: str) -> None:
    if letter == uci_check_letter(stem):
        return
    assert not check_uci(stem + letter).ok


# ------------------------------------------------------------------------------------------
# Qualification number (QN)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("qn", values("qualification_number", "valid"))
def test_it_accepts_each_valid_qn_vector_without_a_warning(qn: str) -> None:
    result = check_qualification_number(qn)
    assert result.ok
    assert result.warning is None
    assert result.value == (qn if "/" in qn else f"{qn[:3]}/{qn[3:7]}/{qn[7]}")


@pytest.mark.parametrize(
    "vector", VECTORS["qualification_number"]["fails_inferred_check"], ids=lambda v: v["value"]
)
def test_it_only_warns_when_a_qn_fails_the_inferred_check(vector: dict[str, Any]) -> None:
    result = check_qualification_number(vector["value"])
    assert result.ok
    assert result.warning == (
        f"The last character of {vector['value']} is not the one we expect "
        f"({vector['expected_check']}): check the qualification number on the Ofqual Register"
    )


@pytest.mark.parametrize("qn", values("qualification_number", "invalid_format"))
def test_it_rejects_each_badly_formatted_qn_vector(qn: str) -> None:
    result = check_qualification_number(qn)
    assert not result.ok
    assert result.message == "Enter a qualification number in the format 500/1522/9 or 50015229"


def test_it_asks_for_a_capital_x_in_a_qn() -> None:
    assert check_qualification_number("501/1217/x").message == (
        "Enter the X at the end of the qualification number as a capital"
    )


qn_stems = st.from_regex(r"[0-9]{7}", fullmatch=True)


@given(qn_stems)
def test_a_generated_qn_check_character_gives_no_warning(stem: str) -> None:
    qn = stem + qn_check_character(stem)
    result = check_qualification_number(qn)
    assert result.ok
    assert result.warning is None


@given(qn_stems, st.integers(0, 6), st.integers(1, 9))
def test_any_single_changed_qn_digit_gives_a_warning(stem: str, position: int, shift: int) -> None:
    qn = stem + qn_check_character(stem)
    changed = qn[:position] + str((int(qn[position]) + shift) % 10) + qn[position + 1 :]
    result = check_qualification_number(changed)
    assert result.ok
    assert result.warning is not None


# ------------------------------------------------------------------------------------------
# UCAS Personal ID, centre number, candidate number
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ucas_id", values("ucas_personal_id", "valid_format"))
def test_it_accepts_each_valid_ucas_personal_id_vector(ucas_id: str) -> None:
    result = check_ucas_personal_id(ucas_id)
    assert result.ok
    assert result.value == ucas_id.replace("-", "")


@pytest.mark.parametrize(
    ("ucas_id", "message"),
    [
        ("0000000000", "Enter a UCAS Personal ID from 0000000001 to 9999999999"),
        ("123456789", "Enter a UCAS Personal ID of 10 digits (this has 9)"),
        ("12345678AB", "Enter a UCAS Personal ID using only the numbers 0 to 9"),
    ],
)
def test_it_rejects_each_invalid_ucas_personal_id_vector(ucas_id: str, message: str) -> None:
    assert ucas_id in values("ucas_personal_id", "invalid_format")
    assert check_ucas_personal_id(ucas_id) == identifiers.Check(ok=False, value=ucas_id, message=message)


def test_a_ucas_personal_id_is_optional_unless_required() -> None:
    assert check_ucas_personal_id("").ok
    assert check_ucas_personal_id("", required=True).message == "Enter a UCAS Personal ID"


@pytest.mark.parametrize("centre", values("centre_number", "valid_format"))
def test_it_accepts_each_valid_centre_number_vector(centre: str) -> None:
    assert check_centre_number(centre) == identifiers.Check(ok=True, value=centre)


@pytest.mark.parametrize(
    ("centre", "message"),
    [
        (
            "12345A",
            "Enter the centre number without the sub-centre letter: "
            "exam data files only carry 5-digit centre numbers",
        ),
        ("1234", "Enter a centre number of 5 digits (this has 4)"),
    ],
)
def test_it_rejects_each_invalid_centre_number_vector(centre: str, message: str) -> None:
    assert centre in values("centre_number", "invalid_format")
    assert check_centre_number(centre).message == message


@pytest.mark.parametrize("candidate", values("candidate_number", "valid_format"))
def test_it_accepts_each_valid_candidate_number_vector(candidate: str) -> None:
    assert check_candidate_number(candidate) == identifiers.Check(ok=True, value=candidate)


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ("0000", "Enter a candidate number from 0001 to 9999"),
        ("12345", "Enter a candidate number of 4 digits (this has 5)"),
        ("12A4", "Enter a candidate number using only the numbers 0 to 9"),
    ],
)
def test_it_rejects_each_invalid_candidate_number_vector(candidate: str, message: str) -> None:
    assert candidate in values("candidate_number", "invalid_format")
    assert check_candidate_number(candidate).message == message


def test_it_asks_for_leading_zeros_a_spreadsheet_dropped() -> None:
    assert check_candidate_number("42").message == (
        "Enter a candidate number of 4 digits, including any leading zeros, like 0042"
    )


def test_there_is_no_btec_registration_number_check_because_its_format_is_unknown() -> None:
    assert VECTORS["btec_registration_number"]["rule"].startswith("UNKNOWN")
    assert not [name for name in identifiers.__all__ if "registration" in name]


# ------------------------------------------------------------------------------------------
# Names
# ------------------------------------------------------------------------------------------


def test_it_keeps_a_name_as_entered_apart_from_surrounding_whitespace() -> None:
    assert check_surname("  van der Berg ") == identifiers.Check(ok=True, value="van der Berg")


def test_it_warns_about_name_characters_exam_files_cannot_carry() -> None:
    result = check_forenames("Zoë")
    assert result.ok
    assert result.value == "Zoë"
    assert result.warning is not None and result.warning.startswith("The forenames includes ë")


def test_it_warns_when_a_name_is_longer_than_pearson_accepts() -> None:
    result = check_forenames("A" * 21)
    assert result.ok
    assert result.warning == (
        "Pearson registrations allow 20 characters for the forenames and this has 21: "
        "check how the name is recorded with Pearson"
    )


def test_it_gives_every_warning_about_a_name_not_only_the_first() -> None:
    result = check_surname("Å" * 31)
    assert result.ok
    assert result.warning is not None
    assert result.warning.startswith("The surname includes Å, which exam data files cannot carry")
    assert "Pearson registrations allow 30 characters for the surname and this has 31" in (
        result.warning
    )


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\n", "\t"])
def test_it_refuses_a_name_holding_a_control_character(character: str) -> None:
    result = check_surname(f"Smi{character}th")
    assert not result.ok
    assert result.message == (
        f"The surname includes a control character (U+{ord(character):04X}), which a name "
        "cannot contain: delete it and type the name again"
    )


def test_it_names_every_control_character_in_a_name() -> None:
    assert check_forenames("A\x07n\x08n\x07").message == (
        "The forenames includes control characters (U+0007, U+0008), which a name cannot "
        "contain: delete them and type the name again"
    )


def test_it_refuses_a_name_longer_than_the_caller_can_store() -> None:
    assert check_surname("S" * 100, max_length=100).ok
    result = check_surname("S" * 150, max_length=100)
    assert not result.ok
    assert result.message == "The surname is 150 characters long: enter 100 characters or fewer"
    assert check_forenames(" " + "F" * 100 + " ", max_length=100).ok  # surrounding spaces go
    assert check_surname("S" * 150).ok  # no limit given: the Pearson limit only warns


def test_a_blank_required_name_is_rejected() -> None:
    assert check_surname(" ").message == "Enter the learner's surname"


def test_it_builds_the_edi_candidate_name() -> None:
    assert edi_candidate_name(" O'Neil-Smith ", "Mary Jane") == identifiers.Check(
        ok=True, value="O'Neil-Smith:Mary Jane"
    )


def test_it_refuses_an_edi_name_it_cannot_write_without_changing_it() -> None:
    assert edi_candidate_name("Brontë", "Anne").message == (
        "The name includes ë, which exam data files cannot carry: use only letters A to Z, "
        "spaces, hyphens, apostrophes, brackets and full stops"
    )
    long_name = edi_candidate_name("A" * 30, "B" * 10)
    assert long_name.message == (
        "The name is 41 characters as SURNAME:FORENAMES and exam data files allow 40: "
        "record a shorter form of the forenames"
    )
    assert edi_candidate_name("Smith", "Jo:Anne").message is not None
