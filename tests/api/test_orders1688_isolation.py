"""Tenant isolation of the 1688 order and cart endpoints (CONTRACT section 4, ENDPOINTS 6, 8).

Every endpoint that names an order or a cart line is called with the ids of a victim developer:
- by another developer, and by that developer's sub-account of the same userId: 40401, as if
  the object did not exist (never reveal that it exists);
- by a sibling sub-account of the victim (the object is another sub-account's, or the main
  account's): 40302.
A 40401 must read exactly like the answer for an id no one has. After each refused call
nothing has changed: the order is still waitbuyerpay with nothing in flight, no outbox message
(but a bulk pay's ORDER_BATCH_PAY to the caller about its own batch), ledger entry, hold or
marketplace operation was written, the cart line is as it was, both wallets are where they
were, and the lists of the others still do not show the objects.

Left open (not asserted): what the main account gets for a sub-account's cart line. Carts are
per account (ENDPOINTS 8, cart1688/service.py), the code answers 40401; the ENDPOINTS preamble
says "the main account sees all".

The 1688 after-sales endpoints (ENDPOINTS 7) are called the same way on a paid order of the
victim's with a refund open (REFUND_ENDPOINTS): the refund stays as it was, and nothing reaches
the marketplace (its refunds are counted).

To cover a new endpoint, add one row to ORDER_ENDPOINTS, CART_ENDPOINTS or REFUND_ENDPOINTS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from daigou.aftersales.models import RefundEvent, RefundRecord, RefundWrite
from daigou.cart1688.models import Cart1688Line
from daigou.developers.models import ApiKey
from daigou.marketplace.sandbox.seller_models import SandboxRefund
from daigou.messages.models import OutboxMessage
from daigou.purchasing.models import PurchaseOrder as Order1688
from daigou.reconcile.models import MarketOperation
from daigou.wallet.models import Hold, LedgerEntry
from tests.support.api import assert_error, assert_ok
from tests.support.databases import BACKENDS, fresh_database
from tests.support.gateway import make_settings, running_gateway
from tests.support.orders1688 import ADDRESS, bulk, merchants, orderable
from tests.support.refunds1688 import DETAIL as REFUND_DETAIL
from tests.support.refunds1688 import PAGE as REFUND_PAGE
from tests.support.refunds1688 import refund_body

CREATE = "/alibaba/order/create"
DETAIL = "/alibaba/order/detail"
PAGE = "/alibaba/order/page"
BALANCE = "/open/account/balance"
SUBACCOUNT = "/open/subaccount/addOrUpdate"
CART_ADD = "/alibaba/cart/add"
CART_LIST = "/alibaba/cart/list"

NOT_FOUND, OTHER_SUB_ACCOUNT = 40401, 40302
BATCH_PAID = "ORDER_BATCH_PAY"


# --- the endpoints ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """One way to name an object: ``build(target)`` gives the body (POST) or query (GET).
    ``per_item``: a batch, which answers 200 with a failed result for the object."""

    method: str
    path: str
    build: Callable[[dict[str, Any]], dict[str, Any]]
    per_item: bool = False


ORDER_ENDPOINTS = [
    pytest.param(
        Endpoint("POST", DETAIL, lambda o: {"webSite": "1688", "orderId": o["orderId"]}),
        id="6.5-detail-orderId",
    ),
    pytest.param(
        Endpoint("POST", DETAIL, lambda o: {"webSite": "1688", "outOrderId": o["outOrderId"]}),
        id="6.5-detail-outOrderId",
    ),
    pytest.param(
        Endpoint(
            "POST",
            "/alibaba/order/cancel",
            lambda o: {"webSite": "1688", "orderId": o["orderId"], "cancelReason": "buyerCancel"},
        ),
        id="6.7-cancel",
    ),
    pytest.param(
        Endpoint("POST", "/alibaba/order/receivegoods", lambda o: {"orderId": o["orderId"]}),
        id="6.10-receivegoods",
    ),
    pytest.param(
        Endpoint("GET", "/alibaba/order/logistics/trace", lambda o: {"orderId": o["orderId"]}),
        id="6.11-logistics-trace",
    ),
    # ---- 6.8 / 6.9 pay ------------------------------------------------------------------------
    pytest.param(
        Endpoint("GET", "/alibaba/order/pay/url", lambda o: {"orderId": o["orderId"]}),
        id="6.8-pay-url",
    ),
    pytest.param(
        Endpoint(
            "POST",
            "/alibaba/order/batch/submit/to/pay",
            lambda o: {"orderIds": [o["orderId"]]},
            per_item=True,
        ),
        id="6.9-batch-pay",
    ),
    # ---- add further order endpoints here --------------------------------------------------
]

CART_ENDPOINTS = [
    pytest.param(
        Endpoint("POST", "/alibaba/cart/delete", lambda c: {"ids": [c["id"]]}, per_item=True),
        id="8.3-delete",
    ),
    pytest.param(
        Endpoint("POST", "/alibaba/cart/edit-quantity", lambda c: {"id": c["id"], "quantity": 1}),
        id="8.4-edit-quantity",
    ),
    pytest.param(
        Endpoint(
            "POST",
            "/alibaba/cart/preview/order",
            lambda c: {"cartIds": [c["id"]], "addressParam": ADDRESS},
        ),
        id="8.5-preview-order",
    ),
    pytest.param(
        Endpoint(
            "POST",
            "/alibaba/cart/create/order",
            lambda c: {"flow": "general", "addressParam": ADDRESS, "cartIds": [c["id"]]},
        ),
        id="8.6-create-order",
    ),
    # ---- add further cart endpoints here ---------------------------------------------------
]

# on a paid order of the victim's, with a refund open on its first line ({orderId, refundId,
# entryIds}); 7.2 names no object, 7.6 is a list (below)
REFUND_BY_ORDER = [
    pytest.param(
        Endpoint(
            "POST",
            "/alibaba/refund/reason/list",
            lambda r: {
                "orderId": r["orderId"],
                "orderEntryIds": r.get("entryIds", ["1"])[1:],
                "goodsStatus": "refundWaitSellerSend",
            },
        ),
        id="7.1-reason-list",
    ),
    pytest.param(
        Endpoint(
            "POST",
            "/alibaba/refund/detail/create",
            lambda r: refund_body(r["orderId"], r.get("entryIds", ["1", "2"])[1:], 1),
        ),
        id="7.3-create",
    ),
    # ---- add further after-sales endpoints naming an order here -----------------------------
]
REFUND_BY_ID = [
    pytest.param(
        Endpoint(
            "POST",
            "/alibaba/refund/goods/return",
            lambda r: {
                "refundId": r["refundId"],
                "logisticsCompanyNo": "YTO",
                "freightBill": "YT7512345678901",
            },
        ),
        id="7.4-goods-return",
    ),
    pytest.param(
        Endpoint("POST", REFUND_DETAIL, lambda r: {"refundId": r["refundId"]}),
        id="7.5-detail",
    ),
    pytest.param(
        Endpoint("POST", "/alibaba/refund/cancel", lambda r: {"refundId": r["refundId"]}),
        id="7.7-cancel",
    ),
    # ---- add further after-sales endpoints naming a refund here ----------------------------
]

# who calls: (which developer, user-id header, the code CONTRACT section 4 asks for)
CALLERS = {
    "another-developer": ("intruder", None, NOT_FOUND),
    "another-developers-sub-account-of-the-same-name": ("intruder", "alice", NOT_FOUND),
    "a-sibling-sub-account": ("victim", "bob", OTHER_SUB_ACCOUNT),
}
# whose object: the victim's sub-account alice, or the victim's main account
TARGETS = ("alice", "main")


def cases(endpoints: list[Any], sibling_mark: Any = None) -> list[Any]:
    out = []
    for endpoint in endpoints:
        for caller in CALLERS:
            for target in TARGETS:
                marks = list(endpoint.marks)
                if sibling_mark is not None and CALLERS[caller][2] == OTHER_SUB_ACCOUNT:
                    marks.append(sibling_mark)
                out.append(
                    pytest.param(
                        endpoint.values[0],
                        caller,
                        target,
                        id=f"{endpoint.id}-{caller}-{target}",
                        marks=marks,
                    )
                )
    return out


# --- the world ----------------------------------------------------------------------------------
@dataclass
class World:
    api: Any
    db: Any
    victim: Any
    intruder: Any
    orders: dict[str, dict[str, Any]]  # "alice" / "main" -> {orderId, outOrderId}
    cart: dict[str, dict[str, Any]]  # "alice" / "main" -> {id, quantity}
    intruder_order: str
    # "alice" / "main" -> a paid order with a refund open: {orderId, refundId, entryIds}
    refunds: dict[str, dict[str, Any]]
    intruder_refund: dict[str, Any]

    def dev(self, who: str) -> Any:
        return self.victim if who == "victim" else self.intruder

    def call(self, who: str, user_id: str | None, endpoint: Endpoint, target: dict) -> Any:
        payload = endpoint.build(target)
        if endpoint.method == "GET":
            return self.api.call(
                self.dev(who), "GET", endpoint.path, params=payload, user_id=user_id
            )
        return self.api.call(self.dev(who), "POST", endpoint.path, body=payload, user_id=user_id)

    def page_ids(self, who: str, user_id: str | None = None, **body: Any) -> set[str]:
        data = assert_ok(
            self.api.call(
                self.dev(who), "POST", PAGE, body={"pageSize": 100, **body}, user_id=user_id
            )
        )
        return {o["baseInfo"]["id"] for o in data["data"]}

    def cart_ids(self, who: str, user_id: str | None = None) -> set[int]:
        page = assert_ok(self.api.call(self.dev(who), "GET", CART_LIST, user_id=user_id))
        return {
            i["id"]
            for which in ("enableList", "disableList")
            for store in page[which]
            for i in store["cartItemInfos"]
        }

    def refund_ids(self, who: str, user_id: str | None = None, **body: Any) -> set[str]:
        data = assert_ok(
            self.api.call(
                self.dev(who), "POST", REFUND_PAGE, body={"pageSize": 100, **body}, user_id=user_id
            )
        )
        return {r["refundId"] for r in data["data"]}

    def developer_pk(self, who: str) -> int:
        with self.db.reading() as conn:
            return conn.execute(
                select(ApiKey.developer_id).where(ApiKey.access_key == self.dev(who).access_key)
            ).scalar_one()

    def batch_messages(self) -> set[tuple[int, str | None, str]]:
        with self.db.reading() as conn:
            return {
                tuple(r)
                for r in conn.execute(
                    select(
                        OutboxMessage.developer_id, OutboxMessage.user_id, OutboxMessage.body
                    ).where(OutboxMessage.message_type == BATCH_PAID)
                )
            }

    def snapshot(self) -> dict[str, Any]:
        """Everything a refused call must leave as it was."""
        refund_ids = [r["refundId"] for r in self.refunds.values()]
        mine = [o["orderId"] for o in [*self.orders.values(), *self.refunds.values()]]
        with self.db.reading() as conn:
            counts = {
                t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (
                    LedgerEntry,
                    Hold,
                    MarketOperation,
                    Order1688,
                    Cart1688Line,
                    RefundRecord,
                    RefundEvent,
                    RefundWrite,
                    SandboxRefund,  # the marketplace's: nothing was asked of it
                )
            }
            refunds = {
                tuple(r)
                for r in conn.execute(
                    select(
                        RefundRecord.refund_id,
                        RefundRecord.status,
                        RefundRecord.pending_operation,
                        RefundRecord.sequence,
                        RefundRecord.modified_at,
                        RefundRecord.snapshot,
                    ).where(RefundRecord.refund_id.in_(refund_ids))
                )
            }
            at_market = {
                tuple(r)
                for r in conn.execute(
                    select(SandboxRefund.refund_id, SandboxRefund.status, SandboxRefund.body)
                )
            }
            # a bulk pay (6.9) reports the caller's own batch to the caller: see _refused
            counts["outbox_message"] = conn.execute(
                select(func.count()).where(OutboxMessage.message_type != BATCH_PAID)
            ).scalar_one()
            orders = {
                tuple(r)
                for r in conn.execute(
                    select(
                        Order1688.order_id,
                        Order1688.status,
                        Order1688.pay_state,
                        Order1688.pending_operation,
                        Order1688.held_fen,
                        Order1688.paid_fen,
                        Order1688.pay_attempts,
                        Order1688.sequence,
                        Order1688.modified_at,
                    ).where(Order1688.order_id.in_(mine))
                )
            }
            messages = {
                tuple(r)
                for r in conn.execute(
                    select(OutboxMessage.object_id, OutboxMessage.message_type).where(
                        OutboxMessage.object_id.in_(mine + refund_ids)
                    )
                )
            }
            lines = {
                tuple(r)
                for r in conn.execute(
                    select(
                        Cart1688Line.id,
                        Cart1688Line.user_id,
                        Cart1688Line.quantity,
                        Cart1688Line.product_no,
                        Cart1688Line.updated_at,
                    ).where(Cart1688Line.id.in_([c["id"] for c in self.cart.values()]))
                )
            }
        balances = {
            who: assert_ok(self.api.call(self.dev(who), "GET", BALANCE))
            for who in ("victim", "intruder")
        }
        return {
            "counts": counts,
            "refunds": refunds,
            "at_market": at_market,
            "orders": orders,
            "messages": messages,
            "lines": lines,
            "balances": balances,
        }

    def assert_untouched(self, before: dict[str, Any]) -> None:
        after = self.snapshot()
        assert after == before
        for owner, order in self.orders.items():
            user = None if owner == "main" else owner
            shown = assert_ok(
                self.api.call(
                    self.victim, "POST", DETAIL, body={"orderId": order["orderId"]}, user_id=user
                )
            )
            assert shown["baseInfo"]["status"] == "waitbuyerpay"
            assert shown["gatewayInfo"]["payState"] == "none"
            assert shown["gatewayInfo"]["pendingOperation"] is None
            assert order["orderId"] not in self.page_ids("intruder")
            assert order["orderId"] not in self.page_ids("intruder", user_id="alice")
        assert {o["orderId"] for o in self.orders.values()} <= self.page_ids("victim")
        assert self.cart["alice"]["id"] in self.cart_ids("victim", "alice")
        assert self.cart["main"]["id"] in self.cart_ids("victim")
        for owner, made in self.refunds.items():
            user = None if owner == "main" else owner
            body = {"refundId": made["refundId"]}
            shown = assert_ok(
                self.api.call(self.victim, "POST", REFUND_DETAIL, body=body, user_id=user)
            )
            assert shown["refundStatus"] == "waitselleragree"
            assert shown["pendingOperation"] is None
            assert made["refundId"] not in self.refund_ids("intruder")
            assert made["refundId"] not in self.refund_ids("intruder", user_id="alice")


def _sub_account(api: Any, dev: Any, user_id: str) -> None:
    assert_ok(api.call(dev, "POST", SUBACCOUNT, body={"userId": user_id, "userName": user_id}))


def _order(api: Any, dev: Any, lines: list[dict], out: str, user_id: str | None) -> dict:
    body = {"flow": "general", "addressParam": ADDRESS, "cargoParamList": lines, "outOrderId": out}
    made = assert_ok(api.call(dev, "POST", CREATE, body=body, user_id=user_id))
    assert made["status"] == "waitbuyerpay"
    return {"orderId": made["orderId"], "outOrderId": out}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One world per backend for the whole matrix: every case is a refused call and asserts
    that nothing changed, so the cases share the developers, orders and cart lines (building
    them is most of a case's time). The developers' rate limit is out of the way: the matrix
    makes over a thousand calls a minute."""
    directory = tmp_path_factory.mktemp(f"isolation-{request.param}")
    with fresh_database(request.param, request, directory) as url:
        settings = make_settings(directory, url)
        with running_gateway(settings) as (db, api):
            yield _build_world(api, db, settings)


def _build_world(api: Any, db: Any, settings: Any) -> World:
    dev = api.create_developer(topup=100_000, rateLimitPerMinute=1_000_000)
    intruder = api.create_developer(topup=100_000, rateLimitPerMinute=1_000_000)
    for who, user in ((dev, "alice"), (dev, "bob"), (intruder, "alice")):
        _sub_account(api, who, user)
    ((_, lines),) = merchants(settings, 1, 1)
    orders = {
        "alice": _order(api, dev, lines, "iso-alice", "alice"),
        "main": _order(api, dev, lines, "iso-main", None),
    }
    # the intruder has an order and cart lines of its own (its lists are not empty)
    mine = _order(api, intruder, lines, "iso-intruder", None)
    (offer, sku, _), (offer2, sku2, _) = orderable(settings)[:2]
    cart = {}
    for owner, user in (("alice", "alice"), ("main", None)):
        body = {
            "offerId": offer.offer_id,
            "specId": sku.spec_id,
            "quantity": offer.min_order_quantity,
        }
        cart[owner] = assert_ok(api.call(dev, "POST", CART_ADD, body=body, user_id=user))
    body = {
        "offerId": offer2.offer_id,
        "specId": sku2.spec_id,
        "quantity": offer2.min_order_quantity,
    }
    assert_ok(api.call(intruder, "POST", CART_ADD, body=body))
    assert_ok(api.call(intruder, "POST", CART_ADD, body=body, user_id="alice"))
    refunds = {
        owner: _refunded(api, dev, settings, f"iso-refund-{owner}", user)
        for owner, user in (("alice", "alice"), ("main", None))
    }
    theirs = _refunded(api, intruder, settings, "iso-refund-intruder", None)  # not empty lists
    return World(api, db, dev, intruder, orders, cart, mine["orderId"], refunds, theirs)


def _refunded(api: Any, dev: Any, settings: Any, out: str, user_id: str | None) -> dict:
    """A paid order of two lines with a refund open on the first."""
    ((_, lines),) = merchants(settings, 1, 2)
    order = _order(api, dev, lines, out, user_id)
    assert assert_ok(bulk(api, dev, [order["orderId"]], user_id=user_id))["successOrderIds"]
    shown = assert_ok(api.call(dev, "POST", DETAIL, body={"orderId": order["orderId"]}))
    entries = [p["subItemID"] for p in shown["productItems"]]
    body = refund_body(order["orderId"], entries[:1], 1)
    made = assert_ok(
        api.call(dev, "POST", "/alibaba/refund/detail/create", body=body, user_id=user_id)
    )
    return {"orderId": order["orderId"], "refundId": made["refundId"], "entryIds": entries}


# --- the refusals -------------------------------------------------------------------------------
# ids no one has: a refusal of another's object must read exactly like theirs
NOBODY = {
    "orderId": "1999999999999999999",
    "outOrderId": "iso-nobody",
    "id": 987654321,
    "refundId": "TQ99999999999999999",
}


def _answer(r: Any, endpoint: Endpoint, target: dict, key: str) -> tuple[int, str]:
    """(code, msg, data) of the call, or of its one item for a batch; the id asked for is
    written ``ID`` so two answers for different ids compare."""
    body = r.json()
    if endpoint.per_item:
        (body,) = assert_ok(r)["results"]
        assert str(body.get("key", body.get("orderId"))) == str(target[key]), body
        body = {**body, "data": None}
    text = json.dumps([body.get("msg"), body["data"]], ensure_ascii=False)
    for value in (target[key], target.get("outOrderId")):
        if value is not None:
            text = text.replace(str(value), "ID")
    return body["code"], text


def _refused(world: World, endpoint: Endpoint, caller: str, target: dict, key: str) -> None:
    who, user_id, code = CALLERS[caller]
    before = world.snapshot()
    batches = world.batch_messages()
    r = world.call(who, user_id, endpoint, target)
    if endpoint.per_item:
        data = assert_ok(r)
        (item,) = data["results"]
        assert item["success"] is False and item["code"] == code, item
        if "successOrderIds" in data:  # 6.9: nothing paid, the order is a failed one
            assert data["successOrderIds"] == []
            assert [f["orderId"] for f in data["payFailOrders"]] == [target[key]]
            # its ORDER_BATCH_PAY goes to the caller, reporting the order as not paid
            for developer, user, body in world.batch_messages() - batches:
                assert (developer, user) == (world.developer_pk(who), user_id)
                assert [p["orderId"] for p in json.loads(body)["batchPay"]] == [target[key]]
                assert json.loads(body)["batchPay"][0]["status"].startswith("ORDER_NOT_")
    else:
        assert_error(r, code)
    if code == NOT_FOUND:  # never reveal that it exists: the answer for an id no one has
        nobody = {**target, key: NOBODY[key], "outOrderId": NOBODY["outOrderId"]}
        unknown = world.call(who, user_id, endpoint, nobody)
        assert _answer(r, endpoint, target, key) == _answer(unknown, endpoint, nobody, key)
    world.assert_untouched(before)


@pytest.mark.parametrize(("endpoint", "caller", "target"), cases(ORDER_ENDPOINTS))
def test_an_order_of_another_developer_or_sub_account_is_refused_and_untouched(
    world, endpoint, caller, target
):
    _refused(world, endpoint, caller, world.orders[target], "orderId")


@pytest.mark.parametrize(("endpoint", "caller", "target"), cases(REFUND_BY_ORDER))
def test_after_sales_on_an_order_of_another_developer_or_sub_account_is_refused(
    world, endpoint, caller, target
):
    _refused(world, endpoint, caller, world.refunds[target], "orderId")


@pytest.mark.parametrize(("endpoint", "caller", "target"), cases(REFUND_BY_ID))
def test_a_refund_of_another_developer_or_sub_account_is_refused_and_untouched(
    world, endpoint, caller, target
):
    _refused(world, endpoint, caller, world.refunds[target], "refundId")


@pytest.mark.parametrize(("endpoint", "caller", "target"), cases(CART_ENDPOINTS))
def test_a_cart_line_of_another_developer_or_sub_account_is_refused_and_untouched(
    world, endpoint, caller, target
):
    _refused(world, endpoint, caller, world.cart[target], "id")


# --- lists never show another's objects ---------------------------------------------------------
def test_the_page_of_another_developer_or_sub_account_never_lists_them(world):
    victim_ids = {o["orderId"] for o in world.orders.values()}
    assert world.page_ids("intruder") == {world.intruder_order, world.intruder_refund["orderId"]}
    assert world.page_ids("intruder", user_id="alice") == set()
    assert world.page_ids("victim", user_id="bob") == set()
    for order in world.orders.values():
        for who, user in (("intruder", None), ("intruder", "alice"), ("victim", "bob")):
            assert world.page_ids(who, user, outOrderId=order["outOrderId"]) == set()
            assert world.page_ids(who, user, status="waitbuyerpay") & victim_ids == set()
    # a cursor taken from the victim's page positions the intruder's page, nothing more
    first = assert_ok(world.api.call(world.victim, "POST", PAGE, body={"pageSize": 1}))
    assert first["nextCursor"]
    for who, user in (("intruder", None), ("victim", "bob")):
        data = assert_ok(
            world.api.call(
                world.dev(who), "POST", PAGE, body={"cursor": first["nextCursor"]}, user_id=user
            )
        )
        assert {o["baseInfo"]["id"] for o in data["data"]} & victim_ids == set()
    # the outOrderId of another developer is unknown to the intruder, used or not
    total = assert_ok(
        world.api.call(world.intruder, "POST", PAGE, body={"outOrderId": "iso-alice"})
    )["totalRecords"]
    assert total == 0


def test_the_cart_list_of_another_developer_or_sub_account_never_lists_them(world):
    victim_lines = {c["id"] for c in world.cart.values()}
    for who, user in (("intruder", None), ("intruder", "alice"), ("victim", "bob")):
        assert world.cart_ids(who, user) & victim_lines == set()
    assert world.cart_ids("victim", "alice") == {world.cart["alice"]["id"]}


# --- what the owners see --------------------------------------------------------------------------
def test_the_main_account_sees_its_sub_accounts_orders_and_the_owner_its_own(world):
    """ENDPOINTS preamble: a sub-account sees only its own objects; the main account sees all."""
    alice = world.orders["alice"]
    for user in (None, "alice"):
        for body in ({"orderId": alice["orderId"]}, {"outOrderId": alice["outOrderId"]}):
            shown = assert_ok(world.api.call(world.victim, "POST", DETAIL, body=body, user_id=user))
            assert shown["baseInfo"]["id"] == alice["orderId"]
            assert shown["gatewayInfo"]["userId"] == "alice"
        trace = assert_ok(
            world.api.call(
                world.victim,
                "GET",
                "/alibaba/order/logistics/trace",
                params={"orderId": alice["orderId"]},
                user_id=user,
            )
        )
        assert trace["orderId"] == alice["orderId"] and trace["logisticsTrace"] == []
    assert world.page_ids("victim") >= {o["orderId"] for o in world.orders.values()}
    assert world.page_ids("victim", user_id="alice") == {
        alice["orderId"],
        world.refunds["alice"]["orderId"],
    }
    # a sub-account does not see the main account's order (40302 above) nor list it
    assert world.orders["main"]["orderId"] not in world.page_ids("victim", user_id="alice")


def test_the_refund_page_of_another_never_lists_them_and_the_main_account_sees_all(world):
    """7.6 and 7.5: a sub-account sees its own refunds, the main account all of them."""
    alice, main = world.refunds["alice"], world.refunds["main"]
    victims = {alice["refundId"], main["refundId"]}
    assert world.refund_ids("intruder") == {world.intruder_refund["refundId"]}
    for who, user in (("intruder", None), ("intruder", "alice"), ("victim", "bob")):
        assert world.refund_ids(who, user) & victims == set()
        for made in (alice, main):
            assert world.refund_ids(who, user, orderId=made["orderId"]) == set()
    assert world.refund_ids("victim") == victims
    assert world.refund_ids("victim", user_id="alice") == {alice["refundId"]}
    assert world.refund_ids("victim", orderId=alice["orderId"]) == {alice["refundId"]}
    for user in (None, "alice"):
        body = {"refundId": alice["refundId"]}
        shown = assert_ok(
            world.api.call(world.victim, "POST", REFUND_DETAIL, body=body, user_id=user)
        )
        assert shown["userId"] == "alice" and shown["orderId"] == alice["orderId"]
    # alice does not see the main account's refund (40302: it is her developer's)
    body = {"refundId": main["refundId"]}
    r = world.api.call(world.victim, "POST", REFUND_DETAIL, body=body, user_id="alice")
    assert_error(r, OTHER_SUB_ACCOUNT)
    # a cursor taken from the victim's page positions the intruder's page, nothing more
    first = assert_ok(world.api.call(world.victim, "POST", REFUND_PAGE, body={"pageSize": 1}))
    assert first["nextCursor"]
    data = assert_ok(
        world.api.call(world.intruder, "POST", REFUND_PAGE, body={"cursor": first["nextCursor"]})
    )
    assert {r["refundId"] for r in data["data"]} & victims == set()
