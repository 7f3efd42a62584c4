"""Money: exact Decimal amounts in one currency, and how each language writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from onestop.core.money import NBSP, Money, format_money

S = NBSP


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", f"KZT{S}1,500.00"),
        ("ru", f"1{S}500,00{S}₸"),
        ("kk", f"1{S}500,00{S}₸"),
        ("ka", f"1{S}500,00{S}₸"),
    ],
)
def test_fee_is_written_the_way_each_language_writes_money(language: str, expected: str) -> None:
    assert Money(Decimal("1500"), "KZT").format(language) == expected


def test_large_negative_and_other_currencies() -> None:
    assert format_money(Decimal("-1234567.5"), "GEL", language="ka") == f"-1{S}234{S}567,50{S}₾"
    assert format_money(Decimal("-1234567.5"), "GEL", language="en") == f"-GEL{S}1,234,567.50"
    assert format_money(Decimal("99"), "CHF", language="ru") == f"99,00{S}CHF"  # no sign known: the code


def test_amounts_round_half_up_to_the_minor_unit() -> None:
    assert format_money(Decimal("0.005"), "KZT", language="en") == f"KZT{S}0.01"
    assert format_money(Decimal("0.004"), "KZT", language="en") == f"KZT{S}0.00"
    assert format_money(Decimal("1500.5"), "JPY", language="en") == f"JPY{S}1,501"
    assert format_money(Decimal("-0.001"), "KZT", language="en") == f"KZT{S}0.00"  # no "minus zero"


def test_active_language_is_the_default() -> None:
    with translation.override("ru"):
        assert str(Money(Decimal("2000"), "KZT")) == f"2{S}000,00{S}₸"


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="never float"):
        Money(0.1, "KZT")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="never float"):
        Money(Decimal(1), "KZT") * 1.5  # type: ignore[operator]


def test_invalid_amounts_and_currencies_are_refused() -> None:
    with pytest.raises(ValueError, match="not an amount"):
        Money("12,50", "KZT")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an amount"):
        Money(Decimal("NaN"), "KZT")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), "tenge")


def test_currency_code_is_normalised() -> None:
    assert Money(Decimal(1), " kzt ").currency == "KZT"


def test_arithmetic_is_exact_and_stays_in_one_currency() -> None:
    fee = Money(Decimal("0.10"), "KZT")
    assert fee + fee + fee == Money(Decimal("0.30"), "KZT")
    assert sum([fee, fee, fee]) == Money(Decimal("0.30"), "KZT")
    assert fee * 3 - fee == Money(Decimal("0.20"), "KZT")
    assert -fee < Money.zero("KZT") < fee
    assert (fee * Decimal("0.5")).amount == Decimal("0.050")


def test_mixing_currencies_is_an_error_not_a_conversion() -> None:
    with pytest.raises(ValueError, match="cannot combine KZT with GEL"):
        Money(Decimal(1), "KZT") + Money(Decimal(1), "GEL")
    with pytest.raises(ValueError, match="cannot combine"):
        assert Money(Decimal(1), "KZT") < Money(Decimal(2), "USD")
    with pytest.raises(TypeError):
        Money(Decimal(1), "KZT") + Decimal(1)  # type: ignore[operator]


@given(
    cents=st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=20),
)
def test_sums_of_money_never_drift(cents: list[int]) -> None:
    total = sum(Money(Decimal(c).scaleb(-2), "KZT") for c in cents)
    assert isinstance(total, Money)
    assert total.amount == Decimal(sum(cents)).scaleb(-2)


# --- template filters ------------------------------------------------------------------------------


def test_money_filter_formats_amounts_with_their_currency_or_the_deployments(settings: Settings) -> None:
    settings.ONESTOP_CURRENCY = "GEL"
    template = Template(
        "{% load onestop_format %}[{{ fee|money:'KZT' }}][{{ fee|money }}][{{ m|money }}][{{ none|money }}]"
    )
    with translation.override("en"):
        rendered = template.render(
            Context({"fee": Decimal("1500"), "m": Money(Decimal(3), "USD"), "none": None})
        )
    assert rendered == f"[KZT{S}1,500.00][GEL{S}1,500.00][USD{S}3.00][]"


def test_money_filter_shows_bad_data_as_it_is_instead_of_failing() -> None:
    template = Template("{% load onestop_format %}{{ fee|money:'KZT' }}")
    assert template.render(Context({"fee": "free"})) == "free"
