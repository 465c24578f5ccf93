"""Currencies (ISO 4217, from the ``iso4217`` package) and converting an amount between them.

An amount is an integer of the currency's minor units (CONTRACT section 5): fen for CNY
(exponent 2), yen for JPY (exponent 0), fils for KWD (exponent 3). A rate says how many major
units of the target one major unit of the source is worth (CNY -> JPY 20.5: 1 yuan is 20.5 yen).
Converting ``amount`` minor units is therefore

    round_half_even(amount × rate × 10^(exponent(to) − exponent(from)))

in Decimal arithmetic only (no float anywhere), with enough precision that the product is exact
before the one rounding. Half-even (banker's rounding) keeps a long run of conversions unbiased:
an exact half goes to the even neighbour (2.5 -> 2, 3.5 -> 4).

Examples: 1,000 fen (10.00 CNY) at CNY -> JPY 20.5 is 1000 × 20.5 × 10^(0−2) = 205 yen;
1,234 fen at CNY -> KWD 0.04321 is 1234 × 0.04321 × 10^(3−2) = 533.2114 -> 533 fils
(0.533 KWD); 5 fen at CNY -> JPY 0.5 (a made-up rate) is 0.025 -> 0 yen, and 150 fen at the same
rate is exactly 0.75 -> 1 yen, while 100 fen is exactly 0.5 -> 0 yen (half to even).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

from iso4217 import Currency

# exact for any amount and rate the API accepts (amounts < 2^63, rates ≤ 12 + 8 digits)
_EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)


class UnknownCurrency(ValueError):
    """Not an ISO 4217 code, or a code without minor units (gold, SDR, testing codes)."""


def currency(code: str) -> Currency:
    """The ISO 4217 currency of ``code`` (upper case), refusing codes without minor units."""
    try:
        found = Currency(code)
    except ValueError as exc:
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code") from exc
    if found.exponent is None:
        raise UnknownCurrency(f"{code} has no minor unit: not a currency amounts are kept in")
    return found


def exponent(code: str) -> int:
    """The number of decimal places of the currency's minor unit: CNY 2, JPY 0, KWD 3."""
    exp = currency(code).exponent
    assert exp is not None
    return int(exp)


def convert(amount_minor: int, from_ccy: str, to_ccy: str, rate: Decimal) -> int:
    """``amount_minor`` minor units of ``from_ccy`` in minor units of ``to_ccy`` at ``rate``
    (major units of ``to_ccy`` per major unit of ``from_ccy``), rounded half to even."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise TypeError("amount_minor is an integer of minor units")
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise ValueError("rate is a finite Decimal above zero")
    shift = exponent(to_ccy) - exponent(from_ccy)
    exact = _EXACT.multiply(_EXACT.multiply(Decimal(amount_minor), rate), Decimal(1).scaleb(shift))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN, context=_EXACT))
