"""The after-sales core driven through its Python API (``daigou.aftersales``), shared by the
after-sales core, fault and stateful tests: a developer and its paid orders made through the
signed API (1688 orders, Taobao purchase orders), refund drafts for them, the buyer's writes,
the sandbox seller's answers, and read-backs of what the gateway recorded (the refund record,
its history, its messages, the ledger's refund entries, the marketplace call log)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from daigou.aftersales.models import RefundEvent, RefundRecord, RefundWrite
from daigou.aftersales.profile import RefundProfile
from daigou.developers import service as developers
from daigou.marketplace import port as P
from daigou.marketplace.calls import MarketCall
from daigou.messages.models import OutboxMessage
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PurchaseOrder
from daigou.reconcile.models import MarketOperation
from daigou.refunds1688.profile import PROFILE as REFUNDS_1688
from daigou.refundstaobao.profile import PROFILE as REFUNDS_TAOBAO
from daigou.wallet import service as wallet
from daigou.wallet.models import Hold, LedgerEntry
from tests.support import orders1688 as o1688
from tests.support import taobao as tb
from tests.support.api import assert_ok
from tests.support.gateway import Api, Dev

A = P.Platform.ALIBABA
T = P.Platform.TAOBAO
SUBACCOUNT = "/open/subaccount/addOrUpdate"
NOT_RECEIVED = "refundWaitSellerSend"
RECEIVED = "refundBuyerReceived"
PROFILES = {A: REFUNDS_1688, T: REFUNDS_TAOBAO}


@dataclass
class World:
    """One test's gateway (the ``app`` fixture's) and one developer in it."""

    app: Any
    api: Api
    db: Any
    settings: Any
    dev: Dev
    developer_id: int
    topups: int = 0
    n: int = field(default=0)

    # --- what the composition root built -------------------------------------------------
    @property
    def gateway(self) -> Any:
        return self.app.state.gateway

    @property
    def market(self) -> P.Marketplace:
        return self.gateway.marketplaces  # guarded: every call is logged

    @property
    def sandbox(self) -> Any:
        return self.gateway.sandbox

    @property
    def clock(self) -> Any:
        return self.gateway.clock

    def now(self) -> int:
        return int(self.clock.now_ms())

    def buyer(self, user_id: str | None = None) -> Buyer:
        return Buyer(self.developer_id, self.dev.develop_id, user_id)

    # --- the worker's jobs, once each ------------------------------------------------------
    def feed(self, platform: P.Platform = A) -> int:
        return int(self.gateway.feeds[platform].run_once())

    def reconcile(self) -> int:
        return int(self.gateway.reconciler.run_once(limit=500))

    def advance(self, seconds: int) -> None:
        """Move the sandbox clock (the gateway's too); the seller's due timers fire."""
        self.sandbox.advance(seconds=seconds)

    # --- money -------------------------------------------------------------------------------
    def topup(self, amount: int) -> None:
        self.n += 1
        body = {
            "developId": self.dev.develop_id,
            "type": "topup",
            "amount": amount,
            "reference": f"topup-{self.n}",
        }
        assert_ok(self.api.admin("POST", "/admin/wallet/adjust", body))
        self.topups += amount

    def sub_account(self, user_id: str) -> None:
        body = {"userId": user_id, "userName": user_id}
        assert_ok(self.api.call(self.dev, "POST", SUBACCOUNT, body=body))


def make_world(app: Any, api: Api, db: Any, settings: Any, topup: int = 1_000_000) -> World:
    dev = api.create_developer()
    with db.transaction() as s:
        pk = developers.developer_pk_in(s, dev.develop_id)
    w = World(app, api, db, settings, dev, pk)
    if topup:
        w.topup(topup)
    return w


# --- orders ---------------------------------------------------------------------------------
def order_row(db: Any, platform: P.Platform | str, order_id: str) -> PurchaseOrder:
    with db.transaction() as s:
        row = s.get(PurchaseOrder, (str(platform), order_id))
        assert row is not None, order_id
        s.expunge(row)
    return row


def paid_1688(w: World, *, lines: int = 1, seller: int = 0, user_id: str | None = None) -> str:
    """A 1688 order of ``lines`` lines of one seller, created and paid through the signed API."""
    chosen = o1688.merchants(w.settings, seller + 1, lines)[seller][1]
    made = assert_ok(o1688.create(w.api, w.dev, chosen, user_id=user_id))
    order_id = str(made["orderId"])
    paid = assert_ok(o1688.bulk(w.api, w.dev, [order_id], user_id=user_id))
    assert paid["successOrderIds"] == [order_id], paid
    return order_id


def paid_taobao(w: World, *, per: int = 1, user_id: str | None = None) -> tuple[str, str]:
    """A Taobao purchase order of one shop, paid from the wallet: (purchase order id, the
    shop order's id, the core's record)."""
    (lines,) = tb.shop_lines(w.settings, shops=1, per=per)
    made = tb.created(w.api, w.dev, lines, user_id=user_id)
    assert_ok(tb.pay(w.api, w.dev, made["orderId"], user_id=user_id))
    (shop_order,) = made["salesOrderIds"]
    return str(made["orderId"]), str(shop_order)


def ship(w: World, platform: P.Platform, order_id: str) -> None:
    w.sandbox.ship(platform, order_id)


def market_order(w: World, platform: P.Platform, order_id: str) -> P.MarketOrder:
    return w.gateway.marketplaces.order(platform, order_id)


def draft(
    w: World,
    platform: P.Platform,
    order_id: str,
    *,
    entry_ids: tuple[str, ...] | None = None,
    dispute: str = "refund",
    payment: int | None = None,
    carriage: int | None = None,
    goods_status: str = NOT_RECEIVED,
    reason_id: int = 1,
    description: str = "not wanted",
    vouchers: tuple[str, ...] = (),
) -> P.RefundDraft:
    """A refund of ``entry_ids`` (default all lines); by default everything still refundable:
    the lines' share of what was paid for goods and, for the whole order, the freight."""
    order = market_order(w, platform, order_id)
    ids = entry_ids if entry_ids is not None else tuple(ln.entry_id for ln in order.lines)
    if payment is None:
        lines_fen = sum(ln.amount_fen for ln in order.lines if ln.entry_id in ids)
        payment = lines_fen * (order.total_fen - order.shipping_fen) // order.product_fen
    if carriage is None:
        whole = set(ids) == {ln.entry_id for ln in order.lines}
        carriage = order.shipping_fen if whole else 0
    return P.RefundDraft(
        platform=platform,
        order_id=order_id,
        entry_ids=ids,
        dispute_request=dispute,
        goods_status=goods_status,
        apply_payment_fen=payment,
        apply_carriage_fen=carriage,
        reason_id=reason_id,
        description=description,
        vouchers=vouchers,
    )


# --- read-backs -----------------------------------------------------------------------------
def record(db: Any, platform: P.Platform | str, refund_id: str) -> RefundRecord:
    with db.transaction() as s:
        row = s.get(RefundRecord, (str(platform), refund_id))
        assert row is not None, refund_id
        s.expunge(row)
    return row


def records_of(db: Any, platform: P.Platform | str | None = None) -> list[RefundRecord]:
    with db.transaction() as s:
        q = select(RefundRecord).order_by(RefundRecord.created_at, RefundRecord.refund_id)
        if platform is not None:
            q = q.where(RefundRecord.platform == str(platform))
        rows = list(s.execute(q).scalars())
        for r in rows:
            s.expunge(r)
    return rows


def events(db: Any, platform: P.Platform | str, refund_id: str) -> list[RefundEvent]:
    with db.transaction() as s:
        rows = list(
            s.execute(
                select(RefundEvent)
                .where(RefundEvent.platform == str(platform), RefundEvent.refund_id == refund_id)
                .order_by(RefundEvent.id)
            ).scalars()
        )
        for r in rows:
            s.expunge(r)
    return rows


def moves(db: Any, platform: P.Platform | str, refund_id: str) -> list[tuple[str, str, Any, str]]:
    """(operateType, operator, status before, status after) of the refund's history."""
    return [
        (e.operate_type, e.operator, e.status_before, e.status_after)
        for e in events(db, platform, refund_id)
    ]


def refund_messages(db: Any, refund_id: str) -> list[dict[str, Any]]:
    """The messages recorded about one refund, in the order written: each body with its
    ``type``, ``sequence``, ``key``, ``platform`` and ``userId``."""
    with db.reading() as conn:
        rows = conn.execute(
            select(
                OutboxMessage.message_type,
                OutboxMessage.sequence,
                OutboxMessage.order_key,
                OutboxMessage.platform,
                OutboxMessage.user_id,
                OutboxMessage.developer_id,
                OutboxMessage.body,
            )
            .where(OutboxMessage.object_id == refund_id)
            .order_by(OutboxMessage.seq)
        ).all()
    return [
        {
            "type": t,
            "sequence": n,
            "key": k,
            "platform": p,
            "userId": u,
            "developerId": d,
            **json.loads(b),
        }
        for t, n, k, p, u, d, b in rows
    ]


def refund_entries(db: Any, developer_id: int | None = None) -> list[LedgerEntry]:
    """The ledger's ``refund`` entries (of one developer), oldest first."""
    with db.transaction() as s:
        q = select(LedgerEntry).where(LedgerEntry.type == "refund").order_by(LedgerEntry.seq)
        if developer_id is not None:
            q = q.where(LedgerEntry.developer_id == developer_id)
        rows = list(s.execute(q).scalars())
        for r in rows:
            s.expunge(r)
    return rows


def wallet_messages(db: Any, developer_id: int) -> list[dict[str, Any]]:
    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.sequence, OutboxMessage.body)
            .where(
                OutboxMessage.developer_id == developer_id,
                OutboxMessage.message_type == wallet.WALLET_MESSAGE,
            )
            .order_by(OutboxMessage.seq)
        ).all()
    return [{"sequence": n, **json.loads(b)} for n, b in rows]


def hold_of(db: Any, platform: P.Platform, order_id: str) -> Hold:
    """The order's captured hold."""
    with db.transaction() as s:
        (h,) = s.execute(
            select(Hold).where(
                Hold.platform == platform.message_platform,
                Hold.order_id == order_id,
                Hold.status == "captured",
            )
        ).scalars()
        s.expunge(h)
    return h


def balance(db: Any, developer_id: int) -> tuple[int, int]:
    """(available, held) of the developer's wallet."""
    b = wallet.get_balance(db, developer_id)
    return b.availableAmount, b.heldAmount


def calls(w: World, operation: str, key: str | None = None) -> int:
    """How many times the gateway called the marketplace's ``operation`` (with ``key``)."""
    w.gateway.call_log.flush()
    with w.db.reading() as conn:
        q = select(func.count()).select_from(MarketCall).where(MarketCall.operation == operation)
        if key is not None:
            q = q.where(MarketCall.key == key)
        return int(conn.execute(q).scalar_one())


def operations(db: Any, object_type: str | None = None) -> list[MarketOperation]:
    with db.transaction() as s:
        q = select(MarketOperation).order_by(MarketOperation.started_at)
        if object_type is not None:
            q = q.where(MarketOperation.object_type == object_type)
        rows = list(s.execute(q).scalars())
        for r in rows:
            s.expunge(r)
    return rows


def writes_of(db: Any, refund_id: str | None = None) -> list[RefundWrite]:
    with db.transaction() as s:
        q = select(RefundWrite).order_by(RefundWrite.created_at, RefundWrite.operation_id)
        if refund_id is not None:
            q = q.where(RefundWrite.refund_id == refund_id)
        rows = list(s.execute(q).scalars())
        for r in rows:
            s.expunge(r)
    return rows


def expire_leases(db: Any) -> None:
    """As if the requests that began the open operations had died: their leases lapse."""
    with db.transaction() as s:
        s.execute(MarketOperation.__table__.update().values(lease_until=0))


def profile_of(platform: P.Platform) -> RefundProfile:
    return PROFILES[platform]
