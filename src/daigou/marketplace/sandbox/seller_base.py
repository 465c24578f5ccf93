"""The sandbox seller's shared machinery: loading and saving orders and refunds, timers, the
messages it pushes, the write log, and the port DTOs (see ``orders`` for the behaviour)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from daigou.config import Settings
from daigou.db.session import Database
from daigou.db.upsert import increment, insert_ignore
from daigou.marketplace import port as P
from daigou.marketplace.sandbox.clock import SandboxClock
from daigou.marketplace.sandbox.seller_models import (
    SandboxCounter,
    SandboxMessage,
    SandboxOrder,
    SandboxRefund,
    SandboxTimer,
    SandboxWrite,
)
from daigou.marketplace.sandbox.states import (
    WAIT_RECEIVE,
    order_status_label,
    refund_status_label,
)

if TYPE_CHECKING:
    from daigou.marketplace.sandbox.adapter import SandboxMarketplace


class SellerBase:
    """What every part of the seller shares: storage, timers, pushed messages, DTOs."""

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
        s.execute(
            insert(SandboxTimer),
            {
                "due_ms": due_ms,
                "kind": kind,
                "object_id": object_id,
                "payload": json.dumps(payload),
            },
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
        gateway reads the object for the rest). The push counter is one row that every write
        locks until it commits (so pushes are numbered in commit order and a reader's cursor
        never skips one): the rest of the write is flushed first, to hold it briefly."""
        s.flush()
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
        # inserted after the counter is taken: the push's seq follows the commit order
        s.execute(
            insert(SandboxMessage),
            {
                "message_id": f"sbm_{n:012d}",
                "platform": platform,
                "topic": topic,
                "occurred_ms": at,
                "order_id": (order or refund or {}).get("order_id"),
                "refund_id": refund["refund_id"] if refund else None,
                "status": status,
                "data": json.dumps(data, ensure_ascii=False),
            },
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
            message=order.get("message") or "",
            flow=order.get("flow"),
            address=P.Address(**order["address"]) if order.get("address") else None,
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
        address = refund.get("return_address")
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
            # keys added later: bodies written before them load with the defaults
            vouchers=tuple(refund.get("vouchers", ())),
            return_address=P.Address(**address) if address else None,
            seller_agree_describe=refund.get("seller_agree_describe"),
            return_description=refund.get("return_description", ""),
            return_vouchers=tuple(refund.get("return_vouchers", ())),
            quantities=tuple((e, int(c)) for e, c in refund.get("quantities", {}).items()),
        )

    def _dedupe(self, s: Session, key: str) -> Any:
        done = self._write_done(s, key)
        return None if done is None else json.loads(done)

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
