"""The warehouse's operator side (ENDPOINTS 12.9-12.12): receive a domestic parcel, pack an
order and settle its freight, ship it abroad, record its tracking steps; and the top-up that
pays what packing could not take (12.5).

Each use case owns one transaction; each status change goes through
:func:`daigou.warehouse.records.move` (40901 against the arrows, a trace step, one
INTERNATIONAL_SHIPMENT_UPDATE); money moves through the wallet's service under the developer's
wallet lock, taken before the logistics order's row (the house's lock order: wallet, then
objects).

Matching a scanned parcel to its logistics order, first hit wins:

1. ``declared``: a parcel the developer declared (11.4) with this tracking number in this
   warehouse, its order still open (``awaiting_inbound`` or ``inbound``);
2. ``source``: the tracking number is the domestic waybill of a gateway order (1688 or Taobao)
   that is a live source order of one open logistics order in this warehouse; two or more
   such orders: no guess (the mark, if given, may still decide);
3. ``mark``: the parcel's mark code is an order's own mark (that order), or a caller's general
   mark (developer plus sub-account) while that caller has exactly one open order here.

No match: the parcel is held ``received`` with no order (unclaimed) and no message is sent
(nobody to tell); a later declaration (11.4) claims it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.core.errors import Conflict, NotFound, validation_error
from daigou.db.session import Database
from daigou.db.upsert import insert_ignore
from daigou.http.guards import audit
from daigou.purchasing import records as purchasing
from daigou.purchasing.models import PurchaseOrder
from daigou.wallet import service as wallet
from daigou.warehouse import freight, ids, records, warehouses
from daigou.warehouse.admin_schemas import InboundScan, Pack, Ship, Track
from daigou.warehouse.models import (
    AWAITING_INBOUND,
    AWAITING_PAYMENT,
    DELIVERED,
    EXPECTED,
    INBOUND,
    PACKED,
    PARCEL_PACKED,
    PARCEL_SHIPPED,
    RECEIVED,
    SHIPPED,
    LogisticsOrder,
    LogisticsSource,
    Parcel,
)

OPEN = (AWAITING_INBOUND, INBOUND)


def extra_key(logistics_order_id: str) -> str:
    """The wallet operation key of the freight charged beyond the hold (at most once)."""
    return f"logistics:{logistics_order_id}:extra"


# --- 12.9 scan ------------------------------------------------------------------------------
def scan(
    db: Database,
    body: InboundScan,
    now_ms: int,
    *,
    actor: str,
    request_id: str | None,
    warehouses_path: Path | None = None,
) -> dict[str, Any]:
    """Receive (and weigh) a parcel: Parcel plus ``matched``. A repeat scan answers the same
    parcel (sizes updated when given; no second message); a packed or shipped one is 40901.
    `warehouses_path`: the configured warehouses (synced first, as every warehouse use case)."""
    warehouses.ensure(db, warehouses_path, now_ms)
    with db.transaction() as s:
        if warehouses.active(s, body.warehouseCode) is None:
            raise validation_error("warehouseCode", f"no warehouse {body.warehouseCode!r}")
        parcel = _parcel_row(s, body, now_ms)
        if parcel.status in (PARCEL_PACKED, PARCEL_SHIPPED):
            raise Conflict(f"parcel {parcel.parcel_id} is already {parcel.status}")
        _weigh(parcel, body, now_ms)
        # a repeat scan of a parcel already its order's changes its sizes only
        if not (parcel.status == RECEIVED and parcel.logistics_order_id is not None):
            order, how = _match(s, parcel, body)
            if order is not None:
                _receive(s, parcel, order, how, now_ms)
            else:
                parcel.logistics_order_id = None
                parcel.developer_id = None
                parcel.user_id = None
                parcel.status = RECEIVED
                parcel.matched_by = None
        if parcel.received_at is None:
            parcel.received_at = now_ms
        audit(
            s,
            actor=actor,
            action="warehouse.scan",
            target=parcel.parcel_id,
            details={**body.model_dump(), "logisticsOrderId": parcel.logistics_order_id},
            request_id=request_id,
            now_ms=now_ms,
        )
        s.flush()
        return {**records.parcel_view(parcel), "matched": parcel.logistics_order_id is not None}


def _parcel_row(s: Session, body: InboundScan, now_ms: int) -> Parcel:
    """The (warehouse, tracking number) parcel, locked; a new unclaimed one when none exists
    (inserted so that two concurrent first scans make one row)."""
    insert_ignore(
        s,
        Parcel.__table__,
        {
            "parcel_id": ids.parcel_id(),
            "warehouse_code": body.warehouseCode,
            "tracking_no": body.trackingNo,
            "logistic_company_name": body.logisticCompanyName,
            "status": RECEIVED,
            "photos": "[]",
            "created_at": now_ms,
            "modified_at": now_ms,
        },
        ["warehouse_code", "tracking_no"],
    )
    return s.execute(
        select(Parcel)
        .where(Parcel.warehouse_code == body.warehouseCode, Parcel.tracking_no == body.trackingNo)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _weigh(parcel: Parcel, body: InboundScan, now_ms: int) -> None:
    for name in ("weight", "length", "width", "height"):
        value = getattr(body, name)
        if value is not None:
            setattr(parcel, name, value)
    if body.photos is not None:
        parcel.photos = json.dumps(body.photos, ensure_ascii=False)
    if body.logisticCompanyName:
        parcel.logistic_company_name = body.logisticCompanyName
    parcel.modified_at = now_ms


def _open_order(s: Session, logistics_order_id: str, warehouse_code: str) -> LogisticsOrder | None:
    row = records.lock(s, logistics_order_id)
    if row is None or row.warehouse_code != warehouse_code or row.status not in OPEN:
        return None
    return row


def _match(s: Session, parcel: Parcel, body: InboundScan) -> tuple[LogisticsOrder | None, str]:
    # 1. declared
    if parcel.status == EXPECTED and parcel.logistics_order_id is not None:
        row = _open_order(s, parcel.logistics_order_id, parcel.warehouse_code)
        if row is not None:
            return row, "declared"
    # 2. the waybill of a live source order
    candidates = _by_source_waybill(s, parcel.warehouse_code, parcel.tracking_no)
    if len(candidates) == 1:
        row = _open_order(s, candidates[0], parcel.warehouse_code)
        if row is not None:
            return row, "source"
    # 3. the mark code
    if body.markCode:
        found = _by_mark(s, parcel.warehouse_code, body.markCode)
        if found is not None:
            row = _open_order(s, found, parcel.warehouse_code)
            if row is not None:
                return row, "mark"
    return None, ""


def _by_source_waybill(s: Session, warehouse_code: str, bill_no: str) -> list[str]:
    """The open logistics orders in this warehouse with a live source order whose parcels
    carry this waybill (each order id once)."""
    found: set[str] = set()
    for platform, order_id, developer_id in purchasing.orders_with_waybill(s, bill_no):
        # a source order names a 1688 order by its id, a Taobao purchase order by the id its
        # shop orders carry as their group
        named = {order_id}
        group = s.execute(
            select(PurchaseOrder.group_id).where(
                PurchaseOrder.platform == platform, PurchaseOrder.order_id == order_id
            )
        ).scalar_one_or_none()
        if group:
            named.add(group)
        rows = s.execute(
            select(LogisticsOrder.logistics_order_id)
            .join(
                LogisticsSource,
                LogisticsSource.logistics_order_id == LogisticsOrder.logistics_order_id,
            )
            .where(
                LogisticsSource.platform == platform,
                LogisticsSource.order_id.in_(named),
                LogisticsSource.developer_id == developer_id,
                LogisticsSource.active_key.is_not(None),
                LogisticsOrder.warehouse_code == warehouse_code,
                LogisticsOrder.status.in_(OPEN),
            )
        ).scalars()
        found.update(rows)
    return sorted(found)


def _by_mark(s: Session, warehouse_code: str, mark: str) -> str | None:
    """An order's own mark names it (when open here); a caller's general mark names the
    caller's one open order here (none, or two or more: no match)."""
    own = s.execute(
        select(LogisticsOrder.logistics_order_id, LogisticsOrder.status).where(
            LogisticsOrder.mark_code == mark, LogisticsOrder.warehouse_code == warehouse_code
        )
    ).first()
    if own is not None:
        return own.logistics_order_id if own.status in OPEN else None
    rows = s.execute(
        select(
            LogisticsOrder.logistics_order_id,
            LogisticsOrder.developer_id,
            LogisticsOrder.user_id,
            LogisticsOrder.mark_code,
        ).where(
            LogisticsOrder.warehouse_code == warehouse_code,
            LogisticsOrder.status.in_(OPEN),
            LogisticsOrder.mark_code.startswith(mark, autoescape=True),
        )
    ).all()
    mine = [r.logistics_order_id for r in rows if _general_mark(r.mark_code) == mark]
    return mine[0] if len(mine) == 1 else None


def _general_mark(order_mark: str) -> str:
    """The caller's general mark inside an order's own mark (the order's mark is the
    caller's mark, a dash, and a short per-order suffix: see :mod:`warehouses`)."""
    return order_mark.rsplit("-", 1)[0] if "-" in order_mark else order_mark


def _receive(s: Session, parcel: Parcel, row: LogisticsOrder, how: str, now_ms: int) -> None:
    """The parcel is this order's: received; the order ``inbound`` on its first parcel."""
    parcel.logistics_order_id = row.logistics_order_id
    parcel.developer_id = row.developer_id
    parcel.user_id = row.user_id
    parcel.status = RECEIVED
    parcel.matched_by = how
    if parcel.received_at is None:
        parcel.received_at = now_ms
    s.flush()
    records.parcel_received(s, parcel, row, now_ms)
    if row.status == AWAITING_INBOUND:
        records.move(s, row, INBOUND, now_ms, remark=f"parcel {parcel.tracking_no} received")


# --- 12.10 pack -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Settled:
    final: int
    charged: int
    chargeable_weight: int


def pack(
    db: Database,
    tables: freight.FreightTables,
    body: Pack,
    now_ms: int,
    *,
    actor: str,
    request_id: str | None,
) -> dict[str, Any]:
    """Pack received parcels of one order and settle its freight in one transaction: capture
    up to the final freight from the hold and release the rest; beyond the hold, take the
    difference from available (a `capture` naming the order), or, when the wallet cannot
    cover it, leave the order ``awaiting_payment`` with the shortfall (final - charged)."""
    with db.transaction() as s:
        found = s.get(LogisticsOrder, body.logisticsOrderId)
        if found is None:
            raise NotFound(f"no logistics order {body.logisticsOrderId}")
        wallet.lock_account(s, found.developer_id, found.currency)
        row = records.lock(s, body.logisticsOrderId)
        assert row is not None  # orders are never deleted
        if row.status != INBOUND:
            raise Conflict(f"the logistics order is {row.status}: only an inbound one is packed")
        parcels = _packable(s, row, body.parcelIds)
        quote = _tariff(tables, row, body)
        final = quote.freight if body.finalFreight is None else body.finalFreight
        settled = _settle(s, row, final, quote.chargeable_weight_g, now_ms)
        row.final_freight = settled.final
        row.charged_freight = settled.charged
        row.held_freight = 0
        row.chargeable_weight = settled.chargeable_weight
        row.package = json.dumps(body.package.model_dump(), separators=(",", ":"))
        for p in parcels:
            p.status = PARCEL_PACKED
            p.modified_at = now_ms
        short = settled.final - settled.charged
        if short > 0:
            records.move(
                s, row, AWAITING_PAYMENT, now_ms, remark=f"freight {short} fen awaits a top-up"
            )
        else:
            records.move(s, row, PACKED, now_ms, remark=f"packed, freight {settled.final} fen")
        audit(
            s,
            actor=actor,
            action="warehouse.pack",
            target=row.logistics_order_id,
            details={**body.model_dump(), "finalFreight": settled.final, "short": short},
            request_id=request_id,
            now_ms=now_ms,
        )
        return records.order_view(s, row)


def _packable(s: Session, row: LogisticsOrder, parcel_ids: list[str]) -> list[Parcel]:
    if len(set(parcel_ids)) != len(parcel_ids):
        dup = next(i for i, p in enumerate(parcel_ids) if parcel_ids.index(p) != i)
        raise validation_error(f"parcelIds[{dup}]", "a parcel is named twice")
    found = {
        p.parcel_id: p
        for p in s.execute(
            select(Parcel).where(Parcel.parcel_id.in_(parcel_ids)).with_for_update()
        ).scalars()
    }
    out = []
    for i, pid in enumerate(parcel_ids):
        p = found.get(pid)
        if p is None or p.logistics_order_id != row.logistics_order_id:
            raise validation_error(f"parcelIds[{i}]", f"{pid} is not a parcel of this order")
        if p.status != RECEIVED:
            raise validation_error(f"parcelIds[{i}]", f"{pid} is {p.status}, not received")
        out.append(p)
    return out


def _tariff(tables: freight.FreightTables, row: LogisticsOrder, body: Pack) -> freight.Quote:
    """The channel's price of the actual package to the receiver's country; 40001 naming the
    package's field over the channel's limits."""
    service_id = json.loads(row.freight_info).get("serviceId")
    channel = tables.channel(str(service_id))
    if channel is None:
        raise Conflict(f"the order's freight service {service_id!r} is no longer offered")
    country = str(json.loads(row.receiver).get("country") or "")
    pkg = body.package
    try:
        return freight.quote(
            channel,
            country,
            freight.Package(
                weight_g=pkg.weight, length_mm=pkg.length, width_mm=pkg.width, height_mm=pkg.height
            ),
        )
    except freight.Refusal as refusal:
        raise validation_error(refusal.field, refusal.message) from None


def _settle(s: Session, row: LogisticsOrder, final: int, weight: int, now_ms: int) -> Settled:
    """Capture up to `final` from the hold (the rest released); beyond it, charge available
    when it covers the difference. Returns what was charged in all."""
    dev = row.developer_id
    hold = wallet.find_hold(s, dev, row.hold_key)
    held = hold.amount if hold is not None and hold.status == "held" else 0
    if hold is not None and hold.status == "held":
        if final == 0:
            wallet.release(s, developer_id=dev, key=row.hold_key, now_ms=now_ms)
        else:
            wallet.capture(
                s,
                developer_id=dev,
                key=row.hold_key,
                now_ms=now_ms,
                amount=min(final, held),
                counter=wallet.SYS_FREIGHT,
            )
    charged = min(final, held)
    extra = final - charged
    if extra > 0 and wallet.balance(s, dev, row.currency).availableAmount >= extra:
        _charge_extra(s, row, extra, now_ms)
        charged += extra
    return Settled(final=final, charged=charged, chargeable_weight=weight)


def _charge_extra(s: Session, row: LogisticsOrder, amount: int, now_ms: int) -> None:
    wallet.charge(
        s,
        developer_id=row.developer_id,
        key=extra_key(row.logistics_order_id),
        amount=amount,
        now_ms=now_ms,
        currency=row.currency,
        refs=wallet.Refs(
            user_id=row.user_id,
            logistics_order_id=row.logistics_order_id,
            remark="freight beyond the hold",
        ),
        counter=wallet.SYS_FREIGHT,
    )


# --- 12.5: a top-up pays the orders awaiting payment -----------------------------------------
def pay_awaiting(s: Session, developer_id: int, now_ms: int) -> list[str]:
    """In the top-up's transaction (the wallet already locked by it): charge the shortfall of
    the developer's ``awaiting_payment`` orders, oldest first, while the balance covers each;
    those become ``packed``. The ids of the orders paid."""
    wallet.lock_account(s, developer_id)
    waiting = s.execute(
        select(LogisticsOrder.logistics_order_id)
        .where(
            LogisticsOrder.developer_id == developer_id,
            LogisticsOrder.status == AWAITING_PAYMENT,
        )
        .order_by(LogisticsOrder.created_at, LogisticsOrder.logistics_order_id)
    ).scalars()
    paid: list[str] = []
    for order_id in list(waiting):
        row = records.lock(s, order_id)
        if row is None or row.status != AWAITING_PAYMENT:
            continue
        short = (row.final_freight or 0) - row.charged_freight
        if short > 0:
            if wallet.balance(s, developer_id, row.currency).availableAmount < short:
                break
            _charge_extra(s, row, short, now_ms)
            row.charged_freight += short
        records.move(s, row, PACKED, now_ms, remark="freight paid by a top-up")
        paid.append(order_id)
    return paid


# --- 12.11 ship, 12.12 track ----------------------------------------------------------------
def _locked(s: Session, logistics_order_id: str) -> LogisticsOrder:
    row = records.lock(s, logistics_order_id)
    if row is None:
        raise NotFound(f"no logistics order {logistics_order_id}")
    return row


def ship(
    db: Database, body: Ship, now_ms: int, *, actor: str, request_id: str | None
) -> dict[str, Any]:
    """Hand a packed order to the carrier (40901 unless ``packed``); its parcels ship."""
    with db.transaction() as s:
        row = _locked(s, body.logisticsOrderId)
        if row.status != PACKED:
            raise Conflict(f"the logistics order is {row.status}: only a packed one ships")
        row.carrier_name = body.carrierName
        row.international_tracking_no = body.internationalTrackingNo
        for p in s.execute(
            select(Parcel)
            .where(
                Parcel.logistics_order_id == row.logistics_order_id,
                Parcel.status == PARCEL_PACKED,
            )
            .with_for_update()
        ).scalars():
            p.status = PARCEL_SHIPPED
            p.modified_at = now_ms
        records.move(
            s,
            row,
            SHIPPED,
            now_ms,
            remark=f"{body.carrierName} {body.internationalTrackingNo}",
        )
        audit(
            s,
            actor=actor,
            action="warehouse.ship",
            target=row.logistics_order_id,
            details=body.model_dump(),
            request_id=request_id,
            now_ms=now_ms,
        )
        return records.order_view(s, row)


def track(
    db: Database, body: Track, now_ms: int, *, actor: str, request_id: str | None
) -> dict[str, Any]:
    """One tracking step of a shipped order (40901 on any other): ``delivered`` ends it,
    ``exception`` flags it, ``exception_cleared`` clears the flag, ``in_transit`` is a step."""
    with db.transaction() as s:
        row = _locked(s, body.logisticsOrderId)
        if row.status != SHIPPED:
            raise Conflict(f"the logistics order is {row.status}: tracking steps follow shipping")
        when = now_ms if body.time is None else body.time
        if body.status == "delivered":
            records.move(s, row, DELIVERED, now_ms, remark=body.remark, time_ms=when)
        else:
            if body.status == "exception":
                row.exception = True
            elif body.status == "exception_cleared":
                if not row.exception:
                    raise Conflict("the logistics order has no exception to clear")
                row.exception = False
            row.modified_at = now_ms
            records.add_event(s, row, body.status, body.remark, when, now_ms)
            records.emit(s, row, row.status, now_ms)
        audit(
            s,
            actor=actor,
            action="warehouse.track",
            target=row.logistics_order_id,
            details=body.model_dump(),
            request_id=request_id,
            now_ms=now_ms,
        )
        return records.order_view(s, row)
