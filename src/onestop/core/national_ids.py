"""National identifiers of people, one validator per country (the deployment picks ``ONESTOP_COUNTRY``).

A validator normalises what a person typed (spaces and hyphens are separators, not part of the
number), checks it and raises :class:`django.core.exceptions.ValidationError` with a message that
names what is wrong — the length, a character, the birth date, the century digit or the checksum —
and a stable ``code`` (``length``, ``characters``, ``date``, ``century``, ``checksum``) for APIs.

Countries register a validator with :func:`register`; a country with none registered gets the
generic validator (letters and digits, 1–20 characters, the width of ``Citizen.national_id``).
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

StrOrPromise = str | Promise

_SEPARATORS = re.compile(r"[\s\-]+")


class NationalIdValidator:
    """Base class: one country's rules for its personal identification number."""

    country: str = ""
    # The number's name as people know it, opening a sentence: "The IIN must have 12 digits".
    label: StrOrPromise = gettext_lazy("The national ID")

    def normalise(self, value: str) -> str:
        return _SEPARATORS.sub("", value or "")

    def validate(self, value: str) -> str:
        """Return the normalised identifier, or raise ValidationError naming what is wrong."""
        raise NotImplementedError

    def generate(self, *, birth_date: date, sex: str, serial: int) -> str:
        """Make a valid identifier (for demo and test data). Raises ValueError when the inputs
        cannot give a valid number; the caller then tries the next serial."""
        raise NotImplementedError

    def __call__(self, value: str) -> None:
        self.validate(value)


def _first_bad_character(value: str, allowed: re.Pattern[str]) -> tuple[int, str] | None:
    for position, char in enumerate(value, start=1):
        if not allowed.fullmatch(char):
            return position, char
    return None


def _parse_sex(sex: str) -> bool:
    """True for male. Accepts the Citizen.Sex values ("M", "F") and the words."""
    normalised = sex.strip().lower()
    if normalised in {"m", "male"}:
        return True
    if normalised in {"f", "female"}:
        return False
    raise ValueError(f"sex must be 'M' or 'F', not {sex!r}")


class DigitsValidator(NationalIdValidator):
    """A fixed number of digits and nothing more (Georgia's personal number has no public checksum)."""

    length: int = 0

    def check_digits(self, value: str) -> str:
        number = self.normalise(value)
        bad = _first_bad_character(number, re.compile(r"[0-9]"))
        if bad is not None:
            position, char = bad
            raise ValidationError(
                _("%(label)s may contain only digits; “%(char)s” (character %(position)d) is not a digit."),
                code="characters",
                params={"label": self.label, "char": char, "position": position},
            )
        if len(number) != self.length:
            raise ValidationError(
                ngettext(
                    "%(label)s must have %(expected)d digit, you gave %(given)d.",
                    "%(label)s must have %(expected)d digits, you gave %(given)d.",
                    self.length,
                ),
                code="length",
                params={"label": self.label, "expected": self.length, "given": len(number)},
            )
        return number

    def validate(self, value: str) -> str:
        return self.check_digits(value)


# --- Kazakhstan: individual identification number (IIN, ЖСН / ИИН) ------------------------------

_IIN_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Digit 7: (century of birth, male?) → digit.
_IIN_CENTURY_DIGITS = {
    (1800, True): 1,
    (1800, False): 2,
    (1900, True): 3,
    (1900, False): 4,
    (2000, True): 5,
    (2000, False): 6,
}


def kz_iin_check_digit(first_eleven: str) -> int | None:
    """The check digit for the first 11 digits of an IIN, or None when no check digit exists
    (both weighted sums give 10: such a number is never issued)."""
    digits = [int(c) for c in first_eleven]
    if len(digits) != 11:
        raise ValueError("an IIN check digit is computed from exactly 11 digits")
    check = sum(d * w for d, w in zip(digits, _IIN_WEIGHTS_FIRST, strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, _IIN_WEIGHTS_SECOND, strict=True)) % 11
    return None if check == 10 else check


class KazakhstanIINValidator(DigitsValidator):
    """Kazakhstan's IIN: YYMMDD, a century-and-sex digit, a 4-digit serial and a check digit."""

    country = "KZ"
    label = gettext_lazy("The IIN")
    length = 12

    def validate(self, value: str) -> str:
        number = self.check_digits(value)
        century_digit = int(number[6])
        if not 1 <= century_digit <= 6:
            raise ValidationError(
                _(
                    "Digit 7 of an IIN gives the century of birth and sex and must be 1 to 6; "
                    "you gave %(digit)d."
                ),
                code="century",
                params={"digit": century_digit},
            )
        century = 1800 + 100 * ((century_digit - 1) // 2)
        try:
            born = date(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
        except ValueError:
            born = None
        if born is None or born > timezone.localdate():
            raise ValidationError(
                _(
                    "Digits 1 to 6 of an IIN are the date of birth (YYMMDD) and digit 7 its century; "
                    "%(yymmdd)s in the %(century)ss is not a possible date of birth."
                ),
                code="date",
                params={"yymmdd": number[0:6], "century": century},
            )
        expected = kz_iin_check_digit(number[:11])
        if expected is None:
            raise ValidationError(
                _(
                    "No IIN starts with %(first)s (it cannot have a check digit); a digit is probably mistyped."
                ),
                code="checksum",
                params={"first": number[:11]},
            )
        if expected != int(number[11]):
            raise ValidationError(
                _(
                    "The last digit of this IIN does not match the others (checksum); a digit is probably mistyped."
                ),
                code="checksum",
            )
        return number

    def generate(self, *, birth_date: date, sex: str, serial: int) -> str:
        male = _parse_sex(sex)
        century = birth_date.year // 100 * 100
        if (century, male) not in _IIN_CENTURY_DIGITS:
            raise ValueError(f"an IIN can encode births from 1800 to 2099, not {birth_date.year}")
        if not 0 <= serial <= 9999:
            raise ValueError(f"an IIN serial has 4 digits (0–9999), not {serial}")
        first = f"{birth_date:%y%m%d}{_IIN_CENTURY_DIGITS[century, male]}{serial:04d}"
        check = kz_iin_check_digit(first)
        if check is None:
            raise ValueError(
                f"serial {serial} gives no valid IIN check digit for {birth_date}; try the next one"
            )
        return f"{first}{check}"


# --- Georgia: personal number (პირადი ნომერი) -----------------------------------------------------


class GeorgiaPersonalNumberValidator(DigitsValidator):
    """Georgia's personal number: 11 digits; the state publishes no checksum and no date inside it."""

    country = "GE"
    label = gettext_lazy("The personal number")
    length = 11

    def generate(self, *, birth_date: date, sex: str, serial: int) -> str:
        _parse_sex(sex)  # Not encoded, but a caller passing nonsense should still hear about it.
        if not 0 <= serial < 10**9:
            raise ValueError(f"serial must be 0 to 999999999, not {serial}")
        # "01" as a leading code keeps demo numbers recognisably synthetic and 11 digits long.
        return f"01{serial:09d}"


# --- Any other country --------------------------------------------------------------------------


class GenericNationalIdValidator(NationalIdValidator):
    """Letters and digits within configurable length bounds, for countries with no specific rules."""

    def __init__(self, country: str = "", *, min_length: int = 1, max_length: int = 20) -> None:
        if not 1 <= min_length <= max_length:
            raise ValueError("need 1 <= min_length <= max_length")
        self.country = country.upper()
        self.min_length = min_length
        self.max_length = max_length

    def normalise(self, value: str) -> str:
        return super().normalise(value).upper()

    def validate(self, value: str) -> str:
        typed = super().normalise(value)  # as typed, so the message quotes the person's own character
        bad = _first_bad_character(typed, re.compile(r"[A-Za-z0-9]"))
        if bad is not None:
            position, char = bad
            raise ValidationError(
                _(
                    "%(label)s may contain only Latin letters and digits; "
                    "“%(char)s” (character %(position)d) is neither."
                ),
                code="characters",
                params={"label": self.label, "char": char, "position": position},
            )
        number = typed.upper()
        if not self.min_length <= len(number) <= self.max_length:
            if self.min_length == self.max_length:
                message = ngettext(
                    "%(label)s must have %(min)d character, you gave %(given)d.",
                    "%(label)s must have %(min)d characters, you gave %(given)d.",
                    self.min_length,
                )
            else:
                message = _("%(label)s must have %(min)d to %(max)d characters, you gave %(given)d.")
            raise ValidationError(
                message,
                code="length",
                params={
                    "label": self.label,
                    "min": self.min_length,
                    "max": self.max_length,
                    "given": len(number),
                },
            )
        return number

    def generate(self, *, birth_date: date, sex: str, serial: int) -> str:
        _parse_sex(sex)
        number = f"{serial:0{self.min_length}d}"
        if serial < 0 or len(number) > self.max_length:
            raise ValueError(f"serial {serial} does not fit in {self.max_length} characters")
        return number


# --- Registry -----------------------------------------------------------------------------------

_REGISTRY: dict[str, NationalIdValidator] = {}


def register(validator: NationalIdValidator) -> NationalIdValidator:
    """Make ``validator`` the one for its ``country`` (ISO 3166-1 alpha-2), replacing any before it."""
    if not re.fullmatch(r"[A-Z]{2}", validator.country):
        raise ValueError(
            f"a validator's country must be an ISO 3166-1 alpha-2 code, not {validator.country!r}"
        )
    _REGISTRY[validator.country] = validator
    return validator


register(KazakhstanIINValidator())
register(GeorgiaPersonalNumberValidator())


def registered_countries() -> list[str]:
    return sorted(_REGISTRY)


def get_validator(country: str | None = None) -> NationalIdValidator:
    """The validator for ``country``, by default the deployment's ``ONESTOP_COUNTRY``."""
    code = (country or settings.ONESTOP_COUNTRY).upper()
    return _REGISTRY.get(code) or GenericNationalIdValidator(code)


def validate_national_id(value: str, *, country: str | None = None) -> str:
    """Return the normalised identifier or raise ValidationError naming what is wrong."""
    return get_validator(country).validate(value)


@deconstructible
class NationalIdFieldValidator:
    """A Django form/model field validator: ``validators=[NationalIdFieldValidator()]``.

    The country is looked up when a value is checked, not when the field is declared, so that
    migrations stay country-neutral and tests can switch ``ONESTOP_COUNTRY``.
    """

    def __init__(self, country: str | None = None) -> None:
        self.country = country

    def __call__(self, value: str) -> None:
        validate_national_id(value, country=self.country)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NationalIdFieldValidator) and other.country == self.country

    def __hash__(self) -> int:
        return hash((type(self), self.country))
