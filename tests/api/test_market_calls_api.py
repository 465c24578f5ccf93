"""The marketplace call log through the operator API: ``GET /admin/marketplace/calls`` and the
last attempts beside each unknown operation in 12.13, with the sandbox behind
``GuardedMarketplace`` (as the composition root wires every adapter); and the CONTRACT
codes of a call not sent or rate limited upstream."""

from __future__ import annotations

import pytest

from daigou.core.clock import wall_ms
from daigou.core.errors import ApiError
from daigou.http.routing import _answer_marketplace_errors
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import faults
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import bulk, make_orders

CALLS = "/admin/marketplace/calls"


def flushed(app) -> None:
    app.state.gateway.call_log.flush()


def test_an_unknown_pay_shows_its_attempts_in_12_13_and_in_the_call_log(
    api, dev, settings, db, app
):
    ((a, _),) = make_orders(api, dev, settings, 1)
    # (the sandbox controls reach the seller through the adapter: not through this wrapper)
    faults.inject(db, wall_ms(), operation="1688.order.pay", mode="timeout_after_commit")
    (item,) = assert_ok(bulk(api, dev, [a]))["results"]
    assert item["code"] == 50401
    flushed(app)

    (op,) = assert_ok(api.admin("GET", "/admin/reconcile/list", {"objectType": "order1688"}))[
        "data"
    ]
    assert op["objectId"] == a and op["operation"] == "pay"
    (call,) = op["calls"]
    assert call["operation"] == "pay" and call["outcome"] == "unknown"
    assert call["errorCode"] == "TIMEOUT" and call["durationMs"] >= 0
    assert call["snippet"].startswith("MarketplaceTimeout")
    assert set(call) == {
        "operation",
        "startedTime",
        "durationMs",
        "outcome",
        "errorCode",
        "snippet",
    }

    unknown = assert_ok(api.admin("GET", CALLS, params={"outcome": "unknown"}))
    (logged,) = unknown["data"]
    assert logged["developId"] == dev.develop_id and logged["platform"] == "1688"
    by_key = assert_ok(api.admin("GET", CALLS, params={"key": logged["key"]}))
    assert [c["callId"] for c in by_key["data"]] == [logged["callId"]]

    # the reconciler asks again with the same key: newest first in 12.13
    done = assert_ok(api.admin("POST", "/admin/reconcile/run", {"operationId": op["operationId"]}))
    assert done["outcome"] == "succeeded"
    flushed(app)
    again = assert_ok(api.admin("GET", CALLS, params={"key": logged["key"]}))["data"]
    assert [c["outcome"] for c in again] == ["ok", "unknown"]


def test_the_call_log_pages_by_cursor_and_filters(api, dev, settings, app):
    make_orders(api, dev, settings, 3)  # creates (and the offers they read)
    flushed(app)
    everything = assert_ok(api.admin("GET", CALLS, params={"pageSize": 100}))
    assert everything["totalRecords"] == len(everything["data"]) >= 3
    creates = assert_ok(api.admin("GET", CALLS, params={"operation": "create_order"}))
    assert creates["totalRecords"] == 3
    assert all(c["outcome"] == "ok" and c["key"] for c in creates["data"])
    times = [c["startedTime"] for c in everything["data"]]
    assert times == sorted(times, reverse=True)
    seen, cursor = [], None
    while True:
        params = {"pageSize": 2, **({"cursor": cursor} if cursor else {})}
        page = assert_ok(api.admin("GET", CALLS, params=params))
        seen += [c["callId"] for c in page["data"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [c["callId"] for c in everything["data"]]
    assert_error(api.admin("GET", CALLS, params={"outcome": "maybe"}), 40001)
    assert_error(api.admin("GET", CALLS, params={"cursor": "nonsense"}), 40001)


@pytest.mark.parametrize(
    ("error", "headers"),
    [
        (P.MarketplaceNotSent("LOCAL_LIMIT", "no call slot"), {}),
        (P.MarketplaceRateLimited("RATE", "slow down", retry_after_s=2.5), {"Retry-After": "3"}),
    ],
)
def test_not_sent_and_rate_limited_answer_50201_saying_a_retry_is_safe(error, headers):
    def use_case(_caller):
        raise error

    with pytest.raises(ApiError) as caught:
        _answer_marketplace_errors(use_case, None)
    assert caught.value.code == 50201 and caught.value.headers == headers
    data = caught.value.data
    assert data["upstreamCode"] == error.code and data["retryable"] is True
    if headers:
        assert data["retryAfter"] == 3
