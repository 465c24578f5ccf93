"""Tenant isolation of the Taobao order endpoints (CONTRACT section 4, ENDPOINTS 2).

Every endpoint that names a purchase order is called with the orders of a victim developer:
- by another developer, and by that developer's sub-account of the same userId: 40401, reading
  exactly like the answer for an id no one has (never reveal that it exists);
- by a sibling sub-account of the victim (the order is another sub-account's, or the main
  account's): 40302.
After each refused call nothing has changed: the purchase order and its shop orders are as they
were (status 0, nothing held, paid or in flight, the consignee and remark unchanged), no message,
ledger entry, hold, voucher or marketplace operation was written, both wallets are where they
were, and the others' pages still do not list the orders. The main account sees and acts on its
sub-accounts' orders; 2.3 shows a sub-account only its own.

The reverse-order endpoints (ENDPOINTS 3) are held to the same rules over the victims' paid
purchase orders: each has a reverse order open on one sub-order and one sub-order free; after a
refused call the reverse orders, their history, writes and the marketplace's copies are as they
were, and the others' lists (3.6) do not show them.

To cover a new endpoint, add one row to ORDER_ENDPOINTS (or REFUND_ENDPOINTS).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from daigou.aftersales.models import RefundEvent, RefundRecord, RefundWrite
from daigou.marketplace.sandbox.seller_models import SandboxRefund
from daigou.messages.models import OutboxMessage
from daigou.orderstaobao.models import TaobaoOrder, TaobaoVoucher
from daigou.purchasing.models import PurchaseOrder
from daigou.reconcile.models import MarketOperation
from daigou.wallet.models import Hold, LedgerEntry
from tests.support import taobao_refunds as R
from tests.support.api import assert_error, assert_ok
from tests.support.databases import BACKENDS, fresh_database
from tests.support.gateway import make_settings, running_gateway
from tests.support.orders1688 import BALANCE
from tests.support.taobao import (
    BULK,
    CANCEL,
    DETAIL,
    LOGISTICS,
    PAGE,
    PAY,
    RECEIVE,
    RECEIVER,
    VOUCHER,
    created,
    run_feed,
    ship,
    shop_lines,
)

WAREHOUSE = "/open/order/updateWarehouse"
CHAT = "/open/order/page/link/get"
SUBACCOUNT = "/open/subaccount/addOrUpdate"
NOT_FOUND, OTHER_SUB_ACCOUNT = 40401, 40302
IMAGE = "https://img.example.com/transfer.png"
MOVED = {**RECEIVER, "name": "李四", "address": "西溪路 2 号"}


# --- the endpoints ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """One way to name a purchase order: ``build(target)`` gives the body (POST) or query (GET).
    ``per_item``: a batch, which answers 200 with a failed result for the order."""

    method: str
    path: str
    build: Callable[[dict[str, Any]], dict[str, Any]]
    per_item: bool = False


ORDER_ENDPOINTS = [
    pytest.param(Endpoint("GET", DETAIL, lambda o: {"orderId": o["orderId"]}), id="2.4-detail"),
    pytest.param(
        Endpoint("GET", DETAIL, lambda o: {"sellerOrderNumber": o["sellerOrderNumber"]}),
        id="2.4-detail-sellerOrderNumber",
    ),
    pytest.param(Endpoint("POST", PAY, lambda o: {"orderId": o["orderId"]}), id="2.5-pay"),
    pytest.param(
        Endpoint("POST", BULK, lambda o: {"orderIds": [o["orderId"]]}, per_item=True),
        id="2.5b-batch-pay",
    ),
    pytest.param(
        Endpoint(
            "POST",
            VOUCHER,
            lambda o: {
                "orderId": o["orderId"],
                "transferAccountImgs": [IMAGE],
                "amount": o["amount"],
                "transferAccountRemark": "bank ref 42",
            },
        ),
        id="2.6-voucher-upload",
    ),
    pytest.param(
        Endpoint("POST", CANCEL, lambda o: {"orderId": o["orderId"], "cancelReason": "x"}),
        id="2.7-cancel",
    ),
    pytest.param(
        Endpoint(
            "POST",
            WAREHOUSE,
            lambda o: {"orderId": o["orderId"], "receiver": MOVED, "remark": "moved"},
        ),
        id="2.8-updateWarehouse",
    ),
    pytest.param(
        Endpoint("POST", CHAT, lambda o: {"sourceType": "order", "bizId": o["orderId"]}),
        id="2.9-chat-link",
    ),
    pytest.param(
        Endpoint(
            "POST",
            CHAT,
            lambda o: {
                "pageName": "chat",
                "pageParamMap": json.dumps({"sourceType": "order", "bizId": o["orderId"]}),
            },
        ),
        id="2.9-chat-link-pageParamMap",
    ),
    pytest.param(
        Endpoint("GET", LOGISTICS, lambda o: {"orderId": o["orderId"]}), id="2.10-logistics"
    ),
    pytest.param(
        Endpoint("POST", RECEIVE, lambda o: {"orderId": o["orderId"]}), id="2.11-receivegoods"
    ),
    # ---- add further order endpoints here --------------------------------------------------
]

# the reverse-order endpoints: a target is {refundId (open), subOrderId (a free line)}
REFUND_ENDPOINTS = [
    pytest.param(
        Endpoint(
            "POST",
            R.RENDER,
            lambda r: {"subOrderId": r["subOrderId"], "refundType": 1, "goodsStatus": 1},
        ),
        id="3.1-render",
    ),
    pytest.param(
        Endpoint(
            "POST",
            R.SUBMIT,
            lambda r: {
                "subOrderId": r["subOrderId"],
                "refundType": 1,
                "goodsStatus": 1,
                "reasonId": 1,
                "refundFee": 100,
            },
        ),
        id="3.2-submit",
    ),
    pytest.param(
        Endpoint("POST", R.MODIFY, lambda r: {"refundId": r["refundId"], "refundFee": 50}),
        id="3.3-modify",
    ),
    pytest.param(Endpoint("GET", R.CANCEL, lambda r: {}), id="3.4-cancel"),
    pytest.param(Endpoint("POST", R.CANCEL, lambda r: {}), id="3.4-cancel-post"),
    pytest.param(Endpoint("GET", R.QUERY, lambda r: {"refundId": r["refundId"]}), id="3.5-query"),
    pytest.param(
        Endpoint("POST", R.MESSAGE, lambda r: {"refundId": r["refundId"], "refundMessage": "hi"}),
        id="3.7-message",
    ),
    pytest.param(
        Endpoint("POST", R.MESSAGES, lambda r: {"refundId": r["refundId"]}), id="3.8-messages"
    ),
    pytest.param(
        Endpoint("GET", R.RETURN_RENDER, lambda r: {"refundId": r["refundId"]}),
        id="3.9-logistics-render",
    ),
    pytest.param(
        Endpoint(
            "POST",
            R.RETURN_SUBMIT,
            lambda r: {
                "refundId": r["refundId"],
                "logisticsCompanyCode": "SF",
                "logisticsNo": "SF12345678",
            },
        ),
        id="3.10-logistics-submit",
    ),
    # ---- add further reverse-order endpoints here ------------------------------------------
]

# who calls: (which developer, user-id header, the code CONTRACT section 4 asks for)
CALLERS = {
    "another-developer": ("intruder", None, NOT_FOUND),
    "another-developers-sub-account-of-the-same-name": ("intruder", "alice", NOT_FOUND),
    "a-sibling-sub-account": ("victim", "bob", OTHER_SUB_ACCOUNT),
}
# whose order: the victim's sub-account alice, or the victim's main account
TARGETS = ("alice", "main")


def cases(endpoints: list[Any]) -> list[Any]:
    return [
        pytest.param(endpoint.values[0], caller, target, id=f"{endpoint.id}-{caller}-{target}")
        for endpoint in endpoints
        for caller in CALLERS
        for target in TARGETS
    ]


# --- the world ----------------------------------------------------------------------------------
@dataclass
class World:
    api: Any
    db: Any
    victim: Any
    intruder: Any
    orders: dict[str, dict[str, Any]]  # "alice" / "main" -> {orderId, sellerOrderNumber, amount}
    intruder_order: str
    # "alice" / "main" -> {refundId (open), subOrderId (a free line), orderId (purchase order)}
    refunds: dict[str, dict[str, Any]]
    intruder_paid: str  # the intruder's paid purchase order (with a reverse order of its own)

    def dev(self, who: str) -> Any:
        return self.victim if who == "victim" else self.intruder

    def call(self, who: str, user_id: str | None, endpoint: Endpoint, target: dict) -> Any:
        payload = endpoint.build(target)
        path = endpoint.path.format(**target)  # a path parameter (3.4's refundId)
        if endpoint.method == "GET":
            return self.api.call(self.dev(who), "GET", path, params=payload, user_id=user_id)
        return self.api.call(self.dev(who), "POST", path, body=payload, user_id=user_id)

    def page_ids(self, who: str, user_id: str | None = None, **query: Any) -> set[str]:
        data = assert_ok(
            self.api.call(
                self.dev(who), "GET", PAGE, params={"pageSize": 100, **query}, user_id=user_id
            )
        )
        return {o["orderId"] for o in data["data"]}

    def refund_ids(self, who: str, user_id: str | None = None, **body: Any) -> set[str]:
        data = assert_ok(
            self.api.call(
                self.dev(who), "POST", R.LIST, body={"pageSize": 100, **body}, user_id=user_id
            )
        )
        return {r["refundOrder"]["refundId"] for r in data["data"]}

    def snapshot(self) -> dict[str, Any]:
        """Everything a refused call must leave as it was."""
        mine = [o["orderId"] for o in self.orders.values()]
        refunds = [r["refundId"] for r in self.refunds.values()]
        with self.db.reading() as conn:
            counts = {
                t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (
                    LedgerEntry,
                    Hold,
                    MarketOperation,
                    PurchaseOrder,
                    TaobaoOrder,
                    TaobaoVoucher,
                    OutboxMessage,
                    RefundRecord,
                    RefundEvent,
                    RefundWrite,
                    SandboxRefund,
                )
            }
            reverse = {
                tuple(r)
                for r in conn.execute(
                    select(
                        RefundRecord.refund_id,
                        RefundRecord.status,
                        RefundRecord.pending_operation,
                        RefundRecord.apply_payment_fen,
                        RefundRecord.sequence,
                        RefundRecord.snapshot,
                        RefundRecord.modified_at,
                    ).where(RefundRecord.refund_id.in_(refunds))
                )
            }
            market = {
                tuple(r)
                for r in conn.execute(
                    select(SandboxRefund.refund_id, SandboxRefund.body).where(
                        SandboxRefund.refund_id.in_(refunds)
                    )
                )
            }
            orders = {
                tuple(r)
                for r in conn.execute(
                    select(
                        TaobaoOrder.order_id,
                        TaobaoOrder.status,
                        TaobaoOrder.voucher_stage,
                        TaobaoOrder.pay_method,
                        TaobaoOrder.receiver,
                        TaobaoOrder.remark,
                        TaobaoOrder.close_reason,
                        TaobaoOrder.shops,
                        TaobaoOrder.sequence,
                        TaobaoOrder.modified_at,
                    ).where(TaobaoOrder.order_id.in_(mine))
                )
            }
            shop_orders = {
                tuple(r)
                for r in conn.execute(
                    select(
                        PurchaseOrder.order_id,
                        PurchaseOrder.status,
                        PurchaseOrder.pay_state,
                        PurchaseOrder.pending_operation,
                        PurchaseOrder.held_fen,
                        PurchaseOrder.paid_fen,
                        PurchaseOrder.pay_attempts,
                        PurchaseOrder.snapshot,
                        PurchaseOrder.sequence,
                        PurchaseOrder.modified_at,
                    ).where(PurchaseOrder.platform == "taobao", PurchaseOrder.group_id.in_(mine))
                )
            }
        balances = {
            who: assert_ok(self.api.call(self.dev(who), "GET", BALANCE))
            for who in ("victim", "intruder")
        }
        return {
            "counts": counts,
            "orders": orders,
            "shops": shop_orders,
            "balances": balances,
            "refunds": reverse,
            "market_refunds": market,
        }

    def assert_untouched(self, before: dict[str, Any]) -> None:
        assert self.snapshot() == before
        for owner, order in self.orders.items():
            user = None if owner == "main" else owner
            shown = assert_ok(
                self.api.call(
                    self.victim, "GET", DETAIL, params={"orderId": order["orderId"]}, user_id=user
                )
            )
            assert shown["status"] == 0 and shown["pendingOperation"] is None
            assert shown["paidAmount"] == 0 and shown["voucher"] is None
            assert shown["receiver"]["name"] == RECEIVER["name"]
            assert order["orderId"] not in self.page_ids("intruder")
            assert order["orderId"] not in self.page_ids("intruder", user_id="alice")
        assert {o["orderId"] for o in self.orders.values()} <= self.page_ids("victim")
        for owner, refund in self.refunds.items():
            user = None if owner == "main" else owner
            shown = assert_ok(
                self.api.call(
                    self.victim,
                    "GET",
                    R.QUERY,
                    params={"refundId": refund["refundId"]},
                    user_id=user,
                )
            )["refundOrderAggregate"]["refundOrder"]
            assert shown["refundStatus"] == 10 and shown["pendingOperation"] is None
            assert refund["refundId"] not in self.refund_ids("intruder")
            assert refund["refundId"] not in self.refund_ids("intruder", user_id="alice")


def _sub_account(api: Any, dev: Any, user_id: str) -> None:
    assert_ok(api.call(dev, "POST", SUBACCOUNT, body={"userId": user_id, "userName": user_id}))


def _order(api: Any, dev: Any, lines: list[dict], number: str, user_id: str | None) -> dict:
    made = created(api, dev, lines, user_id=user_id, sellerOrderNumber=number)
    assert made["status"] == 0 and made["userId"] == user_id
    return {
        "orderId": made["orderId"],
        "sellerOrderNumber": number,
        "amount": made["purchaseAmount"],
    }


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One world per backend for the whole matrix: every case is a refused call and asserts
    that nothing changed, so the cases share the developers and orders. The developers' rate
    limit is out of the way: the matrix makes many calls a minute."""
    directory = tmp_path_factory.mktemp(f"taobao-isolation-{request.param}")
    with fresh_database(request.param, request, directory) as url:
        settings = make_settings(directory, url)
        with running_gateway(settings) as (db, api):
            yield _build_world(api, db, settings)


def _build_world(api: Any, db: Any, settings: Any) -> World:
    dev = api.create_developer(topup=100_000, rateLimitPerMinute=1_000_000)
    intruder = api.create_developer(topup=100_000, rateLimitPerMinute=1_000_000)
    for who, user in ((dev, "alice"), (dev, "bob"), (intruder, "alice")):
        _sub_account(api, who, user)
    (lines,) = shop_lines(settings, shops=1, per=1)
    orders = {
        "alice": _order(api, dev, lines, "iso-alice", "alice"),
        "main": _order(api, dev, lines, "iso-main", None),
    }
    # the intruder has an order of its own (its page is not empty)
    mine = _order(api, intruder, lines, "iso-intruder", None)
    refunds = {owner: _reverse_order(api, dev, settings, owner) for owner in TARGETS}
    paid = _reverse_order(api, intruder, settings, "main")  # the intruder's list is not empty
    return World(api, db, dev, intruder, orders, mine["orderId"], refunds, paid["orderId"])


def _reverse_order(api: Any, dev: Any, settings: Any, owner: str) -> dict[str, Any]:
    """A paid purchase order of two shops: a reverse order open on one sub-order, the other
    free."""
    user = None if owner == "main" else owner
    order = R.paid_order(api, dev, settings, user_id=user)
    taken, free = R.subs(order)
    refund = R.opened(api, dev, taken, fee=100, user_id=user)["refundOrder"]
    return {
        "refundId": refund["refundId"],
        "subOrderId": free["subOrderId"],
        "orderId": order["orderId"],
    }


# --- the refusals -------------------------------------------------------------------------------
# an id and a key no one has: a refusal of another's order must read exactly like theirs
NOBODY = {
    "orderId": "1999999999999999999",
    "sellerOrderNumber": "iso-nobody",
    "refundId": "TQ99999999999999999",
    "subOrderId": "1999999999999999998",
}


def _answer(r: Any, endpoint: Endpoint, target: dict) -> tuple[int, str]:
    """(code, msg and data) of the call, or of its one item for a batch; the order asked for is
    written ``ID`` so two answers for different orders compare."""
    body = r.json()
    if endpoint.per_item:
        (body,) = assert_ok(r)["results"]
        assert body["key"] == target["orderId"], body
        body = {**body, "data": None}
    text = json.dumps([body.get("msg"), body["data"]], ensure_ascii=False)
    for key in ("orderId", "sellerOrderNumber", "refundId", "subOrderId"):
        if key in target:
            text = text.replace(str(target[key]), "ID")
    return body["code"], text


def _refused(world: World, endpoint: Endpoint, caller: str, target: dict) -> None:
    who, user_id, code = CALLERS[caller]
    before = world.snapshot()
    r = world.call(who, user_id, endpoint, target)
    if endpoint.per_item:
        data = assert_ok(r)
        (item,) = data["results"]
        assert item["success"] is False and item["code"] == code, item
        assert data["successOrderIds"] == []
        assert [f["orderId"] for f in data["payFailOrders"]] == [target["orderId"]]
    else:
        assert_error(r, code)
    if code == NOT_FOUND:  # never reveal that it exists: the answer for an id no one has
        nobody = {**target, **NOBODY}
        unknown = world.call(who, user_id, endpoint, nobody)
        assert _answer(r, endpoint, target) == _answer(unknown, endpoint, nobody)
    world.assert_untouched(before)


@pytest.mark.parametrize(("endpoint", "caller", "target"), cases(ORDER_ENDPOINTS))
def test_an_order_of_another_developer_or_sub_account_is_refused_and_untouched(
    world, endpoint, caller, target
):
    _refused(world, endpoint, caller, world.orders[target])


@pytest.mark.parametrize(("endpoint", "caller", "target"), cases(REFUND_ENDPOINTS))
def test_a_reverse_order_of_another_developer_or_sub_account_is_refused_and_untouched(
    world, endpoint, caller, target
):
    _refused(world, endpoint, caller, world.refunds[target])


def test_the_reverse_order_list_shows_a_sub_account_only_its_own(world):
    alice, main = world.refunds["alice"], world.refunds["main"]
    victim_ids = {alice["refundId"], main["refundId"]}
    assert world.refund_ids("victim") == victim_ids  # the main account: all of the developer's
    assert world.refund_ids("victim", user_id="alice") == {alice["refundId"]}
    assert world.refund_ids("victim", user_id="bob") == set()
    assert len(world.refund_ids("intruder")) == 1
    assert world.refund_ids("intruder") & victim_ids == set()
    assert world.refund_ids("intruder", user_id="alice") == set()
    for refund in (alice, main):
        for who, user in (("intruder", None), ("intruder", "alice"), ("victim", "bob")):
            for body in (
                {"refundId": refund["refundId"]},
                {"purchaseOrderId": refund["orderId"]},
                {"refundStatus": 10},
            ):
                assert world.refund_ids(who, user, **body) & victim_ids == set()
    assert world.refund_ids("victim", "alice", purchaseOrderId=main["orderId"]) == set()
    # a cursor taken from the victim's list positions the others' lists, nothing more
    first = assert_ok(world.api.call(world.victim, "POST", R.LIST, body={"pageSize": 1}))
    assert first["nextCursor"]
    for who, user in (("intruder", None), ("victim", "bob")):
        assert world.refund_ids(who, user, cursor=first["nextCursor"]) & victim_ids == set()


# --- lists never show another's orders ----------------------------------------------------------
def test_the_page_shows_a_sub_account_only_its_own(world):
    paid = {owner: r["orderId"] for owner, r in world.refunds.items()}
    victim_ids = {o["orderId"] for o in world.orders.values()} | set(paid.values())
    alice, main = world.orders["alice"]["orderId"], world.orders["main"]["orderId"]
    assert world.page_ids("victim") == victim_ids  # the main account: all of the developer's
    assert world.page_ids("victim", user_id="alice") == {alice, paid["alice"]}
    assert world.page_ids("victim", user_id="bob") == set()
    assert world.page_ids("intruder") == {world.intruder_order, world.intruder_paid}
    assert world.page_ids("intruder", user_id="alice") == set()
    for order in world.orders.values():
        for who, user in (("intruder", None), ("intruder", "alice"), ("victim", "bob")):
            assert world.page_ids(who, user, sellerOrderNumber=order["sellerOrderNumber"]) == set()
            assert world.page_ids(who, user, status="0") & victim_ids == set()
    assert world.page_ids("victim", "alice", sellerOrderNumber="iso-main") == set()
    assert main not in world.page_ids("victim", "alice", status="0")
    # a cursor taken from the victim's page positions the others' pages, nothing more
    first = assert_ok(world.api.call(world.victim, "GET", PAGE, params={"pageSize": 1}))
    assert first["nextCursor"]
    for who, user in (("intruder", None), ("victim", "bob")):
        data = assert_ok(
            world.api.call(
                world.dev(who), "GET", PAGE, params={"cursor": first["nextCursor"]}, user_id=user
            )
        )
        assert {o["orderId"] for o in data["data"]} & victim_ids == set()
    # the victim's sellerOrderNumber is unknown to the intruder
    total = assert_ok(
        world.api.call(world.intruder, "GET", PAGE, params={"sellerOrderNumber": "iso-alice"})
    )["totalRecords"]
    assert total == 0


def test_the_main_account_reads_its_sub_accounts_orders(world):
    alice = world.orders["alice"]
    for user in (None, "alice"):
        for query in (
            {"orderId": alice["orderId"]},
            {"sellerOrderNumber": alice["sellerOrderNumber"]},
        ):
            shown = assert_ok(
                world.api.call(world.victim, "GET", DETAIL, params=query, user_id=user)
            )
            assert shown["orderId"] == alice["orderId"] and shown["userId"] == "alice"
        parcels = assert_ok(
            world.api.call(
                world.victim, "GET", LOGISTICS, params={"orderId": alice["orderId"]}, user_id=user
            )
        )
        assert parcels["orderId"] == alice["orderId"] and parcels["packages"] == []


# --- the main account acts on its sub-accounts' orders ------------------------------------------
def test_the_main_account_acts_on_its_sub_accounts_orders(api, dev, settings, db, app):
    """ENDPOINTS preamble: the main account sees all. It changes the consignee, asks for a chat
    link, pays (2.5 and 2.5b), uploads a voucher, cancels, reads the logistics and confirms
    receipt of orders its sub-account made; the sub-account sees each change."""
    _sub_account(api, dev, "alice")
    (lines,) = shop_lines(settings, shops=1, per=1)
    one, two, three, four = (
        created(api, dev, lines, user_id="alice", sellerOrderNumber=f"alice-{n}") for n in range(4)
    )

    moved = assert_ok(
        api.call(dev, "POST", WAREHOUSE, body={"orderId": one["orderId"], "receiver": MOVED})
    )
    assert moved["receiver"]["name"] == MOVED["name"]
    seen = assert_ok(
        api.call(dev, "GET", DETAIL, params={"orderId": one["orderId"]}, user_id="alice")
    )
    assert seen["receiver"]["name"] == MOVED["name"]
    link = assert_ok(
        api.call(dev, "POST", CHAT, body={"sourceType": "order", "bizId": one["orderId"]})
    )
    assert isinstance(link, str) and "token=" in link

    paid = assert_ok(api.call(dev, "POST", PAY, body={"orderId": one["orderId"]}))
    assert paid["status"] == 10 and paid["paidAmount"] == one["purchaseAmount"]
    out = assert_ok(api.call(dev, "POST", BULK, body={"orderIds": [two["orderId"]]}))
    assert out["successOrderIds"] == [two["orderId"]]
    uploaded = assert_ok(
        api.call(
            dev,
            "POST",
            VOUCHER,
            body={
                "orderId": three["orderId"],
                "transferAccountImgs": [IMAGE],
                "amount": three["purchaseAmount"],
            },
        )
    )
    assert uploaded["status"] == 1 and uploaded["voucher"]["reviewStatus"] == "pending"
    cancelled = assert_ok(api.call(dev, "POST", CANCEL, body={"orderId": four["orderId"]}))
    assert cancelled["status"] == 4

    (sales,) = assert_ok(api.call(dev, "GET", DETAIL, params={"orderId": one["orderId"]}))[
        "salesOrderIds"
    ]
    ship(api, sales)
    run_feed(app)
    parcels = assert_ok(api.call(dev, "GET", LOGISTICS, params={"orderId": one["orderId"]}))
    assert parcels["status"] == 11 and len(parcels["packages"]) == 1
    done = assert_ok(api.call(dev, "POST", RECEIVE, body={"orderId": one["orderId"]}))
    assert done["status"] == 20

    statuses = {
        o["orderId"]: o["status"]
        for o in assert_ok(api.call(dev, "GET", PAGE, params={"pageSize": 100}, user_id="alice"))[
            "data"
        ]
    }
    assert statuses == {
        one["orderId"]: 20,
        two["orderId"]: 10,
        three["orderId"]: 1,
        four["orderId"]: 4,
    }


def test_the_main_account_acts_on_its_sub_accounts_reverse_orders(api, dev, settings, app):
    """The main account opens, reads, lists, writes to, changes and withdraws reverse orders of
    its sub-account's purchase order; the sub-account sees each change, and its sibling none."""
    _sub_account(api, dev, "alice")
    _sub_account(api, dev, "bob")
    order = R.paid_order(api, dev, settings, user_id="alice")
    a, b = R.subs(order)
    form = assert_ok(R.render(api, dev, a["subOrderId"]))
    assert form["distributorId"] == dev.develop_id and form["saleFlag"] is True
    assert assert_ok(R.render(api, dev, a["subOrderId"], user_id="alice"))["distributorId"] == (
        "alice"
    )
    mine = R.opened(api, dev, a, fee=100)["refundOrder"]  # the main account opens it
    assert mine["userId"] == "alice"
    theirs = R.opened(api, dev, b, fee=100, user_id="alice")["refundOrder"]
    for user in (None, "alice"):
        ids = {r["refundId"] for r in (mine, theirs)}
        data = assert_ok(api.call(dev, "POST", R.LIST, body={}, user_id=user))
        assert {r["refundOrder"]["refundId"] for r in data["data"]} == ids
        assert (
            R.query(api, dev, theirs["refundId"], user_id=user)["refundOrder"]["userId"] == "alice"
        )
    assert assert_ok(api.call(dev, "POST", R.LIST, body={}, user_id="bob"))["data"] == []

    assert_ok(R.post(api, dev, R.MESSAGE, {"refundId": theirs["refundId"], "refundMessage": "hi"}))
    notes = assert_ok(
        R.post(api, dev, R.MESSAGES, {"refundId": theirs["refundId"]}, user_id="alice")
    )
    assert [n["content"] for n in notes["data"]] == ["hi"]
    changed = assert_ok(
        R.post(api, dev, R.MODIFY, {"refundId": theirs["refundId"], "refundFee": 50})
    )
    assert changed["refundOrder"]["refundFee"] == 50
    assert assert_ok(R.cancel(api, dev, theirs["refundId"]))["cancelSuccess"] is True
    assert (
        R.query(api, dev, theirs["refundId"], user_id="alice")["refundOrder"]["refundStatus"] == -20
    )
    assert_error(R.cancel(api, dev, mine["refundId"], user_id="bob"), OTHER_SUB_ACCOUNT)
