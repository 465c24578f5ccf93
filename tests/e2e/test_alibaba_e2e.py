"""Issue 14's e2e: the whole 1688 purchase through `daigou serve` configured with the 1688 Open
Platform adapter (``DAIGOU_MARKETPLACE_1688=alibaba``) against the 1688 protocol stub on
loopback (tests/support/alibaba_stub.py, over its own sandbox seller on its own database).

The operator authorises the buyer account with the CLI; a developer with a callback receiver
then searches, opens an offer, previews, creates two orders, pays both in one bulk pay; the
stub's seller ships one; the gateway learns it only through its feed (the shipment pushed to
``POST /callbacks/alibaba``, the later messages only by the compensation pull, which also lists
the pushed ones again until confirmed: each still counts once);
the developer reads the trace, confirms receipt and asks part of the money back; the seller
agrees and the gateway credits it. Money is checked on both sides to the fen (the developer's
balance and ledger; what the stub's seller holds as paid and refunded), the callbacks in
order and once each, and the wire (each write sent once, every call signed)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from daigou.core.clock import ManualClock
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.sandbox.adapter import SandboxMarketplace
from daigou.marketplace.sandbox.clock import SandboxClock
from daigou.marketplace.sandbox.controls import SandboxOperator
from daigou_sdk import Client
from tests.support.alibaba_stub import WRITES, AlibabaStub
from tests.support.callbacks import Callbacks
from tests.support.cli import cli_runner
from tests.support.databases import BACKENDS, fresh_database
from tests.support.e2e_world import ADDRESS_1688, offers_1688
from tests.support.gateway import ADMIN_TOKEN, SECRET_KEY, make_settings
from tests.support.receiver import Receiver
from tests.support.serve import daigou_env, serving
from tests.support.wait import wait_until

ALI = P.Platform.ALIBABA
CREATE = "alibaba.trade.createCrossOrder"
PAY = "alibaba.trade.pay.protocolPay.preparePay"
IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"


class Market:
    """The stub's side: the sandbox seller behind it, on a database of its own."""

    def __init__(self, db: Database, sandbox: SandboxMarketplace, stub: AlibabaStub) -> None:
        self.db, self.sandbox, self.stub = db, sandbox, stub
        self.seller = SandboxOperator(sandbox)

    def raw_order(self, order_id: str) -> dict[str, Any]:
        """The seller's own record of an order (what it holds as paid and refunded)."""
        with self.db.reading() as conn:
            body: str = conn.execute(
                text("SELECT body FROM sandbox_order WHERE order_id = :o"), {"o": order_id}
            ).scalar_one()
        return dict(json.loads(body))

    def feed(self) -> int:
        """What the seller emitted since last time, kept for the compensation pull only."""
        return self.stub.queue_from_market()

    def push(self, gateway: str) -> list[int]:
        """What the seller emitted since last time, pushed to the gateway's receiver as 1688's
        message centre does (and kept for the compensation pull too, until confirmed)."""
        return self.stub.relay(f"{gateway}/callbacks/alibaba")

    def unconfirmed(self) -> list[int]:
        return [m.msg_id for m in self.stub.pushed if not m.confirmed]


@pytest.fixture
def market(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Market]:
    """The stub over a sandbox on SQLite (its database is not what this test is about)."""
    directory = tmp_path / "market"
    directory.mkdir()
    with fresh_database("sqlite", request, directory) as url:
        settings = make_settings(directory, url)
        db = Database(url, pool_size=5)
        # the seller's clock starts now and stands still: nothing ships or settles by itself
        sandbox = SandboxMarketplace(
            db, settings, SandboxClock(db, ManualClock(int(time.time() * 1000)))
        )
        try:
            with AlibabaStub(sandbox) as stub:
                yield Market(db, sandbox, stub)
        finally:
            db.dispose()


@pytest.fixture(params=BACKENDS)
def gateway_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The gateway's database (SQLite or PostgreSQL): the money and the records live here."""
    with fresh_database(request.param, request, tmp_path) as url:
        yield url


def test_the_whole_1688_purchase_through_the_open_platform_adapter(
    market: Market, gateway_url: str, tmp_path: Path
) -> None:
    stub = market.stub
    app = {
        "DAIGOU_MARKETPLACE_1688": "alibaba",
        "DAIGOU_ALIBABA_APP_KEY": stub.app_key,
        "DAIGOU_ALIBABA_APP_SECRET": stub.app_secret,
        "DAIGOU_ALIBABA_MEMBER_ID": stub.member_id,
        "DAIGOU_ALIBABA_BASE_URL": f"{stub.url}/openapi",
        "DAIGOU_ALIBABA_REDIRECT_URI": "http://127.0.0.1:9/callback",
        "DAIGOU_ALIBABA_CALLS_PER_SECOND": "50",
        # the compensation pull on every poll of the feed (60 s apart by default)
        "DAIGOU_ALIBABA_PULL_INTERVAL_SECONDS": "0",
    }
    # the operator authorises the buyer account: the code 1688's redirect carries, traded
    cli = cli_runner(tmp_path, gateway_url, app)
    page = cli("admin", "alibaba", "authorize", "--state", "e2e")
    assert page.exit_code == 0 and f"client_id={stub.app_key}" in page.stdout, page.output
    traded = cli("admin", "alibaba", "token", stub.issue_auth_code())
    assert traded.exit_code == 0, traded.output
    checked = cli("admin", "alibaba", "check")
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True, checked.output

    env = daigou_env(
        tmp_path / "var",
        gateway_url,
        DAIGOU_SECRET_KEY=SECRET_KEY,
        DAIGOU_ADMIN_TOKEN=ADMIN_TOKEN,
        DAIGOU_WORKER_POLL_SECONDS="0.2",
        **app,
    )
    with (
        serving(env) as (_child, base),
        Receiver() as rx,
        _client(tmp_path / "var", base) as client,
    ):
        secret = client.post("/open/callback/config", {"callbackUrl": rx.url})["secret"]
        rx.wait_for(1)
        rx.clear()
        cb = Callbacks(rx, secret)
        start = _balance(client)
        assert start["heldAmount"] == 0 and start["availableAmount"] > 0

        # search (5.2), open (5.1), preview (6.1): all answered by the stub's seller
        carts = offers_1688(client, 2)
        cargo = carts[0]
        offer = client.post(
            "/alibaba/product/detail/get", {"offerId": cargo[0]["offerId"], "country": "en"}
        )
        assert offer["offerId"] == cargo[0]["offerId"]
        sku = next(s for s in offer["productSkuInfos"] if s["specId"] == cargo[0]["specId"])
        seller_skus = {
            s.spec_id: s.price_fen
            for s in market.sandbox.offer(ALI, str(offer["offerId"]), "en").skus
        }
        assert sku["price"] == seller_skus[sku["specId"]]  # the stub's yuan text, back in fen
        priced = client.post(
            "/alibaba/order/create/preview", {"addressParam": ADDRESS_1688, "cargoParamList": cargo}
        )
        (quote,) = priced["orderPreviewResuslt"]

        # create (6.2) two orders, each with its own outOrderId
        made = [
            client.post(
                "/alibaba/order/create",
                {
                    "flow": "general",
                    "addressParam": ADDRESS_1688,
                    "cargoParamList": c,
                    "outOrderId": f"ali-e2e-{i}",
                },
            )
            for i, c in enumerate(carts)
        ]
        oid, other = (str(m["orderId"]) for m in made)
        assert made[0]["totalSuccessAmount"] == quote["sumPayment"]
        totals = {o: market.sandbox.order(ALI, o).total_fen for o in (oid, other)}
        assert totals[oid] == quote["sumPayment"]
        for o, m in zip((oid, other), made, strict=True):
            assert m["totalSuccessAmount"] == totals[o]
            assert market.raw_order(o)["out_order_id"]  # the gateway's key for its create

        # bulk pay (6.9): both paid, each once, at the seller's total
        paid = client.post("/alibaba/order/batch/submit/to/pay", {"orderIds": [oid, other]})
        assert paid["payFailOrders"] == [], paid
        assert sorted(paid["successOrderIds"]) == sorted([oid, other])
        assert [
            (r["index"], r["orderId"], r["success"], r["payState"], r["status"])
            for r in paid["results"]
        ] == [
            (0, oid, True, "paid", "waitsellersend"),
            (1, other, True, "paid", "waitsellersend"),
        ], paid["results"]
        after_pay = _balance(client)
        assert after_pay["availableAmount"] == start["availableAmount"] - sum(totals.values())
        assert after_pay["heldAmount"] == 0
        for o in (oid, other):
            assert market.raw_order(o)["status"] == "waitsellersend"
            assert market.raw_order(o)["paid_ms"]
            cb.wait_types(o, ["ORDER_BUYER_VIEW_BUYER_MAKE", "ORDER_BUYER_VIEW_ORDER_PAY"])

        # the seller ships; 1688 pushes it to the gateway's receiver (the same messages stay
        # listed by the compensation pull until confirmed: each must still count once)
        market.seller.ship(ALI, oid, bill_no="SF20260903001")
        statuses = market.push(base)
        assert statuses and set(statuses) == {200}, statuses
        wait_until(
            lambda: _detail(client, oid)["baseInfo"]["status"] == "waitbuyerreceive",
            timeout=15,
            interval=0.2,
            message=lambda: f"gateway still sees {_detail(client, oid)['baseInfo']['status']}",
        )
        cb.wait(lambda _: "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS" in cb.for_order(oid))

        # the trace (6.11) as the stub's logistics API tells it
        trace = client.get("/alibaba/order/logistics/trace", {"orderId": oid})
        (parcel,) = trace["logisticsTrace"]
        assert parcel["logisticsBillNo"] == "SF20260903001" and parcel["logisticsSteps"]

        # confirm receipt (6.10)
        done = client.post("/alibaba/order/receivegoods", {"orderId": oid})
        assert done["success"] is True, done
        assert market.raw_order(oid)["status"] == "confirm_goods"
        market.feed()
        cb.wait(lambda _: "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS" in cb.for_order(oid))

        # a refund of part of one line (7.1, 7.3); the seller agrees; the gateway credits it
        line = _detail(client, oid)["productItems"][0]
        entry = str(line["subItemID"])
        asked = client.post(
            "/alibaba/refund/reason/list",
            {"orderId": oid, "orderEntryIds": [entry], "goodsStatus": "refundBuyerReceived"},
        )
        reason = next(r for r in asked["reasons"] if not r["needVoucher"])
        amount = min(line["itemAmount"] // 2, asked["maxApplyPayment"])
        assert amount > 0
        refund = client.post(
            "/alibaba/refund/detail/create",
            {
                "orderId": oid,
                "orderEntryIds": [entry],
                "disputeRequest": "refund",
                "applyPayment": amount,
                "applyCarriage": 0,
                "applyReasonId": reason["id"],
                "description": "half of it arrived broken",
                "goodsStatus": "refundBuyerReceived",
            },
        )
        rid = refund["refundId"]
        assert market.sandbox.refund(ALI, rid).status == "waitselleragree"
        market.seller.refund_act(ALI, rid, "agree")
        market.feed()
        wait_until(
            lambda: _refund(client, rid)["refundStatus"] == "refundsuccess",
            timeout=15,
            interval=0.2,
            message=lambda: f"the gateway's refund is {_refund(client, rid)['refundStatus']}",
        )
        wait_until(
            lambda: _balance(client)["availableAmount"] == after_pay["availableAmount"] + amount,
            timeout=15,
            interval=0.2,
            message=lambda: f"balance {_balance(client)}, wanted +{amount}",
        )
        cb.wait(lambda _: _refunded(cb, rid) and _order_steps(cb, oid)[-1:] == [IN_SALES])

        # --- money: the developer's side ---------------------------------------------------
        end = _balance(client)
        assert end["heldAmount"] == 0
        assert end["availableAmount"] == start["availableAmount"] - sum(totals.values()) + amount
        for o in (oid, other):
            entries = _ledger(client, o)
            spent = [e for e in entries if e["type"] != "refund"]
            assert sorted(e["type"] for e in spent) == ["capture", "hold"], entries
            assert -sum(e["amount"] for e in spent) == totals[o], entries  # paid = the total
            assert sum(e["heldDelta"] for e in entries) == 0, entries  # nothing left held
        credits = [e for e in _ledger(client, oid) if e["type"] == "refund"]
        assert [(e["amount"], e["refundId"]) for e in credits] == [(amount, rid)]
        assert not [e for e in _ledger(client, other) if e["type"] == "refund"]
        gateway_order = _detail(client, oid)
        assert gateway_order["gatewayInfo"]["paidAmount"] == totals[oid]
        assert gateway_order["gatewayInfo"]["refundedAmount"] == amount
        assert _refund(client, rid)["refundPayment"] == amount

        # --- money: the seller's side, the same numbers -------------------------------------
        seller_refund = market.sandbox.refund(ALI, rid)
        assert (seller_refund.status, seller_refund.refund_payment_fen) == ("refundsuccess", amount)
        assert market.raw_order(oid)["refunded_fen"] == amount
        assert market.raw_order(other)["refunded_fen"] == 0
        # its only line refunded, the seller ended the trade; the gateway's record followed
        assert gateway_order["baseInfo"]["status"] == market.raw_order(oid)["status"]
        pays = [json.loads(c.params["tradeWithholdPreparePayParam"]) for c in stub.calls_to(PAY)]
        assert {str(p["orderId"]): p["payAmount"] for p in pays} == totals
        assert len(pays) == 2 and len({p["opRequestId"] for p in pays}) == 2  # once per order

        # --- callbacks: in order, each once --------------------------------------------------
        assert _order_steps(cb, oid) == [
            "ORDER_BUYER_VIEW_BUYER_MAKE",
            "ORDER_BUYER_VIEW_ORDER_PAY",
            "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS",
            "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS",
            IN_SALES,  # the order ended by the refund
        ]
        assert _order_steps(cb, other) == [
            "ORDER_BUYER_VIEW_BUYER_MAKE",
            "ORDER_BUYER_VIEW_ORDER_PAY",
        ]
        refund_messages = _refund_messages(cb, rid)
        assert [(m["messageType"], _status(m)) for m in refund_messages] == [
            (IN_SALES, "waitselleragree"),
            (IN_SALES, "refundsuccess"),
        ]
        assert [m["messageBody"]["sequence"] for m in refund_messages] == [1, 2]
        for o in (oid, other):
            seqs = [m["messageBody"]["sequence"] for m in _order_messages(cb, o)]
            assert seqs == list(range(1, len(seqs) + 1)), seqs
        (batch,) = [m for m in cb.all() if m["messageType"] == "ORDER_BATCH_PAY"]
        assert {e["orderId"]: e["status"] for e in batch["messageBody"]["batchPay"]} == {
            oid: "successed",
            other: "successed",
        }
        wallet = [
            m["messageBody"]["entry"]
            for m in cb.all()
            if m["messageType"] == "WALLET_BALANCE_CHANGE"
            and m["messageBody"]["entry"]["orderId"] is not None
        ]
        assert sorted((e["type"], e["orderId"], e["amount"]) for e in wallet) == sorted(
            [("hold", o, -totals[o]) for o in (oid, other)]
            + [("capture", o, 0) for o in (oid, other)]
            + [("refund", oid, amount)]
        )
        delivered = [r.headers["webhook-id"] for r in rx.requests]
        assert len(delivered) == len(set(delivered))  # each message delivered once

        # --- the wire: writes sent once, every call signed, the feed confirmed ---------------
        creates = stub.calls_to(CREATE)
        assert sorted(c.params["outOrderId"] for c in creates) == sorted(
            market.raw_order(o)["out_order_id"] for o in (oid, other)
        )  # one createCrossOrder per order, with the gateway's key
        for api in ("trade.receivegoods.confirm", "alibaba.trade.createRefund"):
            assert len(stub.calls_to(api)) == 1, api
        assert [c.params["grant_type"] for c in stub.calls_to("getToken")] == [
            "authorization_code"
        ]  # the operator's code traded once (the token endpoint takes the secret, unsigned)
        for call in stub.calls:  # the stub refuses a bad signature: every call passed it
            if call.api == "getToken":
                continue
            assert call.params.get("_aop_signature"), call.api
            assert call.answered == 200, (call.api, call.answered)
            if call.api in WRITES:
                assert call.params.get("access_token"), call.api
        assert stub.calls_to("push.query.messageList")
        assert _local_sandbox_orders(gateway_url) == 0  # the gateway's own sandbox sold nothing
        wait_until(
            lambda: not market.unconfirmed(),
            timeout=10,
            interval=0.2,
            message=lambda: f"never confirmed: {market.unconfirmed()}",
        )


# --- helpers --------------------------------------------------------------------------------
def _client(data_dir: Path, base: str) -> Client:
    creds = json.loads((data_dir / "demo-credentials.json").read_text())
    return Client(base, creds["accessKey"], creds["secret"])


def _local_sandbox_orders(url: str) -> int:
    db = Database(url, pool_size=1)
    try:
        with db.reading() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM sandbox_order")).scalar_one())
    finally:
        db.dispose()


def _balance(client: Client) -> dict[str, Any]:
    return dict(client.balance())


def _detail(client: Client, order_id: str) -> dict[str, Any]:
    return dict(client.post("/alibaba/order/detail", {"webSite": "1688", "orderId": order_id}))


def _refund(client: Client, refund_id: str) -> dict[str, Any]:
    return dict(client.post("/alibaba/refund/detail/get", {"refundId": refund_id}))


def _ledger(client: Client, order_id: str) -> list[dict[str, Any]]:
    return list(client.get("/open/account/ledger", {"orderId": order_id, "pageSize": 100})["data"])


def _order_messages(cb: Callbacks, order_id: str) -> list[dict[str, Any]]:
    """The order's own callbacks (a refund's carry its refundId and their own sequence)."""
    return [
        m
        for m in cb.all()
        if m["messageBody"].get("orderId") == order_id and "refundId" not in m["messageBody"]
    ]


def _order_steps(cb: Callbacks, order_id: str) -> list[str]:
    return [m["messageType"] for m in _order_messages(cb, order_id)]


def _refund_messages(cb: Callbacks, refund_id: str) -> list[dict[str, Any]]:
    return [m for m in cb.all() if m["messageBody"].get("refundId") == refund_id]


def _status(message: dict[str, Any]) -> Any:
    body = message["messageBody"]
    return body["currentStatus"] if "currentStatus" in body else body["refundStatus"]


def _refunded(cb: Callbacks, refund_id: str) -> bool:
    return any(_status(m) == "refundsuccess" for m in _refund_messages(cb, refund_id))
