"""ENDPOINTS 0.5 to 0.8 and the operator's message list: the pull API lists the last 30 days
oldest first with filters and both kinds of paging, a sub-account sees only its own, "waiting"
is computed from the key's earlier messages, the delivery log has the 0.6 shape, redeliver and
confirm answer per item, and confirming releases the next message of a key."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from daigou.messages import service as messages
from daigou.messages.models import DeliveryAttempt, OutboxMessage
from tests.support.api import assert_error, assert_ok, field_names
from tests.support.gateway import Dev
from tests.support.receiver import Receiver

LIST = "/open/message/list"
DELIVERIES = "/open/message/deliveries"
REDELIVER = "/open/message/redeliver"
CONFIRM = "/open/message/confirm"
ADMIN_LIST = "/admin/message/list"
DAY_MS = 86_400_000


class Outbox:
    """Writes messages straight into the outbox, as a domain's transaction would."""

    def __init__(self, app: Any) -> None:
        self.db = app.state.db
        self.clock = app.state.clock

    def pk(self, dev: Dev) -> int:
        with self.db.transaction() as s:
            return int(
                s.execute(
                    sa.text("SELECT id FROM developer WHERE develop_id = :d"), {"d": dev.develop_id}
                ).scalar_one()
            )

    def record(
        self,
        dev: Dev,
        *,
        type_: str = "ORDER_BUYER_VIEW_ORDER_PAY",
        platform: int = 1,
        key: str = "1688:100",
        object_id: str | None = "100",
        user_id: str | None = None,
        age_ms: int = 0,
        **state: Any,
    ) -> str:
        pk = self.pk(dev)
        with self.db.transaction() as s:
            row = messages.record(
                s,
                developer_id=pk,
                user_id=user_id,
                platform=platform,
                message_type=type_,
                order_key=key,
                body={"orderId": object_id, "note": "test"},
                now_ms=self.clock.now_ms() - age_ms,
            )
            row.object_id = object_id
            for name, value in state.items():
                setattr(row, name, value)
            s.flush()
            return row.message_id

    def row(self, message_id: str) -> OutboxMessage:
        with self.db.transaction() as s:
            found = s.execute(
                sa.select(OutboxMessage).where(OutboxMessage.message_id == message_id)
            ).scalar_one()
            s.expunge(found)
            return found

    def attempt(self, message_id: str, attempt: int, **fields: Any) -> None:
        row = self.row(message_id)
        values = {
            "message_seq": row.seq,
            "developer_id": row.developer_id,
            "attempt": attempt,
            "at": 1_700_000_000_000 + attempt,
            "url": "https://hooks.example/x",
            "http_status": 200,
            "latency_ms": 12,
            "error": None,
            "response_snippet": "ok",
            "manual": False,
            **fields,
        }
        with self.db.transaction() as s:
            s.add(DeliveryAttempt(**values))


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(app)


@pytest.fixture
def quiet(api) -> Dev:
    """A developer without the top-up message the `dev` fixture brings."""
    return api.create_developer()


def listed(api, dev, **params) -> dict[str, Any]:
    return assert_ok(api.call(dev, "GET", LIST, params=params))


def ids_of(page) -> list[str]:
    return [m["messageId"] for m in page["data"]]


def statuses(api, dev) -> dict[str, str]:
    return {m["messageId"]: m["deliveryStatus"] for m in listed(api, dev, pageSize=100)["data"]}


def add_callback(api, dev, rx, **fields) -> None:
    r = api.call(dev, "POST", "/open/callback/config", body={"callbackUrl": rx.url, **fields})
    assert_ok(r)


def test_a_wallet_top_up_is_listed_as_a_message(api, dev):
    page = listed(api, dev)
    (message,) = page["data"]
    assert set(message) == {
        "messageId",
        "messageType",
        "messagePlatform",
        "timestamp",
        "messageBody",
        "orderKey",
        "deliveryStatus",
        "attempts",
        "lastAttemptTime",
        "nextAttemptTime",
        "deliveredTime",
    }
    assert message["messageId"].startswith("msg_")
    assert message["messageType"] == "WALLET_BALANCE_CHANGE"
    assert message["messagePlatform"] == 2 and message["orderKey"] == "wallet"
    assert message["deliveryStatus"] == "pending" and message["attempts"] == 0
    body = message["messageBody"]
    assert body["sequence"] == 1 and body["balance"]["availableAmount"] == 100_000
    assert body["entry"]["type"] == "topup"
    assert page["totalRecords"] == 1 and page["currentPage"] == 1
    assert "nextCursor" in page and page["nextCursor"] is None


def test_filters_select_by_type_platform_object_and_time(api, quiet, outbox):
    now = outbox.clock.now_ms()
    pay = outbox.record(quiet, key="1688:1", object_id="1")
    ship = outbox.record(
        quiet, type_="ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS", key="1688:2", object_id="2"
    )
    refund = outbox.record(
        quiet, type_="TAOBAO_ORDER_REFUND", platform=0, key="tb:3", object_id="TQ3", age_ms=DAY_MS
    )
    lo = outbox.record(
        quiet, type_="INTERNATIONAL_SHIPMENT_UPDATE", platform=2, key="lo:LO4", object_id="LO4"
    )
    assert ids_of(listed(api, quiet)) == [pay, ship, refund, lo]  # oldest written first
    assert ids_of(listed(api, quiet, messageType="ORDER_BUYER_VIEW_ORDER_PAY")) == [pay]
    both = "ORDER_BUYER_VIEW_ORDER_PAY, TAOBAO_ORDER_REFUND"
    assert ids_of(listed(api, quiet, messageType=both)) == [pay, refund]
    assert ids_of(listed(api, quiet, messagePlatform=0)) == [refund]
    assert ids_of(listed(api, quiet, messagePlatform=2)) == [lo]
    assert ids_of(listed(api, quiet, orderId="2")) == [ship]
    assert ids_of(listed(api, quiet, refundId="TQ3")) == [refund]
    assert ids_of(listed(api, quiet, logisticsOrderId="LO4")) == [lo]
    assert ids_of(listed(api, quiet, orderId="2", refundId="TQ3")) == []
    assert ids_of(listed(api, quiet, endTime=now - DAY_MS // 2)) == [refund]
    assert refund not in ids_of(listed(api, quiet, startTime=now - DAY_MS // 2))

    for params, field in (
        ({"messageType": "NOPE"}, "messageType"),
        ({"deliveryStatus": "lost"}, "deliveryStatus"),
        ({"messagePlatform": 3}, "messagePlatform"),
        ({"cursor": "garbage"}, "cursor"),
    ):
        body = assert_error(api.call(quiet, "GET", LIST, params=params), 40001)
        assert field_names(body) == [field], params


def test_only_the_last_30_days_are_listed(api, quiet, outbox):
    outbox.record(quiet, key="1688:old", age_ms=31 * DAY_MS)
    recent = outbox.record(quiet, key="1688:new", age_ms=29 * DAY_MS)
    assert ids_of(listed(api, quiet)) == [recent]
    # the operator sees everything still stored
    page = assert_ok(api.admin("GET", ADMIN_LIST, params={"developId": quiet.develop_id}))
    assert page["totalRecords"] == 2


def test_paging_by_page_number_and_by_cursor(api, quiet, outbox):
    written = [outbox.record(quiet, key=f"1688:{i}", object_id=str(i)) for i in range(7)]
    pages = [listed(api, quiet, pageSize=3, pageNo=n) for n in (1, 2, 3)]
    assert [p["totalRecords"] for p in pages] == [7, 7, 7]
    assert [p["totalPage"] for p in pages] == [3, 3, 3]
    assert [p["currentPage"] for p in pages] == [1, 2, 3]
    assert sum((ids_of(p) for p in pages), []) == written
    assert pages[0]["nextCursor"] and pages[2]["nextCursor"] is None

    by_cursor: list[str] = []
    page = listed(api, quiet, pageSize=3)
    by_cursor += ids_of(page)
    # a message written while paging by cursor comes at the end, nothing shifts or repeats
    late = outbox.record(quiet, key="1688:late", object_id="late")
    while page["nextCursor"]:
        page = listed(api, quiet, pageSize=3, cursor=page["nextCursor"])
        assert page["totalRecords"] is None and page["currentPage"] is None
        by_cursor += ids_of(page)
    assert by_cursor == [*written, late]
    body = assert_error(
        api.call(quiet, "GET", LIST, params={"cursor": pages[0]["nextCursor"], "pageNo": 2}), 40001
    )
    assert field_names(body) == ["cursor"]


def test_a_sub_account_sees_only_its_own_messages(api, quiet, outbox):
    for user in ("alice", "bob"):
        r = api.call(
            quiet, "POST", "/open/subaccount/addOrUpdate", body={"userId": user, "userName": user}
        )
        assert_ok(r)
    mine = outbox.record(quiet, key="1688:a", user_id="alice")
    theirs = outbox.record(quiet, key="1688:b", user_id="bob")
    main = outbox.record(quiet, key="1688:c")
    as_alice = assert_ok(api.call(quiet, "GET", LIST, user_id="alice"))
    assert ids_of(as_alice) == [mine]
    assert ids_of(listed(api, quiet)) == [mine, theirs, main]

    # naming another sub-account's message: 40302 (same developer); the main account's too
    for other in (theirs, main):
        r = api.call(quiet, "GET", DELIVERIES, params={"messageId": other}, user_id="alice")
        assert_error(r, 40302)
    r = api.call(quiet, "POST", CONFIRM, body={"messageIds": [theirs, mine]}, user_id="alice")
    results = assert_ok(r)["results"]
    assert [i["code"] for i in results] == [40302, 200]
    assert outbox.row(theirs).delivery_status == "pending"


def test_waiting_is_computed_from_the_earlier_messages_of_the_key(api, quiet, outbox):
    first = outbox.record(quiet, key="1688:9")
    second = outbox.record(quiet, key="1688:9")
    other = outbox.record(quiet, key="1688:10")
    assert statuses(api, quiet) == {first: "pending", second: "waiting", other: "pending"}
    assert ids_of(listed(api, quiet, deliveryStatus="waiting")) == [second]
    assert ids_of(listed(api, quiet, deliveryStatus="pending")) == [first, other]
    assert ids_of(listed(api, quiet, deliveryStatus="pending,waiting")) == [first, second, other]
    page = listed(api, quiet, deliveryStatus="waiting")
    assert page["data"][0]["nextAttemptTime"] is None  # it waits for `first`, not for a time

    # an earlier message the engine will not send (its type is not wanted: no next attempt)
    # holds nothing back
    with outbox.db.transaction() as s:
        s.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.message_id == first)
            .values(next_attempt_at=None)
        )
    assert statuses(api, quiet)[second] == "pending"


def test_the_delivery_log_of_a_message(api, quiet, outbox):
    msg = outbox.record(quiet, attempts=2, last_attempt_at=1_700_000_000_002)
    outbox.attempt(msg, 2, http_status=None, error="timeout", response_snippet=None, manual=True)
    outbox.attempt(msg, 1, http_status=500, error="non_2xx", response_snippet="boom")
    log = assert_ok(api.call(quiet, "GET", DELIVERIES, params={"messageId": msg}))
    assert log["messageId"] == msg and log["deliveryStatus"] == "pending"
    assert log["attempts"] == [
        {
            "attempt": 1,
            "time": 1_700_000_000_001,
            "url": "https://hooks.example/x",
            "httpStatus": 500,
            "latencyMs": 12,
            "error": "non_2xx",
            "responseSnippet": "boom",
            "manual": False,
        },
        {
            "attempt": 2,
            "time": 1_700_000_000_002,
            "url": "https://hooks.example/x",
            "httpStatus": None,
            "latencyMs": 12,
            "error": "timeout",
            "responseSnippet": None,
            "manual": True,
        },
    ]
    message = listed(api, quiet)["data"][0]
    assert message["attempts"] == 2 and message["lastAttemptTime"] == 1_700_000_000_002

    empty = outbox.record(quiet, key="1688:e")
    assert (
        assert_ok(api.call(quiet, "GET", DELIVERIES, params={"messageId": empty}))["attempts"] == []
    )
    assert_error(api.call(quiet, "GET", DELIVERIES, params={"messageId": "msg_nope"}), 40401)
    stranger = api.create_developer()
    assert_error(api.call(stranger, "GET", DELIVERIES, params={"messageId": msg}), 40401)
    assert_error(api.call(quiet, "GET", DELIVERIES), 40001)


def test_redeliver_needs_an_enabled_callback_url(api, quiet, outbox):
    msg = outbox.record(quiet)
    assert_error(api.call(quiet, "POST", REDELIVER, body={"messageIds": [msg]}), 40901)


def test_redeliver_schedules_each_message_again_with_per_item_results(api, quiet, outbox):
    now = outbox.clock.now_ms()
    delivered = outbox.record(
        quiet, key="1688:1", delivery_status="delivered", delivered_at=now, next_attempt_at=None
    )
    failed = outbox.record(
        quiet, key="1688:2", delivery_status="failed", failed_at=now, next_attempt_at=None
    )
    head = outbox.record(quiet, key="1688:3", next_attempt_at=now + 600_000)
    behind = outbox.record(quiet, key="1688:3")
    with Receiver() as rx:
        add_callback(api, quiet, rx)
    ids = [delivered, "msg_unknown", failed, behind, head]
    results = assert_ok(api.call(quiet, "POST", REDELIVER, body={"messageIds": ids}))["results"]
    assert [(r["index"], r["key"], r["success"], r["code"]) for r in results] == [
        (0, delivered, True, 200),
        (1, "msg_unknown", False, 40401),
        (2, failed, True, 200),
        (3, behind, True, 200),
        (4, head, True, 200),
    ]
    assert [r["deliveryStatus"] for r in results] == [
        "pending",
        None,
        "pending",
        "waiting",
        "pending",
    ]
    assert all(r["msg"] for r in results)
    for message_id in (delivered, failed, head):
        row = outbox.row(message_id)
        assert row.delivery_status == "pending" and row.manual is True
        assert row.next_attempt_at is not None and row.next_attempt_at <= outbox.clock.now_ms()
        assert row.failed_at is None
    # the waiting one is left as it was
    row = outbox.row(behind)
    assert row.manual is False and row.delivery_status == "pending"

    body = assert_error(
        api.call(quiet, "POST", REDELIVER, body={"messageIds": [delivered] * 101}), 40003
    )
    assert field_names(body) == ["messageIds"]
    assert_error(api.call(quiet, "POST", REDELIVER, body={"messageIds": []}), 40001)


def test_redeliver_refuses_a_type_the_callback_does_not_take(api, quiet, outbox):
    msg = outbox.record(quiet, delivery_status="delivered", next_attempt_at=None)
    with Receiver() as rx:
        add_callback(api, quiet, rx, messageTypes=["WALLET_BALANCE_CHANGE"])
    (result,) = assert_ok(api.call(quiet, "POST", REDELIVER, body={"messageIds": [msg]}))["results"]
    assert result["code"] == 40901 and result["deliveryStatus"] == "delivered"
    assert outbox.row(msg).delivery_status == "delivered"


def test_confirm_releases_the_next_message_of_the_key(api, quiet, outbox):
    first = outbox.record(quiet, key="1688:7")
    second = outbox.record(quiet, key="1688:7")
    third = outbox.record(quiet, key="1688:7")
    assert statuses(api, quiet) == {first: "pending", second: "waiting", third: "waiting"}

    r = api.call(quiet, "POST", CONFIRM, body={"messageIds": [first, "msg_unknown"]})
    results = assert_ok(r)["results"]
    assert [(r["success"], r["code"], r["deliveryStatus"]) for r in results] == [
        (True, 200, "confirmed"),
        (False, 40401, None),
    ]
    assert statuses(api, quiet) == {first: "confirmed", second: "pending", third: "waiting"}
    row = outbox.row(first)
    assert row.confirmed_at is not None and row.next_attempt_at is None

    # confirming again is a success and changes nothing
    confirmed_at = row.confirmed_at
    again = assert_ok(api.call(quiet, "POST", CONFIRM, body={"messageIds": [first]}))["results"]
    assert again[0]["success"] is True and again[0]["deliveryStatus"] == "confirmed"
    assert outbox.row(first).confirmed_at == confirmed_at

    # a waiting message may be confirmed too (pulled and handled out of band)
    assert_ok(api.call(quiet, "POST", CONFIRM, body={"messageIds": [third]}))
    assert statuses(api, quiet) == {first: "confirmed", second: "pending", third: "confirmed"}
    # a leased (in flight) message loses its lease, so the engine cannot overwrite the status
    with outbox.db.transaction() as s:
        s.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.message_id == second)
            .values(lease_owner="w-x", lease_until=outbox.clock.now_ms() + 60_000)
        )
    assert_ok(api.call(quiet, "POST", CONFIRM, body={"messageIds": [second]}))
    row = outbox.row(second)
    assert row.lease_owner is None and row.delivery_status == "confirmed"
    assert_error(api.call(quiet, "POST", CONFIRM, body={"messageIds": ["x"] * 101}), 40003)
    stranger = api.create_developer()
    (other,) = assert_ok(api.call(stranger, "POST", CONFIRM, body={"messageIds": [second]}))[
        "results"
    ]
    assert other["code"] == 40401


def test_the_operator_lists_failed_messages_with_their_last_error(api, quiet, outbox):
    other = api.create_developer()
    failed = outbox.record(
        quiet, key="1688:1", delivery_status="failed", attempts=2, next_attempt_at=None
    )
    outbox.attempt(failed, 1, http_status=None, error="connect")
    outbox.attempt(failed, 2, http_status=500, error="non_2xx")
    ok = outbox.record(quiet, key="1688:2", delivery_status="delivered", next_attempt_at=None)
    outbox.attempt(ok, 1)
    outbox.record(other, key="1688:3", delivery_status="failed", next_attempt_at=None)

    page = assert_ok(
        api.admin(
            "GET", ADMIN_LIST, params={"developId": quiet.develop_id, "deliveryStatus": "failed"}
        )
    )
    (item,) = page["data"]
    assert item["messageId"] == failed and item["developId"] == quiet.develop_id
    assert item["lastError"] == "non_2xx (HTTP 500)" and item["deliveryStatus"] == "failed"
    assert item["userId"] is None

    everyone = assert_ok(api.admin("GET", ADMIN_LIST, params={"deliveryStatus": "failed"}))
    assert {i["developId"] for i in everyone["data"]} == {quiet.develop_id, other.develop_id}
    delivered = assert_ok(
        api.admin("GET", ADMIN_LIST, params={"messageType": "ORDER_BUYER_VIEW_ORDER_PAY"})
    )
    by_id = {i["messageId"]: i for i in delivered["data"]}
    assert by_id[ok]["lastError"] is None
    first = assert_ok(api.admin("GET", ADMIN_LIST, params={"pageSize": 1}))
    assert first["nextCursor"] and first["totalRecords"] == 3
    second = assert_ok(
        api.admin("GET", ADMIN_LIST, params={"pageSize": 1, "cursor": first["nextCursor"]})
    )
    assert ids_of(second) != ids_of(first)
    assert_error(api.admin("GET", ADMIN_LIST, params={"developId": "1" * 19}), 40401)
    assert_error(api.call(quiet, "GET", ADMIN_LIST), 40100)
