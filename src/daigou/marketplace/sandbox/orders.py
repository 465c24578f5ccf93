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
    waitselleragree --modify (before the seller answers)--> waitselleragree
    waitselleragree | waitbuyermodify | waitbuyersend --cancel, close or timeout--> refundclose

A refund carries its negotiation (``negotiation``): the buyer's notes, the seller's (a refusal's
reason; an agreed return's address and instructions) and the platform's (closed by timeout).

Every move goes through :func:`move`, which refuses anything off these arrows. What the
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
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import goods
from daigou.marketplace.sandbox.seller_models import (
    SandboxMessage,
    SandboxOrder,
)
from daigou.marketplace.sandbox.states import *  # noqa: F403  (re-exported: the seller's vocabulary)
from daigou.marketplace.sandbox.states import (
    CANCEL,
    CONFIRMED,
    DELIVERED_REMARK,
    LOGISTICS_CODES,
    LOGISTICS_COMPANIES,
    R_SUCCESS,
    SUCCESS,
    T_BUYER_CLOSE,
    T_CONFIRM,
    T_MAKE,
    T_PAY,
    T_PRICE,
    T_SELLER_CLOSE,
    T_SEND,
    T_TRACE,
    TB_PRICE,
    TB_STATUS,
    TB_TRACE,
    TRACE_STEPS,
    WAIT_PAY,
    WAIT_RECEIVE,
    WAIT_SEND,
    make_id,
    move,
    refused,
)
from daigou.marketplace.sandbox.timers import TimerDesk

log = logging.getLogger("daigou.sandbox")


class Seller(TimerDesk):
    """Every seller of the sandbox marketplace, as one object. Each method is one transaction."""

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
                order_id = make_id(n, "3" if draft.platform == P.Platform.ALIBABA else "4")
                lines = []
                for ln in g["lines"]:
                    e = self._next(s, "entry")
                    lines.append(
                        {
                            **{k: v for k, v in ln.items() if k != "weight_g"},
                            "entry_id": make_id(e, "1", 17),
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

    def messages(
        self, cursor: str | None, limit: int, platform: P.Platform | None = None
    ) -> P.MessageBatch:
        """Pushes after ``cursor`` in push order: one platform's (the port's stream), or both
        (None: what the sandbox's own tests read). The cursor is the last push's ``seq``."""
        after = int(cursor) if cursor and cursor.isdigit() else 0
        limit = max(1, min(limit, 1000))
        table = SandboxMessage.__table__
        query = select(table).where(table.c.seq > after)
        if platform is not None:
            query = query.where(table.c.platform == platform.value)
        with self.db.reading() as conn:
            rows = conn.execute(query.order_by(table.c.seq).limit(limit)).all()
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
    def pay(
        self, platform: P.Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> P.PayResult:
        key = f"pay:{platform}:{op_request_id}"
        with self.db.transaction() as s:
            done = self._dedupe(s, key)
            if done is not None:
                if done["order_id"] != str(order_id):
                    raise refused(
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
                prev = move("order", order, WAIT_SEND)
                order["paid_ms"] = now
                self._save_order(s, row, order, now)
                if self.settings.sandbox_ship_after_seconds:
                    self._timer(
                        s, now + self.settings.sandbox_ship_after_seconds * 1000, "ship", order_id
                    )
                result = P.PayResult(order_id, True, amount_fen)
                self._record_write(s, key, "pay", asdict(result), now)
                topic = T_PAY if platform == P.Platform.ALIBABA else TB_STATUS
                self._emit(s, str(platform), topic, now, order=order, previous=prev)
                return result
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
        prev = move("order", order, CANCEL)
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
        prev = move("order", order, SUCCESS if taobao else CONFIRMED)
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
            raise refused("ORDER_STATUS_ERROR", f"the order is {order['status']}: not shippable")
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
            raise refused("ORDER_STATUS_ERROR", "those lines are already shipped or refunded")
        n = self._next(s, "parcel")
        k = n % len(LOGISTICS_COMPANIES)
        parcel = {
            "logistics_id": f"LP{n:014d}",
            "bill_no": bill_no or f"{LOGISTICS_CODES[k]}{make_id(n, '', 12)}",
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
            move("order", order, WAIT_RECEIVE)
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
                raise refused("ORDER_STATUS_ERROR", "no shipped parcel of this order is on its way")
            for p in parcels:
                self._deliver(s, order, p, now)
            self._after_delivery(s, row, order, now)
            return self.order_dto(order)

    def _deliver(self, s: Session, order: dict[str, Any], parcel: dict[str, Any], at: int) -> None:
        parcel["delivered_ms"] = at
        parcel["steps"].append([at, DELIVERED_REMARK + " / delivered"])
        self._trace_message(s, order, parcel, at)

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
                raise refused("ORDER_STATUS_ERROR", "only an unpaid order's price can change")
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
                raise refused("PRICE_INVALID", "an order's total must stay at least 1 fen")
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
                raise refused("ORDER_STATUS_ERROR", "a seller closes only an unpaid order")
            self._close(s, row, order, now, reason, "seller")
            return self.order_dto(order)
