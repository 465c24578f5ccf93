"""rates.convert (ENDPOINTS 10.7): round-half-even(amount × rate × 10^(exp(to) − exp(from)))
with ISO 4217 exponents, Decimal only; the rate's wire form; the sandbox's daily rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daigou.rates import UnknownCurrency, convert, exponent
from daigou.rates import sandbox as daily
from daigou.rates.schemas import format_rate

AMOUNTS = st.integers(min_value=-(10**15), max_value=10**15)
RATES = st.decimals(
    min_value=Decimal("0.00000001"),
    max_value=Decimal("999999999999.99999999"),
    places=8,
    allow_nan=False,
    allow_infinity=False,
)
CODES = st.sampled_from(["CNY", "USD", "JPY", "KRW", "KWD", "BHD", "EUR", "CLF", "VND"])


def test_exponents_come_from_iso4217():
    assert (exponent("CNY"), exponent("JPY"), exponent("KWD"), exponent("CLF")) == (2, 0, 3, 4)
    for bad in ("XAU", "XXX", "ABC", "usd"):
        with pytest.raises(UnknownCurrency):
            exponent(bad)


def test_worked_examples_of_the_docs():
    # 10.00 CNY at 20.5 yen a yuan is 205 yen: the exponent drops by 2
    assert convert(1000, "CNY", "JPY", Decimal("20.5")) == 205
    # 12.34 CNY at 0.04321 dinar a yuan is 0.5332114 KWD: 533 fils (exponent 3)
    assert convert(1234, "CNY", "KWD", Decimal("0.04321")) == 533
    # and back: 533 fils at 23.14 yuan a dinar is 12.33362 CNY: 1233 fen
    assert convert(533, "KWD", "CNY", Decimal("23.14")) == 1233
    # 1,000 yen at 0.0463 yuan a yen is 46.3 yuan: 4630 fen (exponent rises by 2)
    assert convert(1000, "JPY", "CNY", Decimal("0.0463")) == 4630


def test_exact_halves_go_to_the_even_neighbour():
    # 100 fen at 0.5 yen a yuan is exactly 0.5 yen -> 0; 300 fen is 1.5 -> 2; 500 fen 2.5 -> 2
    assert convert(100, "CNY", "JPY", Decimal("0.5")) == 0
    assert convert(300, "CNY", "JPY", Decimal("0.5")) == 2
    assert convert(500, "CNY", "JPY", Decimal("0.5")) == 2
    assert convert(700, "CNY", "JPY", Decimal("0.5")) == 4
    assert convert(-500, "CNY", "JPY", Decimal("0.5")) == -2
    # just above a half rounds up: no float ever blurred the tie
    assert convert(500, "CNY", "JPY", Decimal("0.50000001")) == 3


def test_refuses_floats_and_non_positive_rates():
    with pytest.raises(TypeError):
        convert(1.5, "CNY", "USD", Decimal("1"))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        convert(100, "CNY", "USD", 0.14)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        convert(100, "CNY", "USD", Decimal("0"))


@given(a=AMOUNTS, b=AMOUNTS, rate=RATES, src=CODES, dst=CODES)
def test_monotone_in_the_amount(a, b, rate, src, dst):
    lo, hi = sorted((a, b))
    assert convert(lo, src, dst, rate) <= convert(hi, src, dst, rate)


@given(amount=AMOUNTS, code=CODES)
def test_rate_one_between_equal_exponents_is_exact(amount, code):
    assert convert(amount, code, code, Decimal(1)) == amount
    assert convert(amount, "CNY", "USD", Decimal("1.00000000")) == amount
    assert convert(amount, "JPY", "KRW", Decimal(1)) == amount


@given(amount=st.integers(min_value=-(10**12), max_value=10**12), rate=RATES, dst=CODES)
def test_the_result_is_the_nearest_integer_to_the_exact_value(amount, rate, dst):
    exact = Decimal(amount) * rate * Decimal(10) ** (exponent(dst) - exponent("CNY"))
    got = convert(amount, "CNY", dst, rate)
    assert abs(Decimal(got) - exact) <= Decimal("0.5")
    if abs(Decimal(got) - exact) == Decimal("0.5"):
        assert got % 2 == 0, "a tie goes to the even neighbour"


@given(half=st.integers(min_value=-(10**9), max_value=10**9))
def test_every_tie_lands_on_an_even_number(half):
    # (2k+1) fen at 0.5 yen a yuan... scaled so the exact value is k + 0.5 yen
    amount = (2 * half + 1) * 100
    got = convert(amount, "CNY", "JPY", Decimal("0.5"))
    assert got % 2 == 0 and abs(Decimal(got) - Decimal(amount) / 200) == Decimal("0.5")


def test_wire_form_of_a_rate():
    assert format_rate(Decimal("0.13890000")) == "0.1389"
    assert format_rate(Decimal("150")) == "150"
    assert format_rate(Decimal("1E+2")) == "100"
    assert format_rate(Decimal("0.00000001")) == "0.00000001"


def test_the_sandbox_rate_is_a_pure_function_of_the_china_day():
    day = date(2026, 3, 14)
    first = daily.daily_rate("USD", day)
    assert first == daily.daily_rate("USD", day)
    assert first.update_time == 1773417600000  # 2026-03-14 00:00 at UTC+8
    # within 1% of the base, at most 8 places, and it moves from one day to the next
    assert abs(first.rate / daily.BASE["USD"] - 1) <= Decimal("0.01")
    assert -first.rate.as_tuple().exponent <= 8  # type: ignore[operator]
    week = {daily.daily_rate("USD", date(2026, 3, d)).rate for d in range(1, 8)}
    assert len(week) > 1
    # 23:59 on the 13th in China is still the 13th; 00:00 on the 14th is the 14th
    assert daily.china_day(first.update_time - 1) == date(2026, 3, 13)
    assert daily.china_day(first.update_time) == day
    for code in daily.BASE:
        exponent(code)  # every sandbox pair is an ISO 4217 currency with minor units
