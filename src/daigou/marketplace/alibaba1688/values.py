"""1688 wire values, parsed defensively (reference section 2.1).

**Times** come in four spellings; :func:`parse_time` turns each into epoch milliseconds:

- ``20180614101942000+0800``: ``yyyyMMddHHmmssSSS`` with an offset (the documented form);
- ``20180614101942000``: the same without an offset, meaning Asia/Shanghai (+08:00);
- ``2018-07-24 21:55:33``: naive, meaning Asia/Shanghai;
- epoch milliseconds, as a JSON integer or a string of digits.

Anything else raises ``ValueError`` naming the value. China has kept +08:00 with no daylight
saving since 1991, so "Shanghai time" is a fixed offset here.

**Money** is mixed: order detail gives yuan decimals (``totalAmount``, ``shippingFee``:
``"12.30"``, ``12.3`` as a JSON number, ``"12"``); preview, pay and refund give fen integers
(``sumPayment``, ``payAmount``, ``applyPayment``). The two parsers are named for their unit, so
a mapper cannot mix them up: :func:`yuan_to_fen` (exact, through ``Decimal``; a JSON number is
read from its shortest text, never by float arithmetic; **more than 2 decimal places is refused**,
not rounded, since a price 1688 states in yuan always has whole fen) and :func:`fen` (an integer
as given, also from a digit string). :func:`fen_to_yuan` writes fen as a yuan string
(``"12.30"``) for the few requests that take yuan.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

_COMPACT = re.compile(r"^(\d{17})([+-]\d{4})?$")
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_DIGITS = re.compile(r"^\d{1,16}$")
_YUAN = re.compile(r"^-?\d+(\.\d+)?$")


def _offset(text: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[3:5])
    if hours > 23 or minutes > 59:
        raise ValueError(f"not a 1688 time offset: {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _ms(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def parse_time(value: Any) -> int:
    """A 1688 time in any of its four spellings, as epoch milliseconds (see the module)."""
    if isinstance(value, bool):
        raise ValueError(f"not a 1688 time: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"not a 1688 time: {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a 1688 time: {value!r}")
    text = value.strip()
    try:
        if match := _COMPACT.match(text):
            digits, offset = match.groups()
            naive = datetime.strptime(digits[:14], "%Y%m%d%H%M%S")
            tz = _offset(offset) if offset else SHANGHAI
            return _ms(naive.replace(tzinfo=tz)) + int(digits[14:])
        if _NAIVE.match(text):
            return _ms(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI))
    except ValueError as exc:  # a month 13, a day 32...
        raise ValueError(f"not a 1688 time: {value!r}") from exc
    if _DIGITS.match(text):
        return int(text)
    raise ValueError(f"not a 1688 time: {value!r}")


def parse_time_or_none(value: Any) -> int | None:
    """:func:`parse_time`, with ``None`` and ``""`` (an absent time) as ``None``."""
    if value is None or value == "":
        return None
    return parse_time(value)


def format_time(ms: int, *, offset: bool = True) -> str:
    """Epoch ms as 1688 writes it in requests: ``yyyyMMddHHmmssSSS+0800`` (Shanghai)."""
    moment = datetime.fromtimestamp(ms // 1000, SHANGHAI)
    text = moment.strftime("%Y%m%d%H%M%S") + f"{ms % 1000:03d}"
    return text + "+0800" if offset else text


def yuan_to_fen(value: Any) -> int:
    """A yuan amount (``"12.30"``, ``12.3``, ``"12"``, ``12``) as integer fen, exactly.
    More than two decimal places (``"1.005"``) is refused with ``ValueError``, never rounded."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a yuan amount: {value!r}")
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        text = repr(value)  # the shortest text that reads back as this float: 12.3 -> "12.3"
    elif isinstance(value, str | Decimal):
        text = str(value).strip()
    else:
        raise ValueError(f"not a yuan amount: {value!r}")
    if not _YUAN.match(text):
        raise ValueError(f"not a yuan amount: {value!r}")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"not a yuan amount: {value!r}") from exc
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"a yuan amount with more than 2 decimal places: {value!r}")
    return int(cents)


def fen(value: Any) -> int:
    """A fen amount (an integer, or a string of digits) as given; a fraction is refused."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a fen amount: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"not a fen amount: {value!r}")


def fen_to_yuan(amount_fen: int) -> str:
    """Integer fen as a yuan string with two places: 1230 -> ``"12.30"``."""
    sign = "-" if amount_fen < 0 else ""
    whole, part = divmod(abs(amount_fen), 100)
    return f"{sign}{whole}.{part:02d}"
