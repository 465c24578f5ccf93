"""1688 wire values: the four time spellings to epoch ms (and nothing else), yuan decimals to
fen exactly, fen as given; property tests for the round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daigou.marketplace.alibaba1688.values import (
    fen,
    fen_to_yuan,
    format_time,
    parse_time,
    parse_time_or_none,
    yuan_to_fen,
)

# 2018-06-14 10:19:42.000 in Shanghai = 02:19:42 UTC
MS_20180614 = 1_528_942_782_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20180614101942000+0800", MS_20180614),
        ("20180614101942000", MS_20180614),  # no offset: Shanghai
        ("20180614021942000+0000", MS_20180614),
        ("20180614101942123+0800", MS_20180614 + 123),
        ("2018-06-14 10:19:42", MS_20180614),  # naive: Shanghai
        (MS_20180614, MS_20180614),
        (str(MS_20180614), MS_20180614),
        (" 20180614101942000+0800 ", MS_20180614),
    ],
)
def test_the_four_time_spellings(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2018-06-14T10:19:42Z",
        "20181314101942000+0800",  # month 13
        "2018/06/14 10:19:42",
        "yesterday",
        "",
        None,
        True,
        1.5,
        -1,
        "20180614101942000+2500",
    ],
)
def test_anything_else_is_refused_naming_the_value(value):
    with pytest.raises(ValueError, match="not a 1688 time"):
        parse_time(value)


def test_an_absent_time_is_none():
    assert parse_time_or_none(None) is None
    assert parse_time_or_none("") is None
    assert parse_time_or_none("2018-06-14 10:19:42") == MS_20180614


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.30", 1230),
        (12.3, 1230),
        ("12", 1200),
        (12, 1200),
        ("0.01", 1),
        (0.07, 7),  # 0.07 * 100 is 7.000000000000001 in float arithmetic
        (1.1, 110),  # 110.00000000000001
        ("19999999.99", 1_999_999_999),
        ("-3.5", -350),
        (Decimal("4.20"), 420),
    ],
)
def test_yuan_to_fen_is_exact(value, expected):
    assert yuan_to_fen(value) == expected


@pytest.mark.parametrize("value", ["1.005", 0.125, "12,30", "¥12", "", None, True, "1e3", "abc"])
def test_yuan_with_more_than_two_places_or_not_a_number_is_refused(value):
    with pytest.raises(ValueError):
        yuan_to_fen(value)


def test_fen_is_taken_as_given():
    assert fen(1230) == 1230
    assert fen("1230") == 1230
    assert fen(1230.0) == 1230
    for bad in ("12.30", 12.3, None, True, "x"):
        with pytest.raises(ValueError, match="not a fen amount"):
            fen(bad)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_to_yuan_to_fen_round_trips(amount):
    text = fen_to_yuan(amount)
    assert yuan_to_fen(text) == amount
    assert yuan_to_fen(float(text)) == amount  # a JSON number, read from its shortest text


@given(st.integers(min_value=0, max_value=4_102_444_800_000))  # up to 2100
def test_times_round_trip_through_every_spelling(ms):
    assert parse_time(format_time(ms)) == ms
    assert parse_time(format_time(ms, offset=False)) == ms
    assert parse_time(ms) == ms
    assert parse_time(str(ms)) == ms
    naive = format_time(ms - ms % 1000)
    spelled = f"{naive[:4]}-{naive[4:6]}-{naive[6:8]} {naive[8:10]}:{naive[10:12]}:{naive[12:14]}"
    assert parse_time(spelled) == ms - ms % 1000


def test_formatting_is_shanghai_time():
    assert format_time(MS_20180614) == "20180614101942000+0800"
    assert fen_to_yuan(1230) == "12.30" and fen_to_yuan(-5) == "-0.05"
