"""The sandbox seller: orders and refunds of the simulated 1688 and Taobao, on the sandbox clock.

One state machine serves both platforms. Its states are 1688's (CONTRACT section 7); a Taobao
order or refund shows PandaPon's numeric codes instead (:data:`TAOBAO_ORDER`,
:data:`TAOBAO_REFUND`), and a Taobao order skips ``confirm_goods`` (receipt finishes it).

Orders::

    waitbuyerpay --pay--> waitsellersend --all lines shipped--> waitbuyerreceive
        --confirm (buyer, or auto-confirm after delivery)--> confirm_goods --settle--> success
    waitbuyerpay --buyer cancel / pay timeout / seller close--> cancel
    waitsellersend | waitbuyerreceive | confirm_goods --every line refunded--> terminated

Refunds::

    waitselleragree --agree--> refundsuccess (refund) | waitbuyersend (returnRefund)
    waitbuyersend --goods sent back--> waitsellerreceive --received--> refundsuccess
    waitselleragree | waitsellerreceive --refuse--> waitbuyermodify --modify--> waitselleragree
    waitselleragree | waitbuyermodify | waitbuyersend --cancel, close or timeout--> refundclose

Every move goes through :func:`_move`, which refuses anything off these arrows. What the
seller does by itself is a timer (``sandbox_timer``) fired in time order as the sandbox clock
passes it: the pay timeout, shipping a paid order, logistics steps, delivery, auto-confirm,
settlement, the seller's answer to a refund (``DAIGOU_SANDBOX_REFUND_POLICY``), the buyer's
time to send goods back. A timer is a check: when the object has moved on, it does nothing.

Rules a create or preview applies per line (a failing line goes to ``failures``, the rest is
ordered): the offer exists and is on sale, the SKU exists (``spec_id``; may be omitted for a
one-SKU offer), the quantity reaches the minimum and the SKU's stock covers it, and the offer
belongs to the draft's seller. Lines ship from one of two warehouses (a fixed quarter of the
offers ships from the seller's second warehouse), and 1688 splits a create into one order per
warehouse. Freight is per order: the largest first-kilo fee of its lines plus the largest
extra-kilo fee per started kilo above the first. Each seller has one shop promotion ("spend
X, save Y"), applied when the order reaches X and the draft does not name another.

Stock is not consumed by sandbox orders (set it with 12.19). Every change writes the message a
real marketplace would push (1688 topics of CONTRACT section 9, Taobao equivalents), read back
in push order through ``Marketplace.messages``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.db.session import Database
from daigou.db.upsert import increment, insert_ignore
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import goods
from daigou.marketplace.sandbox.clock import SandboxClock
from daigou.marketplace.sandbox.seller_models import (
    SandboxCounter,
    SandboxMessage,
    SandboxOrder,
    SandboxRefund,
    SandboxTimer,
    SandboxWrite,
)

if TYPE_CHECKING:
    from daigou.marketplace.sandbox.adapter import SandboxMarketplace

log = logging.getLogger("daigou.sandbox")

# --- states ----------------------------------------------------------------------------------
WAIT_PAY = "waitbuyerpay"
WAIT_SEND = "waitsellersend"
WAIT_RECEIVE = "waitbuyerreceive"
CONFIRMED = "confirm_goods"
SUCCESS = "success"
CANCEL = "cancel"
TERMINATED = "terminated"

ORDER_MOVES: dict[str, frozenset[str]] = {
    WAIT_PAY: frozenset({WAIT_SEND, CANCEL}),
    WAIT_SEND: frozenset({WAIT_RECEIVE, TERMINATED}),
    WAIT_RECEIVE: frozenset({CONFIRMED, SUCCESS, TERMINATED}),  # SUCCESS: Taobao only
    CONFIRMED: frozenset({SUCCESS, TERMINATED}),
    SUCCESS: frozenset(),
    CANCEL: frozenset(),
    TERMINATED: frozenset(),
}

R_WAIT_AGREE = "waitselleragree"
R_WAIT_MODIFY = "waitbuyermodify"
R_WAIT_SEND = "waitbuyersend"
R_WAIT_RECEIVE = "waitsellerreceive"
R_SUCCESS = "refundsuccess"
R_CLOSED = "refundclose"

REFUND_MOVES: dict[str, frozenset[str]] = {
    R_WAIT_AGREE: frozenset({R_SUCCESS, R_WAIT_SEND, R_WAIT_MODIFY, R_CLOSED}),
    R_WAIT_MODIFY: frozenset({R_WAIT_AGREE, R_CLOSED}),
    R_WAIT_SEND: frozenset({R_WAIT_RECEIVE, R_CLOSED}),
    R_WAIT_RECEIVE: frozenset({R_SUCCESS, R_WAIT_MODIFY}),
    R_SUCCESS: frozenset(),
    R_CLOSED: frozenset(),
}
REFUND_OPEN = frozenset({R_WAIT_AGREE, R_WAIT_MODIFY, R_WAIT_SEND, R_WAIT_RECEIVE})

TAOBAO_ORDER = {
    WAIT_PAY: "0",
    WAIT_SEND: "10",
    WAIT_RECEIVE: "11",
    CONFIRMED: "11",
    SUCCESS: "20",
    CANCEL: "4",
    TERMINATED: "4",
}
TAOBAO_REFUND = {
    R_WAIT_AGREE: "10",
    R_WAIT_SEND: "20",
    R_WAIT_RECEIVE: "30",
    R_SUCCESS: "100",
    R_WAIT_MODIFY: "-10",
    R_CLOSED: "-20",
}

# --- 1688 message topics (CONTRACT section 9) and the Taobao equivalents ----------------------
T_MAKE = "ORDER_BUYER_VIEW_BUYER_MAKE"
T_PAY = "ORDER_BUYER_VIEW_ORDER_PAY"
T_SEND = "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS"
T_CONFIRM = "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS"
T_SUCCESS = "ORDER_BUYER_VIEW_ORDER_SUCCESS"
T_BUYER_CLOSE = "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"
T_SELLER_CLOSE = "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
T_PRICE = "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
T_REFUND_IN = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
T_REFUND_AFTER = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
T_TRACE = "LOGISTICS_BUYER_VIEW_TRACE"
TB_STATUS = "TAOBAO_ORDER_STATUS_CHANGE"
TB_PRICE = "TAOBAO_ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
TB_REFUND = "TAOBAO_ORDER_REFUND"
TB_TRACE = "TAOBAO_LOGISTICS_TRACE"

LOGISTICS_COMPANIES = ("中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运")
LOGISTICS_CODES = ("ZTO", "YTO", "YUNDA", "STO", "SF")
TRACE_STEPS = ("快件已揽收", "快件已到达转运中心", "快件正在派送中")
DELIVERED_REMARK = "快件已签收"

REFUND_REASONS: tuple[P.RefundReason, ...] = (
    P.RefundReason(1, "不想要了 / no longer wanted", False, True),
    P.RefundReason(2, "未按约定时间发货 / not shipped in time", False, False),
    P.RefundReason(3, "商品破损 / damaged", True, False),
    P.RefundReason(4, "质量问题 / quality problem", True, False),
    P.RefundReason(5, "少件/漏发 / missing items", True, False),
    P.RefundReason(6, "与描述不符 / not as described", True, False),
)
_RECEIVED_ONLY = {3, 4, 5, 6}
_NOT_RECEIVED_ONLY = {2}


def order_status_label(platform: str, status: str) -> str:
    return TAOBAO_ORDER[status] if platform == P.Platform.TAOBAO else status


def refund_status_label(platform: str, status: str) -> str:
    return TAOBAO_REFUND[status] if platform == P.Platform.TAOBAO else status


def _refuse(code: str, message: str, stock: bool = False) -> P.MarketplaceRefused:
    return P.MarketplaceRefused(code, message, stock_problem=stock)


def _move(kind: str, obj: dict[str, Any], new: str) -> str:
    """Move an order or a refund along its arrows; anything else is refused."""
    moves = ORDER_MOVES if kind == "order" else REFUND_MOVES
    old = str(obj["status"])
    if new not in moves[old] or (
        kind == "order" and old == WAIT_RECEIVE and new == SUCCESS and obj["platform"] != "taobao"
    ):
        code = "ORDER_STATUS_ERROR" if kind == "order" else "REFUND_STATUS_ERROR"
        raise _refuse(code, f"the {kind} is {old}: it cannot become {new}")
    obj["status"] = new
    return old


def _ids(n: int, lead: str, digits: int = 18) -> str:
    """A stable, unguessable-looking id from counter value ``n``: a permutation of the space."""
    return lead + f"{(n * 2_654_435_761) % 10**digits:0{digits}d}"


# --- the seller ------------------------------------------------------------------------------
class Seller:
    """Every seller of the sandbox marketplace, as one object. Each method is one transaction."""

    def __init__(
        self, db: Database, settings: Settings, clock: SandboxClock, market: SandboxMarketplace
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.market = market

    # --- plumbing ----------------------------------------------------------------------------
    def _next(self, s: Session, name: str) -> int:
        return increment(s, SandboxCounter.__table__, {"name": name}, "value")

    def _load(self, s: Session, model: Any, key: str, ident: str, lock: bool = True) -> Any:
        stmt = select(model).where(getattr(model, key) == ident)
        if lock:
            stmt = stmt.with_for_update()
        row = s.execute(stmt).scalar_one_or_none()
        return row

    def _order_row(
        self, s: Session, platform: str | None, order_id: str, lock: bool = True
    ) -> tuple[SandboxOrder, dict[str, Any]]:
        row = self._load(s, SandboxOrder, "order_id", str(order_id), lock)
        if row is None or (platform is not None and row.platform != str(platform)):
            raise P.MarketplaceNotFound("order", str(order_id))
        return row, json.loads(row.body)

    def _refund_row(
        self, s: Session, platform: str | None, refund_id: str, lock: bool = True
    ) -> tuple[SandboxRefund, dict[str, Any]]:
        row = self._load(s, SandboxRefund, "refund_id", str(refund_id), lock)
        if row is None or (platform is not None and row.platform != str(platform)):
            raise P.MarketplaceNotFound("refund", str(refund_id))
        return row, json.loads(row.body)

    def _save_order(self, s: Session, row: SandboxOrder, order: dict[str, Any], at: int) -> None:
        order["modified_ms"] = max(int(order["modified_ms"]), at)
        row.status = order["status"]
        row.body = json.dumps(order, ensure_ascii=False)
        row.modified_ms = order["modified_ms"]
        s.flush()

    def _save_refund(self, s: Session, row: SandboxRefund, refund: dict[str, Any], at: int) -> None:
        refund["modified_ms"] = max(int(refund["modified_ms"]), at)
        row.status = refund["status"]
        row.body = json.dumps(refund, ensure_ascii=False)
        row.modified_ms = refund["modified_ms"]
        s.flush()

    def _timer(self, s: Session, due_ms: int, kind: str, object_id: str, **payload: Any) -> None:
        s.add(
            SandboxTimer(due_ms=due_ms, kind=kind, object_id=object_id, payload=json.dumps(payload))
        )

    def _emit(
        self,
        s: Session,
        platform: str,
        topic: str,
        at: int,
        *,
        order: dict[str, Any] | None = None,
        refund: dict[str, Any] | None = None,
        previous: str | None = None,
        **extra: Any,
    ) -> None:
        """Write the push a real marketplace would send: small, ids and statuses only (the
        gateway reads the object for the rest)."""
        n = self._next(s, "message")
        data: dict[str, Any] = {"msgSendTime": at, **extra}
        status = None
        if order is not None:
            status = order_status_label(platform, order["status"])
            data.update(
                orderId=order["order_id"], currentStatus=status, buyerRef=order["buyer_ref"]
            )
            if previous is not None:
                data["previousStatus"] = order_status_label(platform, previous)
        if refund is not None:
            status = refund_status_label(platform, refund["status"])
            data.update(
                refundId=refund["refund_id"],
                orderId=refund["order_id"],
                refundStatus=status,
                buyerRef=refund["buyer_ref"],
            )
            if previous is not None:
                data["previousRefundStatus"] = refund_status_label(platform, previous)
        s.add(
            SandboxMessage(
                message_id=f"sbm_{n:012d}",
                platform=platform,
                topic=topic,
                occurred_ms=at,
                order_id=(order or refund or {}).get("order_id"),
                refund_id=refund["refund_id"] if refund else None,
                status=status,
                data=json.dumps(data, ensure_ascii=False),
            )
        )

    def _write_done(self, s: Session, key: str) -> Any:
        return s.execute(select(SandboxWrite.result).where(SandboxWrite.op_key == key)).scalar()

    def _record_write(self, s: Session, key: str, operation: str, result: Any, at: int) -> bool:
        return insert_ignore(
            s,
            SandboxWrite.__table__,
            {"op_key": key, "operation": operation, "result": json.dumps(result), "created_ms": at},
            ["op_key"],
        )

    # --- DTOs --------------------------------------------------------------------------------
    @staticmethod
    def order_dto(order: dict[str, Any]) -> P.MarketOrder:
        platform = P.Platform(order["platform"])
        status = order_status_label(platform, order["status"])
        return P.MarketOrder(
            platform=platform,
            order_id=order["order_id"],
            out_order_id=order["out_order_id"],
            status=status,
            seller_open_id=order["seller_open_id"],
            seller_name=order["seller_name"],
            lines=tuple(
                P.OrderLine(
                    entry_id=ln["entry_id"],
                    offer_id=ln["offer_id"],
                    spec_id=ln["spec_id"],
                    sku_id=ln["sku_id"],
                    title=P.Text(ln["title_zh"], ln["title_en"]),
                    image_url=ln["image_url"],
                    quantity=ln["quantity"],
                    unit_price_fen=ln["unit_price_fen"],
                    amount_fen=ln["amount_fen"],
                    status=status,
                    logistics_status=ln["logistics_status"],
                    refund_status=(
                        refund_status_label(platform, ln["refund_status"])
                        if ln["refund_status"]
                        else None
                    ),
                )
                for ln in order["lines"]
            ),
            product_fen=order["product_fen"],
            shipping_fen=order["shipping_fen"],
            discount_fen=order["discount_fen"],
            total_fen=order["total_fen"],
            created_ms=order["created_ms"],
            modified_ms=order["modified_ms"],
            pay_timeout_s=order["pay_timeout_s"],
            paid_ms=order["paid_ms"],
            shipped_ms=order["shipped_ms"],
            received_ms=order["received_ms"],
            completed_ms=order["completed_ms"],
            close_reason=order["close_reason"],
            close_operate_type=order["close_operate_type"],
            parcels=tuple(
                P.Parcel(
                    logistics_id=p["logistics_id"],
                    bill_no=p["bill_no"],
                    company_name=p["company_name"],
                    entry_ids=tuple(p["entry_ids"]),
                    shipped_ms=p["shipped_ms"],
                    steps=tuple(P.LogisticsStep(t, r) for t, r in p["steps"]),
                    delivered_ms=p["delivered_ms"],
                )
                for p in order["parcels"]
            ),
            refund_status=(
                refund_status_label(platform, order["refund_status"])
                if order["refund_status"]
                else None
            ),
        )

    @staticmethod
    def refund_dto(refund: dict[str, Any]) -> P.MarketRefund:
        platform = P.Platform(refund["platform"])
        return P.MarketRefund(
            platform=platform,
            refund_id=refund["refund_id"],
            order_id=refund["order_id"],
            entry_ids=tuple(refund["entry_ids"]),
            status=refund_status_label(platform, refund["status"]),
            dispute_request=refund["dispute_request"],
            goods_status=refund["goods_status"],
            apply_payment_fen=refund["apply_payment_fen"],
            apply_carriage_fen=refund["apply_carriage_fen"],
            refund_payment_fen=refund["refund_payment_fen"],
            refund_carriage_fen=refund["refund_carriage_fen"],
            reason_id=refund["reason_id"],
            reason=refund["reason"],
            description=refund["description"],
            created_ms=refund["created_ms"],
            modified_ms=refund["modified_ms"],
            timeout_ms=refund["timeout_ms"],
            completed_ms=refund["completed_ms"],
            seller_refuse_reason=refund["seller_refuse_reason"],
            return_company_no=refund["return_company_no"],
            return_bill_no=refund["return_bill_no"],
            after_sale=refund["after_sale"],
        )

    # --- preview and create ------------------------------------------------------------------
    @staticmethod
    def promotion_of(seller_open_id: str) -> tuple[str, int, int]:
        """The seller's shop promotion: (id, threshold fen, discount fen)."""
        h = C.stable_hash("promotion", seller_open_id)
        threshold = 9_900 + (h % 5) * 10_000
        return f"SP{h % 10**10:010d}", threshold, threshold // 10

    @staticmethod
    def warehouse_of(offer_id: str) -> int:
        return 1 if C.stable_hash("warehouse", offer_id) % 4 == 0 else 0

    def _price_lines(
        self, draft: P.OrderDraft
    ) -> tuple[list[tuple[int, dict[str, Any], P.Offer]], list[P.LineFailure]]:
        priced: list[tuple[int, dict[str, Any], P.Offer]] = []
        failures: list[P.LineFailure] = []
        for line in draft.lines:

            def fail(code: str, message: str, line: P.CargoLine = line) -> None:
                failures.append(P.LineFailure(line.offer_id, line.spec_id, code, message))

            try:
                offer = goods.offer(self.db, self.settings, draft.platform, line.offer_id, "en")
            except P.MarketplaceNotFound:
                fail("OFFER_NOT_FOUND", f"offer {line.offer_id} does not exist")
                continue
            sku = offer.sku_by_spec(line.spec_id)
            if offer.seller.seller_open_id != draft.seller_open_id:
                fail("SELLER_MISMATCH", "the offer belongs to another seller")
            elif not offer.on_sale:
                fail("OFFER_NOT_ON_SALE", "the offer is no longer on sale")
            elif sku is None:
                fail("SPEC_NOT_FOUND", "specId names no SKU of this offer")
            elif not sku.on_sale:
                fail("OFFER_NOT_ON_SALE", "this SKU is no longer on sale")
            elif line.quantity < offer.min_order_quantity:
                fail(
                    "QUANTITY_LESS_THAN_MIN",
                    f"the minimum order quantity is {offer.min_order_quantity}",
                )
            elif line.quantity > sku.stock:
                fail("STOCK_NOT_ENOUGH", f"only {sku.stock} in stock")
            else:
                unit = offer.unit_price(line.quantity, sku)
                priced.append(
                    (
                        self.warehouse_of(offer.offer_id),
                        {
                            "offer_id": offer.offer_id,
                            "spec_id": sku.spec_id,
                            "sku_id": sku.sku_id,
                            "title_zh": offer.title.original,
                            "title_en": offer.title.translated,
                            "image_url": sku.image_url or (offer.images[0] if offer.images else ""),
                            "quantity": line.quantity,
                            "unit_price_fen": unit,
                            "amount_fen": unit * line.quantity,
                            "weight_g": offer.shipping.weight_g * line.quantity,
                        },
                        offer,
                    )
                )
        return priced, failures

    def _groups(self, draft: P.OrderDraft) -> tuple[list[dict[str, Any]], list[P.LineFailure]]:
        """The orders a draft makes: lines grouped by warehouse (1688 splits; Taobao too, as
        one order per warehouse), each priced with freight and the shop promotion."""
        priced, failures = self._price_lines(draft)
        by_wh: dict[int, list[tuple[dict[str, Any], P.Offer]]] = {}
        for wh, line, offer in priced:
            by_wh.setdefault(wh, []).append((line, offer))
        promo_id, threshold, discount = self.promotion_of(draft.seller_open_id)
        orders = []
        for wh in sorted(by_wh):
            lines = [ln for ln, _ in by_wh[wh]]
            offers = [o for _, o in by_wh[wh]]
            product = sum(ln["amount_fen"] for ln in lines)
            weight = sum(ln["weight_g"] for ln in lines)
            extra_kilos = max(0, -(-(weight - C.FREIGHT_FIRST_WEIGHT_G) // 1000))
            shipping = max(o.shipping.first_fee_fen for o in offers) + extra_kilos * max(
                o.shipping.extra_fee_fen for o in offers
            )
            applicable = product >= threshold
            wanted = draft.shop_promotion_id in (None, "", promo_id)
            off = discount if applicable and wanted else 0
            promotions = (
                (
                    P.Promotion(
                        promo_id, f"满{threshold // 100}减{discount // 100}", discount, off > 0
                    ),
                )
                if applicable
                else ()
            )
            orders.append(
                {
                    "warehouse": wh,
                    "lines": lines,
                    "product_fen": product,
                    "shipping_fen": shipping,
                    "discount_fen": off,
                    "total_fen": product + shipping - off,
                    "promotions": promotions,
                    "promotion_id": promo_id if off else None,
                    "seller_name": offers[0].seller.name.original,
                }
            )
        return orders, failures

    def preview(self, draft: P.OrderDraft) -> P.Preview:
        groups, failures = self._groups(draft)
        return P.Preview(
            orders=tuple(
                P.PreviewOrder(
                    lines=tuple(
                        P.PricedLine(
                            ln["offer_id"], ln["spec_id"], ln["quantity"], ln["unit_price_fen"]
                        )
                        for ln in g["lines"]
                    ),
                    product_fen=g["product_fen"],
                    shipping_fen=g["shipping_fen"],
                    discount_fen=g["discount_fen"],
                    total_fen=g["total_fen"],
                    promotions=g["promotions"],
                )
                for g in groups
            ),
            failures=tuple(failures),
        )

    def create(self, draft: P.OrderDraft) -> P.CreateResult:
        key = f"create:{draft.platform}:{draft.out_order_id}" if draft.out_order_id else None
        groups, failures = self._groups(draft)
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            if key is not None:
                done = self._write_done(s, key)
                if done is not None:
                    stored = json.loads(done)
                    return P.CreateResult(
                        orders=tuple(
                            self.order_dto(self._order_row(s, None, oid, lock=False)[1])
                            for oid in stored["orders"]
                        ),
                        failures=tuple(P.LineFailure(**f) for f in stored["failures"]),
                        replayed=True,
                    )
            made = []
            for g in groups:
                n = self._next(s, f"order:{draft.platform}")
                order_id = _ids(n, "3" if draft.platform == P.Platform.ALIBABA else "4")
                lines = []
                for ln in g["lines"]:
                    e = self._next(s, "entry")
                    lines.append(
                        {
                            **{k: v for k, v in ln.items() if k != "weight_g"},
                            "entry_id": _ids(e, "1", 17),
                            "logistics_status": 1,
                            "refund_status": None,
                            "refunded_fen": 0,
                        }
                    )
                order = {
                    "platform": str(draft.platform),
                    "order_id": order_id,
                    "out_order_id": draft.out_order_id,
                    "buyer_ref": draft.buyer_ref,
                    "status": WAIT_PAY,
                    "seller_open_id": draft.seller_open_id,
                    "seller_name": g["seller_name"],
                    "lines": lines,
                    "product_fen": g["product_fen"],
                    "shipping_fen": g["shipping_fen"],
                    "discount_fen": g["discount_fen"],
                    "total_fen": g["total_fen"],
                    "created_ms": now,
                    "modified_ms": now,
                    "pay_timeout_s": self.settings.sandbox_pay_timeout_seconds,
                    "paid_ms": None,
                    "shipped_ms": None,
                    "received_ms": None,
                    "completed_ms": None,
                    "close_reason": None,
                    "close_operate_type": None,
                    "parcels": [],
                    "refund_status": None,
                    "refunded_fen": 0,
                    "message": draft.message,
                    "flow": draft.flow,
                    "promotion_id": g["promotion_id"],
                    "address": asdict(draft.address),
                    "warehouse": g["warehouse"],
                }
                s.add(
                    SandboxOrder(
                        order_id=order_id,
                        platform=str(draft.platform),
                        out_order_id=draft.out_order_id,
                        buyer_ref=draft.buyer_ref,
                        status=WAIT_PAY,
                        body=json.dumps(order, ensure_ascii=False),
                        created_ms=now,
                        modified_ms=now,
                    )
                )
                self._timer(s, now + order["pay_timeout_s"] * 1000, "pay_timeout", order_id)
                topic = T_MAKE if draft.platform == P.Platform.ALIBABA else TB_STATUS
                self._emit(s, order["platform"], topic, now, order=order)
                made.append(order)
            if key is not None:
                self._record_write(
                    s,
                    key,
                    "create",
                    {
                        "orders": [o["order_id"] for o in made],
                        "failures": [asdict(f) for f in failures],
                    },
                    now,
                )
        return P.CreateResult(
            orders=tuple(self.order_dto(o) for o in made), failures=tuple(failures)
        )

    # --- reads -------------------------------------------------------------------------------
    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        with self.db.transaction() as s:
            return self.order_dto(self._order_row(s, platform, order_id, lock=False)[1])

    def orders_by_out_order_id(
        self, platform: P.Platform, out_order_id: str
    ) -> tuple[P.MarketOrder, ...]:
        with self.db.transaction() as s:
            rows = s.execute(
                select(SandboxOrder.body)
                .where(
                    SandboxOrder.platform == str(platform),
                    SandboxOrder.out_order_id == out_order_id,
                )
                .order_by(SandboxOrder.created_ms, SandboxOrder.order_id)
            ).scalars()
            return tuple(self.order_dto(json.loads(b)) for b in rows)

    def refund(self, platform: P.Platform, refund_id: str) -> P.MarketRefund:
        with self.db.transaction() as s:
            return self.refund_dto(self._refund_row(s, platform, refund_id, lock=False)[1])

    def refunds_of(self, order_id: str) -> tuple[P.MarketRefund, ...]:
        with self.db.transaction() as s:
            rows = s.execute(
                select(SandboxRefund.body)
                .where(SandboxRefund.order_id == str(order_id))
                .order_by(SandboxRefund.created_ms, SandboxRefund.refund_id)
            ).scalars()
            return tuple(self.refund_dto(json.loads(b)) for b in rows)

    def messages(self, cursor: str | None, limit: int) -> P.MessageBatch:
        after = int(cursor) if cursor and cursor.isdigit() else 0
        limit = max(1, min(limit, 1000))
        table = SandboxMessage.__table__
        with self.db.reading() as conn:
            rows = conn.execute(
                select(table).where(table.c.seq > after).order_by(table.c.seq).limit(limit)
            ).all()
        msgs = tuple(
            P.MarketMessage(
                message_id=r.message_id,
                platform=P.Platform(r.platform),
                topic=r.topic,
                occurred_ms=r.occurred_ms,
                order_id=r.order_id,
                refund_id=r.refund_id,
                status=r.status,
                data=json.loads(r.data),
            )
            for r in rows
        )
        last = rows[-1].seq if rows else after
        return P.MessageBatch(messages=msgs, cursor=str(last))

    # --- the buyer's writes ------------------------------------------------------------------
    def _dedupe(self, s: Session, key: str) -> Any:
        done = self._write_done(s, key)
        return None if done is None else json.loads(done)

    def pay(
        self, platform: P.Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> P.PayResult:
        key = f"pay:{platform}:{op_request_id}"
        with self.db.transaction() as s:
            done = self._dedupe(s, key)
            if done is not None:
                if done["order_id"] != str(order_id):
                    raise _refuse(
                        "OP_REQUEST_ID_REUSED",
                        f"opRequestId {op_request_id} already paid another order",
                    )
                return P.PayResult(**done)
            now = self.clock.now_ms()
            row, order = self._order_row(s, platform, order_id)
            if order["status"] != WAIT_PAY:
                code = "ORDER_ALREADY_PAID" if order["paid_ms"] else "ORDER_STATUS_ERROR"
                result = P.PayResult(
                    order_id, False, 0, code, f"the order is {order['status']}: not payable"
                )
            elif amount_fen != order["total_fen"]:
                result = P.PayResult(
                    order_id,
                    False,
                    0,
                    "PRICE_CHANGED",
                    f"the order's total is {order['total_fen']} fen, not {amount_fen}",
                )
            else:
                prev = _move("order", order, WAIT_SEND)
                order["paid_ms"] = now
                self._save_order(s, row, order, now)
                if self.settings.sandbox_ship_after_seconds:
                    self._timer(
                        s, now + self.settings.sandbox_ship_after_seconds * 1000, "ship", order_id
                    )
                topic = T_PAY if platform == P.Platform.ALIBABA else TB_STATUS
                self._emit(s, str(platform), topic, now, order=order, previous=prev)
                result = P.PayResult(order_id, True, amount_fen)
            self._record_write(s, key, "pay", asdict(result), now)
            return result

    def buyer_cancel(
        self, platform: P.Platform, order_id: str, reason: str, op_request_id: str
    ) -> P.MarketOrder:
        key = f"cancel:{platform}:{op_request_id}"
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            row, order = self._order_row(s, platform, order_id)
            if self._dedupe(s, key) is not None:
                return self.order_dto(order)
            self._close(s, row, order, now, reason or "buyerCancel", "buyer")
            self._record_write(s, key, "cancel", {"order_id": order_id}, now)
            return self.order_dto(order)

    def _close(
        self, s: Session, row: SandboxOrder, order: dict[str, Any], at: int, reason: str, by: str
    ) -> None:
        prev = _move("order", order, CANCEL)
        order["close_reason"] = reason
        order["close_operate_type"] = by
        order["completed_ms"] = at
        self._save_order(s, row, order, at)
        if order["platform"] == P.Platform.ALIBABA:
            topic = T_SELLER_CLOSE if by == "seller" else T_BUYER_CLOSE
        else:
            topic = TB_STATUS
        self._emit(s, order["platform"], topic, at, order=order, previous=prev)

    def confirm_receipt(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...] = ()
    ) -> P.MarketOrder:
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            row, order = self._order_row(s, platform, order_id)
            self._confirm(s, row, order, now, "buyer")
            return self.order_dto(order)

    def _confirm(
        self, s: Session, row: SandboxOrder, order: dict[str, Any], at: int, by: str
    ) -> None:
        taobao = order["platform"] == P.Platform.TAOBAO
        prev = _move("order", order, SUCCESS if taobao else CONFIRMED)
        order["received_ms"] = at
        for ln in order["lines"]:
            if ln["logistics_status"] == 2:
                ln["logistics_status"] = 3
        if taobao:
            order["completed_ms"] = at
        self._save_order(s, row, order, at)
        self._emit(
            s,
            order["platform"],
            TB_STATUS if taobao else T_CONFIRM,
            at,
            order=order,
            previous=prev,
            confirmedBy=by,
        )
        if not taobao:
            self._timer(
                s,
                at + self.settings.sandbox_settle_after_seconds * 1000,
                "settle",
                order["order_id"],
            )

    # --- the seller's actions (operator 12.16 to 12.18, and timers) ---------------------------
    def ship(
        self,
        platform: P.Platform,
        order_id: str,
        entry_ids: tuple[str, ...] | None = None,
        company_name: str | None = None,
        bill_no: str | None = None,
        at: int | None = None,
    ) -> P.MarketOrder:
        with self.db.transaction() as s:
            now = at if at is not None else self.clock.now_ms()
            row, order = self._order_row(s, platform, order_id)
            self._ship(s, row, order, now, entry_ids, company_name, bill_no)
            return self.order_dto(order)

    def _ship(
        self,
        s: Session,
        row: SandboxOrder,
        order: dict[str, Any],
        at: int,
        entry_ids: tuple[str, ...] | None,
        company_name: str | None,
        bill_no: str | None,
    ) -> None:
        if order["status"] != WAIT_SEND:
            raise _refuse("ORDER_STATUS_ERROR", f"the order is {order['status']}: not shippable")
        known = {ln["entry_id"]: ln for ln in order["lines"]}
        wanted = list(entry_ids) if entry_ids else list(known)
        unknown = [e for e in wanted if e not in known]
        if unknown:
            raise P.MarketplaceNotFound("order line", unknown[0])
        to_ship = [
            e
            for e in wanted
            if known[e]["logistics_status"] == 1 and known[e]["refund_status"] != R_SUCCESS
        ]
        if not to_ship:
            raise _refuse("ORDER_STATUS_ERROR", "those lines are already shipped or refunded")
        n = self._next(s, "parcel")
        k = n % len(LOGISTICS_COMPANIES)
        parcel = {
            "logistics_id": f"LP{n:014d}",
            "bill_no": bill_no or f"{LOGISTICS_CODES[k]}{_ids(n, '', 12)}",
            "company_name": company_name or LOGISTICS_COMPANIES[k],
            "entry_ids": to_ship,
            "shipped_ms": at,
            "steps": [[at, "卖家已发货 / the seller shipped"]],
            "delivered_ms": None,
        }
        order["parcels"].append(parcel)
        for e in to_ship:
            known[e]["logistics_status"] = 2
        prev = order["status"]
        remaining = [
            ln
            for ln in order["lines"]
            if ln["logistics_status"] == 1 and ln["refund_status"] != R_SUCCESS
        ]
        if not remaining:
            _move("order", order, WAIT_RECEIVE)
            order["shipped_ms"] = at
        self._save_order(s, row, order, at)
        alibaba = order["platform"] == P.Platform.ALIBABA
        self._emit(
            s,
            order["platform"],
            T_SEND if alibaba else TB_STATUS,
            at,
            order=order,
            previous=prev if prev != order["status"] else None,
            logisticsId=parcel["logistics_id"],
            subItemIds=to_ship,
        )
        self._trace_message(s, order, parcel, at)
        step = self.settings.sandbox_logistics_step_seconds * 1000
        for i in range(len(TRACE_STEPS)):
            self._timer(
                s,
                at + step * (i + 1),
                "trace",
                order["order_id"],
                logistics_id=parcel["logistics_id"],
                step=i,
            )
        self._timer(
            s,
            at + self.settings.sandbox_deliver_after_seconds * 1000,
            "deliver",
            order["order_id"],
            logistics_id=parcel["logistics_id"],
        )

    def _trace_message(
        self, s: Session, order: dict[str, Any], parcel: dict[str, Any], at: int
    ) -> None:
        last = parcel["steps"][-1]
        topic = T_TRACE if order["platform"] == P.Platform.ALIBABA else TB_TRACE
        self._emit(
            s,
            order["platform"],
            topic,
            at,
            order=order,
            logisticsId=parcel["logistics_id"],
            logisticsBillNo=parcel["bill_no"],
            step={"acceptTime": last[0], "remark": last[1]},
        )

    def deliver(
        self,
        platform: P.Platform,
        order_id: str,
        entry_ids: tuple[str, ...] | None = None,
        at: int | None = None,
    ) -> P.MarketOrder:
        with self.db.transaction() as s:
            now = at if at is not None else self.clock.now_ms()
            row, order = self._order_row(s, platform, order_id)
            parcels = [
                p
                for p in order["parcels"]
                if p["delivered_ms"] is None
                and (not entry_ids or set(entry_ids) & set(p["entry_ids"]))
            ]
            if not parcels or order["status"] not in (WAIT_SEND, WAIT_RECEIVE):
                raise _refuse("ORDER_STATUS_ERROR", "no shipped parcel of this order is on its way")
            for p in parcels:
                self._deliver(s, order, p, now)
            self._after_delivery(s, row, order, now)
            return self.order_dto(order)

    def _deliver(self, s: Session, order: dict[str, Any], parcel: dict[str, Any], at: int) -> None:
        parcel["delivered_ms"] = at
        parcel["steps"].append([at, DELIVERED_REMARK + " / delivered"])
        self._trace_message(s, order, parcel, at)

    def _after_delivery(
        self, s: Session, row: SandboxOrder, order: dict[str, Any], at: int
    ) -> None:
        self._save_order(s, row, order, at)
        all_delivered = all(p["delivered_ms"] is not None for p in order["parcels"])
        if order["status"] == WAIT_RECEIVE and all_delivered:
            self._timer(
                s,
                at + self.settings.sandbox_auto_confirm_seconds * 1000,
                "auto_confirm",
                order["order_id"],
            )

    def modify_price(
        self,
        platform: P.Platform,
        order_id: str,
        total_fen: int | None = None,
        line_prices: dict[str, int] | None = None,
        shipping_fen: int | None = None,
    ) -> P.MarketOrder:
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            row, order = self._order_row(s, platform, order_id)
            if order["status"] != WAIT_PAY:
                raise _refuse("ORDER_STATUS_ERROR", "only an unpaid order's price can change")
            lines = {ln["entry_id"]: ln for ln in order["lines"]}
            for entry_id, price in (line_prices or {}).items():
                if entry_id not in lines:
                    raise P.MarketplaceNotFound("order line", entry_id)
                ln = lines[entry_id]
                ln["unit_price_fen"] = price
                ln["amount_fen"] = price * ln["quantity"]
            order["product_fen"] = sum(ln["amount_fen"] for ln in order["lines"])
            if shipping_fen is not None:
                order["shipping_fen"] = shipping_fen
            before = order["total_fen"]
            if total_fen is not None:
                order["discount_fen"] = order["product_fen"] + order["shipping_fen"] - total_fen
            order["total_fen"] = (
                order["product_fen"] + order["shipping_fen"] - order["discount_fen"]
            )
            if order["total_fen"] < 1:
                raise _refuse("PRICE_INVALID", "an order's total must stay at least 1 fen")
            self._save_order(s, row, order, now)
            topic = T_PRICE if platform == P.Platform.ALIBABA else TB_PRICE
            self._emit(
                s,
                str(platform),
                topic,
                now,
                order=order,
                previousTotalAmount=before,
                totalAmount=order["total_fen"],
            )
            return self.order_dto(order)

    def seller_close(
        self, platform: P.Platform, order_id: str, reason: str = "sellerGoodsLack"
    ) -> P.MarketOrder:
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            row, order = self._order_row(s, platform, order_id)
            if order["status"] != WAIT_PAY:
                raise _refuse("ORDER_STATUS_ERROR", "a seller closes only an unpaid order")
            self._close(s, row, order, now, reason, "seller")
            return self.order_dto(order)

    # --- refunds -----------------------------------------------------------------------------
    def refund_reasons(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        with self.db.transaction() as s:
            self._order_row(s, platform, order_id, lock=False)
        received = goods_status in ("refundBuyerReceived", "aftersaleBuyerReceived", "2")
        skip = _NOT_RECEIVED_ONLY if received else _RECEIVED_ONLY
        return tuple(r for r in REFUND_REASONS if r.reason_id not in skip)

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        key = f"refund:{draft.platform}:{draft.op_request_id}" if draft.op_request_id else None
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            if key is not None:
                done = self._dedupe(s, key)
                if done is not None:
                    return self.refund_dto(self._refund_row(s, None, done["refund_id"], False)[1])
            row, order = self._order_row(s, draft.platform, draft.order_id)
            if order["status"] not in (WAIT_SEND, WAIT_RECEIVE, CONFIRMED, SUCCESS):
                raise _refuse("ORDER_STATUS_ERROR", f"the order is {order['status']}: no refund")
            lines = {ln["entry_id"]: ln for ln in order["lines"]}
            entry_ids = list(dict.fromkeys(draft.entry_ids)) or list(lines)
            for e in entry_ids:
                if e not in lines:
                    raise P.MarketplaceNotFound("order line", e)
                if (
                    lines[e]["refund_status"] in REFUND_OPEN
                    or lines[e]["refund_status"] == R_SUCCESS
                ):
                    raise _refuse("REFUND_EXISTS", f"line {e} already has a refund")
            if draft.dispute_request not in ("refund", "returnRefund"):
                raise _refuse("DISPUTE_REQUEST_INVALID", "disputeRequest: refund or returnRefund")
            if draft.dispute_request == "returnRefund" and any(
                lines[e]["logistics_status"] == 1 for e in entry_ids
            ):
                raise _refuse("GOODS_NOT_SENT", "returnRefund needs the goods shipped")
            reason = next((r for r in REFUND_REASONS if r.reason_id == draft.reason_id), None)
            if reason is None:
                raise _refuse("REASON_INVALID", f"no refund reason {draft.reason_id}")
            self._check_amounts(
                s, order, entry_ids, draft.apply_payment_fen, draft.apply_carriage_fen, None
            )
            n = self._next(s, "refund")
            refund_id = "TQ" + _ids(n, "", 17)
            refund = {
                "platform": str(draft.platform),
                "refund_id": refund_id,
                "order_id": order["order_id"],
                "buyer_ref": order["buyer_ref"],
                "entry_ids": entry_ids,
                "status": R_WAIT_AGREE,
                "dispute_request": draft.dispute_request,
                "goods_status": draft.goods_status,
                "apply_payment_fen": draft.apply_payment_fen,
                "apply_carriage_fen": draft.apply_carriage_fen,
                "refund_payment_fen": 0,
                "refund_carriage_fen": 0,
                "reason_id": reason.reason_id,
                "reason": reason.name,
                "description": draft.description,
                "vouchers": list(draft.vouchers),
                "created_ms": now,
                "modified_ms": now,
                "timeout_ms": now + self.settings.sandbox_refund_answer_seconds * 1000,
                "completed_ms": None,
                "seller_refuse_reason": None,
                "return_company_no": None,
                "return_bill_no": None,
                "after_sale": order["status"] == SUCCESS,
            }
            s.add(
                SandboxRefund(
                    refund_id=refund_id,
                    platform=refund["platform"],
                    order_id=order["order_id"],
                    status=R_WAIT_AGREE,
                    body=json.dumps(refund, ensure_ascii=False),
                    created_ms=now,
                    modified_ms=now,
                )
            )
            for e in entry_ids:
                lines[e]["refund_status"] = R_WAIT_AGREE
            order["refund_status"] = R_WAIT_AGREE
            self._save_order(s, row, order, now)
            self._timer(s, refund["timeout_ms"], "refund_answer", refund_id, status=R_WAIT_AGREE)
            self._refund_message(s, refund, now, None)
            if key is not None:
                self._record_write(s, key, "refund", {"refund_id": refund_id}, now)
            return self.refund_dto(refund)

    def _check_amounts(
        self,
        s: Session,
        order: dict[str, Any],
        entry_ids: list[str],
        payment: int,
        carriage: int,
        except_refund: str | None,
    ) -> None:
        """A refund asks at most what its lines cost, at most the freight not yet asked back,
        and, with every other open or successful refund of the order, at most what was paid
        (a shop discount or a lowered price makes that less than the lines' sum)."""
        lines = {ln["entry_id"]: ln for ln in order["lines"]}
        line_left = sum(lines[e]["amount_fen"] - lines[e]["refunded_fen"] for e in entry_ids)
        asked = asked_carriage = 0
        for body in s.execute(
            select(SandboxRefund.body).where(
                SandboxRefund.order_id == order["order_id"],
                SandboxRefund.status.in_([*REFUND_OPEN, R_SUCCESS]),
            )
        ).scalars():
            other = json.loads(body)
            if other["refund_id"] == except_refund:
                continue
            done = other["status"] == R_SUCCESS
            pay = other["refund_payment_fen"] if done else other["apply_payment_fen"]
            car = other["refund_carriage_fen"] if done else other["apply_carriage_fen"]
            asked += pay + car
            asked_carriage += car
        paid_left = order["total_fen"] - asked
        carriage_left = max(0, min(order["shipping_fen"] - asked_carriage, paid_left))
        payment_left = max(0, min(line_left, paid_left))
        if not 0 < payment <= payment_left:
            raise _refuse("REFUND_AMOUNT_INVALID", f"applyPayment must be 1 to {payment_left} fen")
        if not 0 <= carriage <= carriage_left:
            raise _refuse(
                "REFUND_AMOUNT_INVALID", f"applyCarriage must be 0 to {carriage_left} fen"
            )
        if payment + carriage > paid_left:
            raise _refuse(
                "REFUND_AMOUNT_INVALID",
                f"applyPayment + applyCarriage must stay within the {paid_left} fen paid",
            )

    def _refund_message(
        self, s: Session, refund: dict[str, Any], at: int, previous: str | None
    ) -> None:
        if refund["platform"] == P.Platform.TAOBAO:
            topic = TB_REFUND
        else:
            topic = T_REFUND_AFTER if refund["after_sale"] else T_REFUND_IN
        self._emit(s, refund["platform"], topic, at, refund=refund, previous=previous)

    def _refund_move(
        self,
        s: Session,
        platform: str | None,
        refund_id: str,
        at: int,
        change: Callable[[dict[str, Any], dict[str, Any]], str],
    ) -> dict[str, Any]:
        """Lock the refund and its order, apply ``change`` (which moves the refund and returns
        the previous status), then settle what follows: lines, the order, timers, messages."""
        rrow, refund = self._refund_row(s, platform, refund_id)
        orow, order = self._order_row(s, None, refund["order_id"])
        prev = change(refund, order)
        new = refund["status"]
        lines = {ln["entry_id"]: ln for ln in order["lines"]}
        share_left = refund["refund_payment_fen"]
        for i, e in enumerate(refund["entry_ids"]):
            ln = lines[e]
            ln["refund_status"] = new
            if new == R_SUCCESS:
                # spread the refunded amount over the lines, the last takes the rest
                part = (
                    share_left
                    if i == len(refund["entry_ids"]) - 1
                    else min(share_left, ln["amount_fen"] - ln["refunded_fen"])
                )
                ln["refunded_fen"] += part
                share_left -= part
        if new == R_SUCCESS:
            refund["completed_ms"] = at
            order["refunded_fen"] = order.get("refunded_fen", 0) + refund["refund_payment_fen"]
            order["refunded_carriage_fen"] = (
                order.get("refunded_carriage_fen", 0) + refund["refund_carriage_fen"]
            )
        elif new == R_CLOSED:
            refund["completed_ms"] = at
        open_states = [
            ln["refund_status"] for ln in order["lines"] if ln["refund_status"] in REFUND_OPEN
        ]
        order["refund_status"] = open_states[0] if open_states else new
        self._save_refund(s, rrow, refund, at)
        self._refund_message(s, refund, at, prev)
        fully = all(ln["refund_status"] == R_SUCCESS for ln in order["lines"])
        if new == R_SUCCESS and fully and order["status"] in (WAIT_SEND, WAIT_RECEIVE, CONFIRMED):
            oprev = _move("order", order, TERMINATED)
            order["completed_ms"] = at
            order["close_reason"] = "refund"
            self._save_order(s, orow, order, at)
            topic = TB_STATUS if order["platform"] == P.Platform.TAOBAO else T_REFUND_IN
            self._emit(s, order["platform"], topic, at, order=order, previous=oprev)
        elif (
            new == R_SUCCESS
            and order["status"] == WAIT_SEND
            and order["parcels"]
            and all(
                ln["logistics_status"] != 1 or ln["refund_status"] == R_SUCCESS
                for ln in order["lines"]
            )
        ):
            # the refunded lines were all that was left to ship: the order is now all sent
            oprev = _move("order", order, WAIT_RECEIVE)
            order["shipped_ms"] = at
            alibaba = order["platform"] == P.Platform.ALIBABA
            self._emit(
                s,
                order["platform"],
                T_SEND if alibaba else TB_STATUS,
                at,
                order=order,
                previous=oprev,
                reason="the lines not shipped were refunded",
            )
            self._after_delivery(s, orow, order, at)
        else:
            self._save_order(s, orow, order, at)
        return refund

    def seller_refund_act(
        self,
        platform: P.Platform | None,
        refund_id: str,
        action: str,
        reason: str | None = None,
        refund_amount_fen: int | None = None,
        at: int | None = None,
    ) -> P.MarketRefund:
        """The seller answers a refund: agree, refuse, receiveGoods, close (12.20)."""
        with self.db.transaction() as s:
            now = at if at is not None else self.clock.now_ms()
            buyer_seconds = self.settings.sandbox_refund_buyer_seconds * 1000

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                status = refund["status"]
                if action == "agree":
                    if status != R_WAIT_AGREE:
                        raise _refuse("REFUND_STATUS_ERROR", f"the refund is {status}")
                    if refund["dispute_request"] == "returnRefund":
                        prev = _move("refund", refund, R_WAIT_SEND)
                        refund["timeout_ms"] = now + buyer_seconds
                        self._timer(
                            s,
                            refund["timeout_ms"],
                            "refund_buyer_timeout",
                            refund_id,
                            status=R_WAIT_SEND,
                        )
                        if refund_amount_fen is not None:
                            self._set_amount(refund, refund_amount_fen)
                        return prev
                    return self._succeed(refund, refund_amount_fen)
                if action == "receiveGoods":
                    if status != R_WAIT_RECEIVE:
                        raise _refuse("REFUND_STATUS_ERROR", f"the refund is {status}")
                    return self._succeed(refund, refund_amount_fen)
                if action == "refuse":
                    if not reason:
                        raise _refuse("REASON_REQUIRED", "a refusal needs a reason")
                    prev = _move("refund", refund, R_WAIT_MODIFY)
                    refund["seller_refuse_reason"] = reason
                    refund["timeout_ms"] = now + buyer_seconds
                    self._timer(
                        s,
                        refund["timeout_ms"],
                        "refund_buyer_timeout",
                        refund_id,
                        status=R_WAIT_MODIFY,
                    )
                    return prev
                if action == "close":
                    refund["timeout_ms"] = None
                    return _move("refund", refund, R_CLOSED)
                raise ValueError(f"unknown refund action {action!r}")

            refund = self._refund_move(s, platform, refund_id, now, change)
            return self.refund_dto(refund)

    @staticmethod
    def _set_amount(refund: dict[str, Any], amount: int) -> None:
        if not 0 < amount <= refund["apply_payment_fen"]:
            raise _refuse(
                "REFUND_AMOUNT_INVALID",
                f"refundAmount must be 1 to {refund['apply_payment_fen']} fen",
            )
        refund["apply_payment_fen"] = amount

    def _succeed(self, refund: dict[str, Any], amount: int | None) -> str:
        if amount is not None:
            self._set_amount(refund, amount)
        prev = _move("refund", refund, R_SUCCESS)
        refund["refund_payment_fen"] = refund["apply_payment_fen"]
        refund["refund_carriage_fen"] = refund["apply_carriage_fen"]
        refund["timeout_ms"] = None
        return prev

    def buyer_cancel_refund(
        self, platform: P.Platform, refund_id: str, op_request_id: str
    ) -> P.MarketRefund:
        key = f"refund-cancel:{platform}:{op_request_id}"
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            if self._dedupe(s, key) is not None:
                return self.refund_dto(self._refund_row(s, platform, refund_id, False)[1])

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                if refund["status"] == R_WAIT_RECEIVE:
                    raise _refuse("REFUND_STATUS_ERROR", "the goods are on their way back")
                refund["timeout_ms"] = None
                return _move("refund", refund, R_CLOSED)

            refund = self._refund_move(s, platform, refund_id, now, change)
            self._record_write(s, key, "refund-cancel", {"refund_id": refund_id}, now)
            return self.refund_dto(refund)

    def return_goods(
        self, platform: P.Platform, refund_id: str, company_no: str, bill_no: str
    ) -> P.MarketRefund:
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            receive = self.settings.sandbox_refund_receive_seconds * 1000

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                prev = _move("refund", refund, R_WAIT_RECEIVE)
                refund["return_company_no"] = company_no
                refund["return_bill_no"] = bill_no
                refund["timeout_ms"] = now + receive
                self._timer(
                    s, refund["timeout_ms"], "refund_receive", refund_id, status=R_WAIT_RECEIVE
                )
                return prev

            return self.refund_dto(self._refund_move(s, platform, refund_id, now, change))

    def modify_refund(
        self,
        platform: P.Platform,
        refund_id: str,
        apply_payment_fen: int,
        reason_id: int,
        description: str,
    ) -> P.MarketRefund:
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            answer = self.settings.sandbox_refund_answer_seconds * 1000

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                self._check_amounts(
                    s,
                    order,
                    refund["entry_ids"],
                    apply_payment_fen,
                    refund["apply_carriage_fen"],
                    refund["refund_id"],
                )
                reason = next((r for r in REFUND_REASONS if r.reason_id == reason_id), None)
                if reason is None:
                    raise _refuse("REASON_INVALID", f"no refund reason {reason_id}")
                prev = _move("refund", refund, R_WAIT_AGREE)
                refund.update(
                    apply_payment_fen=apply_payment_fen,
                    reason_id=reason.reason_id,
                    reason=reason.name,
                    description=description,
                    seller_refuse_reason=None,
                    timeout_ms=now + answer,
                )
                self._timer(s, now + answer, "refund_answer", refund_id, status=R_WAIT_AGREE)
                return prev

            return self.refund_dto(self._refund_move(s, platform, refund_id, now, change))

    # --- timers and the clock ----------------------------------------------------------------
    def _fire(self, s: Session, timer: SandboxTimer) -> bool:
        """Run one due timer at its due time; False when it had nothing to do any more."""
        at = timer.due_ms
        payload = json.loads(timer.payload or "{}")
        kind = timer.kind
        if kind.startswith("refund_"):
            rrow, refund = self._refund_row(s, None, timer.object_id, lock=False)
            if refund["status"] != payload.get("status") or refund["timeout_ms"] != at:
                return False
            if kind == "refund_answer":
                policy = self.settings.sandbox_refund_policy
                if policy == "manual":
                    return False
                action = "agree" if policy == "agree" else "refuse"
                reason = None if policy == "agree" else "sandbox policy: refuse"
            elif kind == "refund_receive":
                action, reason = "receiveGoods", None
            else:  # the buyer did not send goods back, or did not modify in time
                action, reason = "close", None

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                if action == "close":
                    refund["timeout_ms"] = None
                    return _move("refund", refund, R_CLOSED)
                if action == "refuse":
                    prev = _move("refund", refund, R_WAIT_MODIFY)
                    refund["seller_refuse_reason"] = reason
                    refund["timeout_ms"] = at + self.settings.sandbox_refund_buyer_seconds * 1000
                    self._timer(
                        s,
                        refund["timeout_ms"],
                        "refund_buyer_timeout",
                        timer.object_id,
                        status=R_WAIT_MODIFY,
                    )
                    return prev
                if action == "agree" and refund["dispute_request"] == "returnRefund":
                    prev = _move("refund", refund, R_WAIT_SEND)
                    refund["timeout_ms"] = at + self.settings.sandbox_refund_buyer_seconds * 1000
                    self._timer(
                        s,
                        refund["timeout_ms"],
                        "refund_buyer_timeout",
                        timer.object_id,
                        status=R_WAIT_SEND,
                    )
                    return prev
                return self._succeed(refund, None)

            self._refund_move(s, None, timer.object_id, at, change)
            return True

        row, order = self._order_row(s, None, timer.object_id)
        status = order["status"]
        if kind == "pay_timeout":
            if status != WAIT_PAY:
                return False
            self._close(s, row, order, at, "payTimeout", "system")
        elif kind == "ship":
            if status != WAIT_SEND:
                return False
            self._ship(s, row, order, at, None, None, None)
        elif kind in ("trace", "deliver"):
            parcel = next(
                (p for p in order["parcels"] if p["logistics_id"] == payload.get("logistics_id")),
                None,
            )
            if parcel is None or parcel["delivered_ms"] is not None:
                return False
            if status not in (WAIT_SEND, WAIT_RECEIVE, CONFIRMED, SUCCESS):
                return False  # closed or refunded in full: the parcel no longer matters
            if kind == "trace":
                parcel["steps"].append([at, TRACE_STEPS[int(payload["step"])]])
                self._save_order(s, row, order, at)
                self._trace_message(s, order, parcel, at)
            else:
                self._deliver(s, order, parcel, at)
                self._after_delivery(s, row, order, at)
        elif kind == "auto_confirm":
            if status != WAIT_RECEIVE:
                return False
            self._confirm(s, row, order, at, "system")
        elif kind == "settle":
            if status != CONFIRMED:
                return False
            prev = _move("order", order, SUCCESS)
            order["completed_ms"] = at
            self._save_order(s, row, order, at)
            self._emit(s, order["platform"], T_SUCCESS, at, order=order, previous=prev)
        else:
            raise ValueError(f"unknown timer kind {kind!r}")
        return True

    def fire_due(self, until_ms: int | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
        """Fire every timer due by ``until_ms`` (default now), in time order, each in its own
        transaction; a timer another process fired first is skipped. Timers a fired timer sets
        that are due too fire in the same call."""
        until = self.clock.now_ms() if until_ms is None else until_ms
        fired: list[dict[str, Any]] = []
        t = SandboxTimer.__table__
        # one at a time: a fired timer may set an earlier one than the next already due
        first_due = select(t.c.id).where(t.c.due_ms <= until).order_by(t.c.due_ms, t.c.id).limit(1)
        for _ in range(limit):
            with self.db.reading() as conn:
                timer_id = conn.execute(first_due).scalar_one_or_none()
            if timer_id is None:
                break
            entry = self._fire_one(timer_id)
            if entry is not None:
                fired.append(entry)
        return fired

    def _fire_one(self, timer_id: int) -> dict[str, Any] | None:
        try:
            with self.db.transaction() as s:
                timer = s.execute(
                    select(SandboxTimer).where(SandboxTimer.id == timer_id).with_for_update()
                ).scalar_one_or_none()
                if timer is None:
                    return None  # fired by another process
                s.execute(delete(SandboxTimer).where(SandboxTimer.id == timer_id))
                acted = self._fire(s, timer)
                entry = {
                    "time": timer.due_ms,
                    "kind": timer.kind,
                    "objectId": timer.object_id,
                    "acted": acted,
                }
        except P.MarketplaceError:
            # the object moved on in a way the timer did not expect: drop the timer
            log.warning("sandbox timer %s found nothing to do", timer_id)
            with self.db.transaction() as s:
                s.execute(delete(SandboxTimer).where(SandboxTimer.id == timer_id))
            return None
        return entry

    def advance(self, seconds: int | None = None, to_ms: int | None = None) -> dict[str, Any]:
        """12.15: move the sandbox clock forward and fire what falls due, in time order."""
        now = self.clock.now_ms()
        target = to_ms if to_ms is not None else now + int(seconds or 0) * 1000
        if target < now:
            raise ValueError(f"the clock is at {now}: it never moves back")
        with self.db.transaction() as s:
            moved = self.clock.move_to(s, target)
        fired = self.fire_due(moved)
        return {"now": moved, "fired": [f for f in fired if f["acted"]]}

    def pending_timers(self) -> list[dict[str, Any]]:
        t = SandboxTimer.__table__
        with self.db.reading() as conn:
            rows = conn.execute(select(t).order_by(t.c.due_ms, t.c.id)).all()
        return [{"time": r.due_ms, "kind": r.kind, "objectId": r.object_id} for r in rows]
