"""The sandbox's daily exchange rates: a pure function of the sandbox clock's day.

For each pair CNY -> X of ``BASE``: the base rate (a plausible recent market rate, fixed here)
times 1 + a wobble of at most ±1%, drawn from SHA-256 of the day and the currency, rounded half
to even to 6 significant digits (never more than 8 places). The day is the calendar day in
China (UTC+8: China keeps no daylight saving time), and the rate's ``updateTime`` is that day's
00:00 in Shanghai. Nothing is stored: the rates are computed when read, so a GET never writes
and every process agrees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal

SOURCE = "sandbox"
FROM = "CNY"
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
SIGNIFICANT = 6
MAX_PLACES = 8
WOBBLE_STEPS = 1000  # ±1000 steps of 0.001%: at most ±1%

# major units of X per yuan, near the market at the end of 2025 (display only, never money)
BASE: dict[str, Decimal] = {
    code: Decimal(rate)
    for code, rate in {
        "AUD": "0.2130",
        "CAD": "0.1940",
        "EUR": "0.1195",
        "GBP": "0.1045",
        "HKD": "1.0920",
        "IDR": "2330",
        "JPY": "21.60",
        "KRW": "203.5",
        "MYR": "0.5740",
        "PHP": "8.210",
        "RUB": "11.05",
        "SGD": "0.1800",
        "THB": "4.480",
        "USD": "0.1405",
        "VND": "3695",
    }.items()
}


@dataclass(frozen=True)
class DailyRate:
    from_ccy: str
    to_ccy: str
    rate: Decimal
    update_time: int  # the day's 00:00 in China, ms


def china_day(now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(CHINA).date()


def day_start_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=CHINA).timestamp()) * 1000


def _wobble(day: date, code: str) -> Decimal:
    digest = hashlib.sha256(f"{day.isoformat()}:{FROM}:{code}".encode()).digest()
    steps = int.from_bytes(digest[:8], "big") % (2 * WOBBLE_STEPS + 1) - WOBBLE_STEPS
    return Decimal(steps).scaleb(-5)  # ±0.01


def _round(value: Decimal) -> Decimal:
    places = min(MAX_PLACES, SIGNIFICANT - value.adjusted() - 1)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def daily_rate(code: str, day: date) -> DailyRate:
    """CNY -> ``code`` on ``day`` (``code`` one of BASE)."""
    rate = _round(BASE[code] * (1 + _wobble(day, code)))
    return DailyRate(FROM, code, rate, day_start_ms(day))


def daily_rates(now_ms: int) -> dict[str, DailyRate]:
    """Every sandbox pair's rate on the day of ``now_ms`` (the sandbox clock), by target."""
    day = china_day(now_ms)
    return {code: daily_rate(code, day) for code in BASE}
