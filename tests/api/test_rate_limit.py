"""Per-developer rate limit: rateLimitPerMinute calls per calendar minute, then 42901 with
Retry-After (CONTRACT section 4; ENDPOINTS 12.1)."""

from __future__ import annotations

import time

import daigou.deps
from tests.support.api import assert_error, assert_ok

BALANCE = "/open/account/balance"


def test_fourth_call_in_a_minute_over_a_limit_of_three_answers_42901_with_retry_after(
    api, monkeypatch
):
    # pin the server clock 30 s into the current minute so the window cannot roll over mid-test
    pinned = (int(time.time() * 1000) // 60_000) * 60_000 + 30_000
    monkeypatch.setattr(daigou.deps, "wall_ms", lambda: pinned)
    ts = str(pinned)
    limited = api.create_developer(rateLimitPerMinute=3)
    other = api.create_developer(rateLimitPerMinute=3)
    for _ in range(3):
        assert_ok(api.call(limited, "GET", BALANCE, timestamp=ts))
    r = api.call(limited, "GET", BALANCE, timestamp=ts)
    assert_error(r, 42901)
    assert r.headers["retry-after"] == "30"
    # every signed endpoint counts, and it stays limited for the rest of the minute
    assert_error(api.call(limited, "GET", "/open/account/ledger", timestamp=ts), 42901)
    # another developer is not affected
    for _ in range(3):
        assert_ok(api.call(other, "GET", BALANCE, timestamp=ts))
    # the next minute starts afresh
    later = pinned + 60_000
    monkeypatch.setattr(daigou.deps, "wall_ms", lambda: later)
    assert_ok(api.call(limited, "GET", BALANCE, timestamp=str(later)))


def test_limit_is_per_developer_across_its_keys_and_can_be_raised(api, monkeypatch):
    pinned = (int(time.time() * 1000) // 60_000) * 60_000 + 50_000
    monkeypatch.setattr(daigou.deps, "wall_ms", lambda: pinned)
    ts = str(pinned)
    dev = api.create_developer(rateLimitPerMinute=2)
    from tests.support.gateway import Dev

    added = assert_ok(api.admin("POST", "/admin/key/update", {"developId": dev.develop_id}))
    second = Dev(dev.develop_id, added["accessKey"], added["secret"])
    assert_ok(api.call(dev, "GET", BALANCE, timestamp=ts))
    assert_ok(api.call(second, "GET", BALANCE, timestamp=ts))
    r = api.call(second, "GET", BALANCE, timestamp=ts)
    assert_error(r, 42901)
    assert r.headers["retry-after"] == "10"
    assert_ok(
        api.admin(
            "POST",
            "/admin/developer/update",
            {"developId": dev.develop_id, "rateLimitPerMinute": 10},
        )
    )
    assert_ok(api.call(dev, "GET", BALANCE, timestamp=ts))
