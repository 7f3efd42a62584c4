"""Amounts of money: a ``Decimal`` and an ISO 4217 currency, never a float.

Arithmetic is exact and only between amounts of the same currency; :meth:`Money.rounded` rounds
to the currency's minor unit (half up, as fees are published). Formatting follows the language:

* English: the ISO code first, comma groups, point decimals — ``KZT 1,500.00``;
* Russian, Kazakh, Georgian: the sign after, no-break-space groups, comma decimals — ``1 500,00 ₸``.

The spaces are U+00A0 (no-break), so an amount never wraps across two lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation

NBSP = "\u00a0"

# Currencies whose minor unit is not the cent (ISO 4217 "minor unit" column); everything else has 2.
_MINOR_UNITS = {
    "BHD": 3, "CLP": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "LYD": 3,
    "OMR": 3, "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip
# Signs shown after the amount in the languages that write them that way; others show the code.
_SYMBOLS = {
    "KZT": "₸",
    "GEL": "₾",
    "RUB": "₽",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "UZS": "сўм",
    "KGS": "сом",
}
# Languages written "1 500,00 ₸"; any other language is written "KZT 1,500.00".
_SYMBOL_AFTER_LANGUAGES = {"ru", "kk", "ka"}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def _to_decimal(amount: object) -> Decimal:
    # bool is an int subclass; True kopecks is a bug, not an amount.
    if isinstance(amount, float | bool):
        raise TypeError(f"money amounts are Decimal, int or str, never {type(amount).__name__}")
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int | str):
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise ValueError(f"{amount!r} is not an amount of money") from None
    else:
        raise TypeError(f"money amounts are Decimal, int or str, not {type(amount).__name__}")
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not an amount of money")
    return value


@dataclass(frozen=True, order=False)
class Money:
    """An exact amount in one currency. ``Money(Decimal("1500"), "KZT")``."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        code = self.currency.strip().upper() if isinstance(self.currency, str) else ""
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"currency must be an ISO 4217 code such as KZT, not {self.currency!r}")
        object.__setattr__(self, "amount", _to_decimal(self.amount))
        object.__setattr__(self, "currency", code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __radd__(self, other: object) -> Money:
        # sum() starts from 0; any other left operand is a mistake.
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return self._same(other) + self

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * _to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def rounded(self) -> Money:
        """Rounded half up to the currency's minor unit (tiyn, tetri, cents)."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_UP), self.currency)

    def format(self, language: str | None = None) -> str:
        """The amount as people of ``language`` (default: the active language) write it."""
        return format_money(self.amount, self.currency, language=language)

    def __str__(self) -> str:
        return self.format()


def format_money(amount: Decimal | int | str, currency: str, *, language: str | None = None) -> str:
    """Format an amount; see the module docstring for the two styles."""
    money = Money(_to_decimal(amount), currency).rounded()
    lang = (language or translation.get_language() or "en").split("-")[0].lower()
    symbol_after = lang in _SYMBOL_AFTER_LANGUAGES
    group, point = (NBSP, ",") if symbol_after else (",", ".")
    digits = f"{abs(money.amount):,.{minor_units(money.currency)}f}"
    number = digits.replace(",", "\x00").replace(".", point).replace("\x00", group)
    sign = "-" if money.amount < 0 else ""
    if symbol_after:
        return f"{sign}{number}{NBSP}{_SYMBOLS.get(money.currency, money.currency)}"
    return f"{sign}{money.currency}{NBSP}{number}"
