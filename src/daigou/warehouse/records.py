"""The logistics order's record: its arrows (ENDPOINTS S7 "Logistics"), its trace, its messages
and its wire view (S6 LogisticsOrder, Parcel).

Every status change goes through :func:`move`: it refuses a move against the arrows (40901),
appends the step to the trace and writes one INTERNATIONAL_SHIPMENT_UPDATE carrying the whole
logistics order, in the caller's transaction. Messages of one logistics order share the key
``logistics:<logisticsOrderId>``, so they are delivered in order, parcel receipts included.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.core.errors import Conflict
from daigou.messages import service as messages
from daigou.warehouse.models import (
    AWAITING_INBOUND,
    AWAITING_PAYMENT,
    CANCELLED,
    DELIVERED,
    INBOUND,
    PACKED,
    SHIPPED,
    LogisticsEvent,
    LogisticsOrder,
    LogisticsSource,
    Parcel,
)

ARROWS: dict[str, frozenset[str]] = {
    AWAITING_INBOUND: frozenset({INBOUND, CANCELLED}),
    INBOUND: frozenset({PACKED, AWAITING_PAYMENT, CANCELLED}),
    AWAITING_PAYMENT: frozenset({PACKED}),
    PACKED: frozenset({SHIPPED}),
    SHIPPED: frozenset({DELIVERED}),
    DELIVERED: frozenset(),
    CANCELLED: frozenset(),
}

# the platforms of `sourceOrders[].platform` (as elsewhere: 0 Taobao, 1 1688) and the
# purchasing core's names for them
PLATFORM_CODES = {0: "taobao", 1: "1688"}
PLATFORM_NUMBERS = {name: code for code, name in PLATFORM_CODES.items()}


def can_move(current: str, new: str) -> bool:
    return new in ARROWS.get(current, frozenset())


def key(logistics_order_id: str) -> str:
    """The message key of a logistics order (its messages are delivered in order)."""
    return f"logistics:{logistics_order_id}"


def lock(s: Session, logistics_order_id: str) -> LogisticsOrder | None:
    return s.execute(
        select(LogisticsOrder)
        .where(LogisticsOrder.logistics_order_id == logistics_order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def add_event(
    s: Session, row: LogisticsOrder, status: str, remark: str | None, time_ms: int, now_ms: int
) -> None:
    s.add(
        LogisticsEvent(
            logistics_order_id=row.logistics_order_id,
            time=time_ms,
            status=status,
            remark=remark,
            created_at=now_ms,
        )
    )


def move(
    s: Session,
    row: LogisticsOrder,
    new: str,
    now_ms: int,
    remark: str | None = None,
    time_ms: int | None = None,
) -> None:
    """Move the order to `new` (40901 against the arrows), trace it and send the message.
    `time_ms`: when the step happened (a carrier's scan time), default now."""
    if not can_move(row.status, new):
        raise Conflict(f"the logistics order is {row.status}: it cannot become {new}")
    before = row.status
    row.status = new
    row.modified_at = now_ms
    add_event(s, row, new, remark, now_ms if time_ms is None else time_ms, now_ms)
    emit(s, row, before, now_ms)


def emit(s: Session, row: LogisticsOrder, previous: str | None, now_ms: int) -> None:
    """One INTERNATIONAL_SHIPMENT_UPDATE with the order as it is now (also for a change that
    keeps the status: a trace step, an exception flag)."""
    s.flush()
    msg = messages.record(
        s,
        developer_id=row.developer_id,
        user_id=row.user_id,
        platform=messages.PLATFORM_GATEWAY,
        message_type="INTERNATIONAL_SHIPMENT_UPDATE",
        order_key=key(row.logistics_order_id),
        body={
            "logisticsOrderId": row.logistics_order_id,
            "currentStatus": row.status,
            "previousStatus": previous,
            "logisticsOrder": order_view(s, row, sequence=None),
        },
        now_ms=now_ms,
        object_id=row.logistics_order_id,
    )
    row.sequence = msg.sequence
    # the body's order carries the message's sequence too
    body = json.loads(msg.body)
    body["logisticsOrder"]["sequence"] = msg.sequence
    msg.body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def parcel_received(s: Session, parcel: Parcel, row: LogisticsOrder, now_ms: int) -> None:
    """WAREHOUSE_PARCEL_RECEIVED for a parcel of `row` (an unclaimed parcel has no owner to
    tell: its message is sent when it is claimed)."""
    messages.record(
        s,
        developer_id=row.developer_id,
        user_id=row.user_id,
        platform=messages.PLATFORM_GATEWAY,
        message_type="WAREHOUSE_PARCEL_RECEIVED",
        order_key=key(row.logistics_order_id),
        body={
            "parcelId": parcel.parcel_id,
            "logisticsOrderId": row.logistics_order_id,
            "trackingNo": parcel.tracking_no,
            "parcel": parcel_view(parcel),
        },
        now_ms=now_ms,
        object_id=row.logistics_order_id,
    )


def parcel_view(p: Parcel) -> dict[str, Any]:
    return {
        "parcelId": p.parcel_id,
        "logisticsOrderId": p.logistics_order_id,
        "trackingNo": p.tracking_no,
        "logisticCompanyName": p.logistic_company_name,
        "status": p.status,
        "weight": p.weight,
        "length": p.length,
        "width": p.width,
        "height": p.height,
        "photos": json.loads(p.photos or "[]"),
        "lineItem": json.loads(p.line_item) if p.line_item else None,
        "matchedBy": p.matched_by,
        "receivedTime": p.received_at,
    }


def sources_of(s: Session, logistics_order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in logistics_order_ids}
    if not logistics_order_ids:
        return out
    found = s.execute(
        select(LogisticsSource)
        .where(LogisticsSource.logistics_order_id.in_(logistics_order_ids))
        .order_by(LogisticsSource.logistics_order_id, LogisticsSource.platform)
    ).scalars()
    for src in found:
        out[src.logistics_order_id].append(
            {"platform": PLATFORM_NUMBERS[src.platform], "orderId": src.order_id}
        )
    return out


def order_views(s: Session, rows: list[LogisticsOrder]) -> list[dict[str, Any]]:
    """The wire views of several orders, with three queries in all (sources, parcels, trace)."""
    ids = [r.logistics_order_id for r in rows]
    sources = sources_of(s, ids)
    parcels: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    trace: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for p in s.execute(
            select(Parcel)
            .where(Parcel.logistics_order_id.in_(ids))
            .order_by(Parcel.created_at, Parcel.parcel_id)
        ).scalars():
            parcels[str(p.logistics_order_id)].append(parcel_view(p))
        for e in s.execute(
            select(LogisticsEvent)
            .where(LogisticsEvent.logistics_order_id.in_(ids))
            .order_by(LogisticsEvent.time, LogisticsEvent.id)
        ).scalars():
            trace[e.logistics_order_id].append(
                {"time": e.time, "status": e.status, "remark": e.remark}
            )
    return [
        _view(
            r,
            sources[r.logistics_order_id],
            parcels[r.logistics_order_id],
            trace[r.logistics_order_id],
            r.sequence,
        )
        for r in rows
    ]


def order_view(s: Session, row: LogisticsOrder, sequence: int | None = None) -> dict[str, Any]:
    (view,) = order_views(s, [row])
    if sequence is not None:
        view["sequence"] = sequence
    return view


def _view(
    row: LogisticsOrder,
    sources: list[dict[str, Any]],
    parcels: list[dict[str, Any]],
    trace: list[dict[str, Any]],
    sequence: int,
) -> dict[str, Any]:
    return {
        "logisticsOrderId": row.logistics_order_id,
        "renderId": row.render_id,
        "status": row.status,
        "exception": row.exception,
        "userId": row.user_id,
        "receiverAddress": json.loads(row.receiver),
        "freightInfo": json.loads(row.freight_info),
        "lineItems": json.loads(row.line_items),
        "tmallOrderInfo": {"tmallOrderId": row.tmall_order_id} if row.tmall_order_id else None,
        "sourceOrders": sources,
        "parcels": parcels,
        "quotedFreight": row.quoted_freight,
        "heldFreight": row.held_freight,
        "finalFreight": row.final_freight,
        "chargedFreight": row.charged_freight,
        "currency": row.currency,
        "chargeableWeight": row.chargeable_weight,
        "package": json.loads(row.package) if row.package else None,
        "carrierName": row.carrier_name,
        "internationalTrackingNo": row.international_tracking_no,
        "warehouseCode": row.warehouse_code,
        "markCode": row.mark_code,
        "remark": row.remark,
        "cancelReason": row.cancel_reason,
        "trace": trace,
        "createTime": row.created_at,
        "modifyTime": row.modified_at,
        "sequence": sequence,
    }
