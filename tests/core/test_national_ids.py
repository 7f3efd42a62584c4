"""National-ID validators: the Kazakh IIN (and exactly what its checksum can and cannot catch),
Georgia's personal number, the generic validator, the registry and the Django field validator."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from onestop.core.national_ids import (
    GenericNationalIdValidator,
    GeorgiaPersonalNumberValidator,
    KazakhstanIINValidator,
    NationalIdFieldValidator,
    get_validator,
    kz_iin_check_digit,
    validate_national_id,
)

KZ = KazakhstanIINValidator()

# The published algorithm, written out here independently of the code under test.
FIRST_PASS_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_PASS_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def first_pass(number: str) -> int:
    return sum(int(d) * w for d, w in zip(number[:11], FIRST_PASS_WEIGHTS, strict=True)) % 11


def second_pass(number: str) -> int:
    return sum(int(d) * w for d, w in zip(number[:11], SECOND_PASS_WEIGHTS, strict=True)) % 11


def single_digit_changes(number: str) -> list[tuple[int, str]]:
    """Every number that differs from ``number`` in exactly one digit, with the 1-based position."""
    return [
        (position, number[: position - 1] + digit + number[position:])
        for position in range(1, len(number) + 1)
        for digit in "0123456789"
        if digit != number[position - 1]
    ]


def code_of(number: str) -> str | None:
    """None when the number is accepted, else the error code."""
    try:
        KZ.validate(number)
    except ValidationError as exc:
        return exc.code
    return None


@st.composite
def valid_iins(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1800, 1, 1), max_value=date(2024, 12, 31)))
    sex = draw(st.sampled_from(["M", "F"]))
    serial = draw(st.integers(min_value=0, max_value=9998))
    # About 1 serial in 120 has no check digit; the demo generator moves on to the next, so do we.
    for candidate in (serial, serial + 1):
        try:
            return KZ.generate(birth_date=born, sex=sex, serial=candidate)
        except ValueError:
            continue
    raise AssertionError("two consecutive serials without a check digit cannot happen")


# --- generation -----------------------------------------------------------------------------------


@given(
    born=st.dates(min_value=date(1800, 1, 1), max_value=date(2024, 12, 31)),
    sex=st.sampled_from(["M", "F"]),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_every_generated_iin_is_valid_and_encodes_birth_date_and_sex(
    born: date, sex: str, serial: int
) -> None:
    try:
        iin = KZ.generate(birth_date=born, sex=sex, serial=serial)
    except ValueError:
        # Only when the algorithm has no check digit for these 11 digits.
        first = f"{born:%y%m%d}{'135'[born.year // 100 - 18] if sex == 'M' else '246'[born.year // 100 - 18]}{serial:04d}"
        assert first_pass(first + "0") == 10 and second_pass(first + "0") == 10
        return
    assert KZ.validate(iin) == iin
    assert iin[:6] == f"{born:%y%m%d}"
    assert int(iin[6]) % 2 == (1 if sex == "M" else 0)
    assert iin[7:11] == f"{serial:04d}"


def test_generate_refuses_a_serial_with_no_check_digit_so_the_caller_tries_the_next() -> None:
    # 900101 3 0080: both weighted sums are 10, so no IIN starting with these digits is ever issued.
    with pytest.raises(ValueError, match="serial 80"):
        KZ.generate(birth_date=date(1990, 1, 1), sex="M", serial=80)
    assert KZ.generate(birth_date=date(1990, 1, 1), sex="M", serial=81) == "900101300811"


def test_generate_encodes_century_and_sex_in_digit_seven() -> None:
    digits = {
        (1899, "M"): "1", (1899, "F"): "2", (1950, "M"): "3",
        (1950, "F"): "4", (2005, "M"): "5", (2005, "F"): "6",
    }  # fmt: skip
    for (year, sex), digit in digits.items():
        iin = KZ.generate(birth_date=date(year, 6, 15), sex=sex, serial=12)
        assert iin[6] == digit, (year, sex)


def test_generate_refuses_birth_years_an_iin_cannot_encode() -> None:
    with pytest.raises(ValueError, match="1800 to 2099"):
        KZ.generate(birth_date=date(1799, 12, 31), sex="F", serial=1)


# --- what a single mistyped digit does -------------------------------------------------------------


@given(iin=valid_iins())
def test_single_digit_change_is_rejected_outside_the_checksum_blind_spots(iin: str) -> None:
    """Every single-digit typo is rejected except the two kinds the algorithm cannot see (tested
    precisely below): a changed digit 11 while the first pass decides, and a change that moves the
    first pass to or from 10 so the other pass decides and happens to give the same check digit."""
    for position, changed in single_digit_changes(iin):
        if position == 11 and first_pass(iin) != 10:
            continue
        if position <= 10 and 10 in (first_pass(iin), first_pass(changed)):
            continue
        assert code_of(changed) is not None, f"{changed} (digit {position} of {iin} changed) was accepted"


@given(iin=valid_iins())
def test_checksum_is_blind_to_digit_eleven_whenever_the_first_pass_decides(iin: str) -> None:
    """Digit 11 has weight 11 in the first pass, so its changes vanish modulo 11: while the first
    pass gives 0–9, every other value of digit 11 passes too. Only when the first pass gives 10 does
    the second pass (weight 2 for digit 11) catch it."""
    changes = [changed for position, changed in single_digit_changes(iin) if position == 11]
    assert len(changes) == 9
    accepted = [changed for changed in changes if code_of(changed) is None]
    if first_pass(iin) == 10:
        assert accepted == []
    else:
        assert accepted == changes


@given(iin=valid_iins())
def test_change_that_switches_checksum_pass_is_caught_unless_the_other_pass_agrees(iin: str) -> None:
    """A change of digits 1–10 always changes the first-pass sum. If that moves it to or from 10,
    the check digit now comes from the other pass, and the typo slips through exactly when that
    pass gives the same digit — roughly one such change in ten."""
    for position, changed in single_digit_changes(iin):
        if position > 10 or 10 not in (first_pass(iin), first_pass(changed)):
            continue
        deciding = second_pass(changed) if first_pass(changed) == 10 else first_pass(changed)
        code = code_of(changed)
        if code in {"date", "century"}:
            continue  # rejected for its birth date before the checksum is looked at
        assert (code is None) == (deciding == int(iin[11])), (iin, position, changed)


def test_known_blind_spots_with_concrete_numbers() -> None:
    # Digit 11 (first pass decides): 900101301233 and 900101301243 are both valid.
    assert KZ.validate("900101301233") and KZ.validate("900101301243")
    # Pass switch: changing digit 10 of 900101300047 to 8 moves the first pass to 10, and the
    # second pass gives 7 again.
    assert KZ.validate("900101300047") and KZ.validate("900101300847")


def test_check_digit_changes_are_always_caught() -> None:
    iin = KZ.generate(birth_date=date(1985, 3, 17), sex="F", serial=4321)
    for digit in "0123456789":
        if digit != iin[11]:
            assert code_of(iin[:11] + digit) == "checksum"


def test_check_digit_is_none_when_both_passes_give_ten() -> None:
    assert kz_iin_check_digit("90010130080") is None
    assert kz_iin_check_digit("90010130123") == 3


# --- messages -------------------------------------------------------------------------------------


def _message(value: str, country: str = "KZ") -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as info:
        validate_national_id(value, country=country)
    return info.value.code, info.value.messages[0]


def test_wrong_length_says_how_many_digits_are_needed_and_given() -> None:
    assert _message("90010130123") == ("length", "The IIN must have 12 digits, you gave 11.")
    assert _message("9001013012333") == ("length", "The IIN must have 12 digits, you gave 13.")


def test_non_digit_is_named_with_its_position() -> None:
    code, message = _message("90010130O233")
    assert code == "characters"
    assert message == "The IIN may contain only digits; “O” (character 9) is not a digit."


def test_impossible_birth_date_is_named() -> None:
    code, message = _message("900230301238")  # 30 February 1990
    assert code == "date"
    assert "900230 in the 1900s is not a possible date of birth" in message


def test_birth_date_in_the_future_is_impossible() -> None:
    code, message = _message("990101601238")  # 2099
    assert code == "date"
    assert "in the 2000s" in message


def test_century_and_sex_digit_out_of_range_is_named() -> None:
    for digit in "0789":
        code, message = _message(f"900101{digit}01233")
        assert code == "century"
        assert message.endswith(f"must be 1 to 6; you gave {digit}.")


def test_checksum_mismatch_says_a_digit_is_probably_mistyped() -> None:
    code, message = _message("900101301234")
    assert code == "checksum"
    assert "does not match" in message and "mistyped" in message


def test_number_that_can_have_no_check_digit_is_explained() -> None:
    code, message = _message("900101300805")
    assert code == "checksum"
    assert message.startswith("No IIN starts with 90010130080")


def test_spaces_and_hyphens_are_separators_and_are_dropped() -> None:
    assert validate_national_id(" 900101 301233 ", country="KZ") == "900101301233"
    assert validate_national_id("900101-301233", country="kz") == "900101301233"


# --- Georgia, the generic validator, the registry ----------------------------------------------------


def test_georgian_personal_number_needs_eleven_digits() -> None:
    assert validate_national_id("01024054947", country="GE") == "01024054947"
    assert _message("0102405494", country="GE") == (
        "length",
        "The personal number must have 11 digits, you gave 10.",
    )
    assert _message("0102405494X", country="GE")[0] == "characters"


@given(serial=st.integers(min_value=0, max_value=10**9 - 1))
def test_generated_georgian_numbers_are_valid(serial: int) -> None:
    number = GeorgiaPersonalNumberValidator().generate(birth_date=date(1990, 1, 1), sex="F", serial=serial)
    assert validate_national_id(number, country="GE") == number


def test_generic_validator_takes_letters_and_digits_within_bounds() -> None:
    validator = GenericNationalIdValidator("XX", min_length=6, max_length=9)
    assert validator.validate("ab-12 34") == "AB1234"
    with pytest.raises(ValidationError, match="must have 6 to 9 characters, you gave 5"):
        validator.validate("AB123")
    with pytest.raises(ValidationError, match="“é” \\(character 3\\) is neither"):
        validator.validate("ABé1234")


def test_country_without_specific_rules_gets_the_generic_validator() -> None:
    validator = get_validator("US")
    assert isinstance(validator, GenericNationalIdValidator)
    assert validator.country == "US"


def test_deployment_country_picks_the_validator(settings: Settings) -> None:
    settings.ONESTOP_COUNTRY = "GE"
    assert get_validator().country == "GE"
    assert validate_national_id("01024054947") == "01024054947"
    settings.ONESTOP_COUNTRY = "KZ"
    with pytest.raises(ValidationError):
        validate_national_id("01024054947")


def test_field_validator_shows_the_message_on_a_form() -> None:
    class CitizenForm(forms.Form):
        national_id = forms.CharField(validators=[NationalIdFieldValidator(country="KZ")])

    form = CitizenForm(data={"national_id": "90010130123"})
    assert not form.is_valid()
    assert form.errors["national_id"] == ["The IIN must have 12 digits, you gave 11."]
    assert CitizenForm(data={"national_id": "900101301233"}).is_valid()
