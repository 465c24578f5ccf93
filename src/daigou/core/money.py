"""Money is an integer of minor units (fen for CNY) with a currency. No floats anywhere."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

CURRENCIES = {"CNY": 2}
DEFAULT_CURRENCY = "CNY"

# A request field carrying fen: an integer only (a float or a decimal string is refused).
Fen = Annotated[StrictInt, Field(description="integer minor units (fen)", ge=-(2**62), le=2**62)]
PositiveFen = Annotated[
    StrictInt, Field(description="integer minor units (fen), > 0", gt=0, le=2**62)
]


def check_currency(currency: str) -> str:
    if currency not in CURRENCIES:
        raise ValueError(f"unsupported currency {currency!r}; supported: {sorted(CURRENCIES)}")
    return currency
