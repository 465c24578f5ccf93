"""Booking international shipping (ENDPOINTS 11.3), declaring the domestic parcels (11.4) and
cancelling before packing (11.7): one transaction each.

A booking takes an unused, unexpired preview of the caller's (11.2), holds its freight in the
wallet (key ``logistics:<LO>:freight``), creates the logistics order ``awaiting_inbound`` at the
warehouse serving the receiver's country, with a mark code of its own, and links the gateway
orders whose goods ship into it (``sourceOrders``): a 1688 order by its id, a Taobao purchase
order by its ``orderId`` (the purchasing core's shop orders of it carry its id as ``group_id``).
An order's goods are booked once: ``logistics_source.active_key`` (``<platform>:<orderId>``) is
unique while the booking lives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.db.session import Database
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PurchaseOrder, PurchaseOrderWaybill
from daigou.purchasing.profile import CANCELLED as ORDER_CANCELLED
from daigou.purchasing.profile import REFUNDED as ORDER_REFUNDED
from daigou.wallet import service as wallet
from daigou.wallet.posting import Refs
from daigou.warehouse import ids, records, warehouses
from daigou.warehouse import schemas as S
from daigou.warehouse.models import (
    AWAITING_INBOUND,
    CANCELLED,
    EXPECTED,
    INBOUND,
    RECEIVED,
    FreightRender,
    LogisticsOrder,
    LogisticsSource,
    Parcel,
)
from daigou.warehouse.queries import visible

CANCELLABLE = frozenset({AWAITING_INBOUND, INBOUND})
DECLARABLE = CANCELLABLE
CLOSED = frozenset({ORDER_CANCELLED, ORDER_REFUNDED})


def hold_key(logistics_order_id: str) -> str:
    return f"logistics:{logistics_order_id}:freight"


def active_key(platform: str, order_id: str) -> str:
    return f"{platform}:{order_id}"


# --- 11.3 ---------------------------------------------------------------------------------------
def _render(s: Session, buyer: Buyer, render_id: str, now_ms: int) -> FreightRender:
    found = s.execute(
        select(FreightRender)
        .where(FreightRender.render_id == render_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if found is None or found.developer_id != buyer.developer_id:
        raise NotFound("no such preview")
    if buyer.user_id is not None and found.user_id != buyer.user_id:
        raise ApiError(40302, "the preview belongs to another sub-account")
    if found.used_by is not None:
        raise Conflict(f"preview expired or used: it booked {found.used_by}")
    if found.expire_at < now_ms:
        raise Conflict("preview expired or used: it expired; preview again (11.2)")
    return found


def _check_lines(render: FreightRender, lines: list[S.LineItem]) -> list[dict[str, Any]]:
    """The booking's lines, which must be the preview's (same items, SKUs, quantities, in
    order, on its service); each keeps the caller's title and picture when given."""
    stored: list[dict[str, Any]] = json.loads(render.items)["items"]
    if len(lines) != len(stored):
        raise validation_error(
            "lineItems", f"the preview has {len(stored)} lines, the booking {len(lines)}"
        )
    out = []
    for i, (line, item) in enumerate(zip(lines, stored, strict=True)):
        if (line.itemId, line.skuId, line.quantity) != (
            item["itemId"],
            item["skuId"],
            item["quantity"],
        ):
            raise validation_error(
                f"lineItems[{i}]",
                f"does not match the preview's line {i} (item {item['itemId']}, SKU "
                f"{item['skuId']}, quantity {item['quantity']})",
            )
        if line.freightInfo is not None and line.freightInfo.serviceId != render.service_id:
            raise validation_error(
                f"lineItems[{i}].freightInfo.serviceId",
                f"the preview's service is {render.service_id!r}",
            )
        out.append(
            {
                "itemId": line.itemId,
                "skuId": line.skuId,
                "quantity": line.quantity,
                "title": line.title or item.get("title"),
                "imageUrl": line.imageUrl or item.get("imageUrl"),
                "currency": line.currency or item.get("currency"),
                "price": line.price if line.price is not None else item.get("price"),
                "weight": item["weight"],
            }
        )
    return out


def _source_rows(s: Session, platform: str, order_id: str) -> list[PurchaseOrder]:
    """The purchasing core's orders a source order names (Taobao: the shop orders of the
    purchase order)."""
    column = PurchaseOrder.group_id if platform == "taobao" else PurchaseOrder.order_id
    return list(
        s.execute(
            select(PurchaseOrder).where(PurchaseOrder.platform == platform, column == order_id)
        )
        .scalars()
        .all()
    )


def _check_sources(s: Session, buyer: Buyer, sources: list[S.SourceOrder]) -> list[str]:
    """The platforms' names of the source orders, each the caller's own, open and not booked
    elsewhere (40001 naming the order when unknown or not the caller's; 40901 when closed or
    booked)."""
    platforms = []
    for i, src in enumerate(sources):
        platform = records.PLATFORM_CODES[src.platform]
        field = f"sourceOrders[{i}].orderId"
        rows = _source_rows(s, platform, src.orderId)
        mine = [
            r
            for r in rows
            if r.developer_id == buyer.developer_id
            and (buyer.user_id is None or r.user_id == buyer.user_id)
        ]
        if not rows or len(mine) != len(rows):
            raise validation_error(field, f"you have no {platform} order {src.orderId}")
        if all(r.state in CLOSED for r in rows):
            raise ApiError(
                40901,
                f"{field}: the order {src.orderId} is closed",
                {"errors": [{"field": field, "message": "the order is closed or cancelled"}]},
            )
        booked = s.execute(
            select(LogisticsSource.logistics_order_id).where(
                LogisticsSource.active_key == active_key(platform, src.orderId)
            )
        ).scalar_one_or_none()
        if booked is not None:
            raise ApiError(
                40901,
                f"{field}: already booked in {booked}",
                {"errors": [{"field": field, "message": f"already booked in {booked}"}]},
            )
        platforms.append(platform)
    return platforms


def book(
    db: Database,
    buyer: Buyer,
    body: S.BookRequest,
    warehouses_path: Path | None,
    now_ms: int,
) -> dict[str, Any]:
    """11.3 (see the module's docstring)."""
    warehouses.ensure(db, warehouses_path, now_ms)
    defaults = warehouses.default_codes(warehouses_path)
    with db.transaction() as s:
        render = _render(s, buyer, body.renderId, now_ms)
        lines = _check_lines(render, body.lineItems)
        quoted: dict[str, Any] = json.loads(render.receiver)
        receiver = quoted if body.receiverAddress is None else body.receiverAddress.wire()
        if receiver["country"] != quoted["country"]:
            raise validation_error(
                "receiverAddress.country",
                f"the preview was priced for {quoted['country']}: preview again to change it",
            )
        platforms = _check_sources(s, buyer, body.sourceOrders)
        house = warehouses.serving(s, receiver["country"], defaults)
        if house is None:
            raise validation_error(
                "receiverAddress.country", f"no warehouse ships to {receiver['country']}"
            )
        lo_id = ids.logistics_order_id()
        mark = warehouses.order_mark(s, buyer)
        info = json.loads(render.items)
        channel_info = info.get("freightInfo") or {"serviceId": render.service_id}
        row = LogisticsOrder(
            logistics_order_id=lo_id,
            developer_id=buyer.developer_id,
            user_id=buyer.user_id,
            render_id=render.render_id,
            warehouse_code=house.code,
            mark_code=mark,
            status=AWAITING_INBOUND,
            exception=False,
            receiver=json.dumps(receiver, ensure_ascii=False),
            freight_info=json.dumps(channel_info, ensure_ascii=False),
            line_items=json.dumps(lines, ensure_ascii=False),
            tmall_order_id=body.tmallOrderInfo.tmallOrderId if body.tmallOrderInfo else None,
            remark=body.remark,
            currency=render.currency,
            quoted_freight=render.total_freight,
            held_freight=render.total_freight,
            final_freight=None,
            charged_freight=0,
            chargeable_weight=render.chargeable_weight,
            package=None,
            hold_key=hold_key(lo_id),
            sequence=0,
            created_at=now_ms,
            modified_at=now_ms,
        )
        s.add(row)
        render.used_by = lo_id
        for src, platform in zip(body.sourceOrders, platforms, strict=True):
            s.add(
                LogisticsSource(
                    logistics_order_id=lo_id,
                    platform=platform,
                    order_id=src.orderId,
                    developer_id=buyer.developer_id,
                    active_key=active_key(platform, src.orderId),
                )
            )
        try:
            s.flush()
        except IntegrityError as exc:  # a concurrent booking took a source order first
            raise Conflict("preview expired or used, or a source order was just booked") from exc
        if render.total_freight > 0:
            wallet.hold(
                s,
                developer_id=buyer.developer_id,
                key=row.hold_key,
                amount=render.total_freight,
                now_ms=now_ms,
                currency=render.currency,
                refs=Refs(user_id=buyer.user_id, logistics_order_id=lo_id),
            )
        records.add_event(s, row, AWAITING_INBOUND, "booked", now_ms, now_ms)
        records.emit(s, row, None, now_ms)
        arrived = _claim_arrived(s, row, body.sourceOrders, platforms, now_ms)
        if arrived:
            for p in arrived:
                records.parcel_received(s, p, row, now_ms)
            records.move(s, row, INBOUND, now_ms, "parcels that arrived before the booking")
        view = records.order_view(s, row)
        view["warehouse"] = {
            "warehouseCode": house.code,
            "receiver": warehouses.marked(warehouses.receiver_of(house), mark),
            "markCode": mark,
        }
        return view


def _claim_arrived(
    s: Session,
    row: LogisticsOrder,
    sources: list[S.SourceOrder],
    platforms: list[str],
    now_ms: int,
) -> list[Parcel]:
    """Parcels of the source orders that reached this warehouse before the booking (received,
    held unclaimed, their tracking number a waybill of one of the orders): the new booking
    claims them, as a scan would have matched them had it come first."""
    bills: set[str] = set()
    for src, platform in zip(sources, platforms, strict=True):
        order_ids = [r.order_id for r in _source_rows(s, platform, src.orderId)]
        bills.update(
            s.execute(
                select(PurchaseOrderWaybill.bill_no).where(
                    PurchaseOrderWaybill.platform == platform,
                    PurchaseOrderWaybill.order_id.in_(order_ids),
                )
            ).scalars()
        )
    if not bills:
        return []
    found = list(
        s.execute(
            select(Parcel)
            .where(
                Parcel.warehouse_code == row.warehouse_code,
                Parcel.tracking_no.in_(sorted(bills)),
                Parcel.logistics_order_id.is_(None),
                Parcel.status == RECEIVED,
            )
            .order_by(Parcel.received_at, Parcel.parcel_id)
            .with_for_update()
        ).scalars()
    )
    for p in found:
        p.logistics_order_id = row.logistics_order_id
        p.developer_id = row.developer_id
        p.user_id = row.user_id
        p.matched_by = "source"
        p.modified_at = now_ms
    s.flush()
    return found


# --- 11.4 ---------------------------------------------------------------------------------------
def _lock_mine(s: Session, buyer: Buyer, logistics_order_id: str) -> LogisticsOrder:
    row = records.lock(s, logistics_order_id)
    if row is None:
        raise NotFound("no such logistics order")
    visible(row, buyer)
    return row


def _rts_ms(value: int | None) -> int | None:
    """rtsTime in ms; 10 digits are seconds (ENDPOINTS 11.4)."""
    if value is None:
        return None
    return value * 1000 if value < 10**11 else value


def _numbers(info: S.LogisticInfo) -> list[tuple[str, str | None, int | None]]:
    """(tracking no., company, ready-to-ship ms) of an entry, each number once."""
    out: dict[str, tuple[str, str | None, int | None]] = {}
    for d in info.domesticLogisticInfo:
        if d.logisticNumer and d.logisticNumer not in out:
            out[d.logisticNumer] = (
                d.logisticNumer,
                d.logisticCompanyName or info.logisticCompanyName,
                _rts_ms(d.rtsTime),
            )
    if info.logisticNumer and info.logisticNumer not in out:
        out[info.logisticNumer] = (info.logisticNumer, info.logisticCompanyName, None)
    return list(out.values())


def _declare_one(
    s: Session, row: LogisticsOrder, info: S.LogisticInfo, now_ms: int
) -> tuple[list[str], list[Parcel]]:
    """The entry's parcels (new, already declared by this order, or claimed from the unclaimed
    ones); Conflict when another logistics order declared one of its numbers."""
    line = info.lineItem.model_dump(exclude_none=True) if info.lineItem else None
    line_json = json.dumps(line, ensure_ascii=False) if line else None
    parcel_ids: list[str] = []
    claimed: list[Parcel] = []
    for number, company, rts in _numbers(info):
        p = s.execute(
            select(Parcel)
            .where(Parcel.warehouse_code == row.warehouse_code, Parcel.tracking_no == number)
            .with_for_update()
        ).scalar_one_or_none()
        if p is None:
            p = Parcel(
                parcel_id=ids.parcel_id(),
                warehouse_code=row.warehouse_code,
                tracking_no=number,
                logistic_company_name=company,
                developer_id=row.developer_id,
                user_id=row.user_id,
                logistics_order_id=row.logistics_order_id,
                status=EXPECTED,
                line_item=line_json,
                matched_by="declared",
                photos="[]",
                rts_time=rts,
                created_at=now_ms,
                modified_at=now_ms,
            )
            s.add(p)
        elif p.logistics_order_id == row.logistics_order_id:
            p.line_item = line_json or p.line_item
            p.logistic_company_name = company or p.logistic_company_name
            p.rts_time = rts or p.rts_time
            p.modified_at = now_ms
        elif p.logistics_order_id is None and p.status == RECEIVED:
            p.logistics_order_id = row.logistics_order_id
            p.developer_id = row.developer_id
            p.user_id = row.user_id
            p.matched_by = "declared"
            p.line_item = line_json
            p.logistic_company_name = company or p.logistic_company_name
            p.rts_time = rts
            p.modified_at = now_ms
            claimed.append(p)
        else:
            raise Conflict(f"tracking number {number} is declared by another logistics order")
        parcel_ids.append(p.parcel_id)
    return parcel_ids, claimed


def declare(db: Database, buyer: Buyer, body: S.DeclareRequest, now_ms: int) -> dict[str, Any]:
    """11.4: each entry's parcels, a result per entry (an entry naming a number another
    logistics order declared fails 40901; the others go on). A parcel that was already
    received unclaimed is claimed: the order becomes ``inbound`` and WAREHOUSE_PARCEL_RECEIVED
    is sent."""
    with db.transaction() as s:
        row = _lock_mine(s, buyer, body.orderId)
        if row.status not in DECLARABLE:
            raise Conflict(
                f"the logistics order is {row.status}: parcels are declared before packing"
            )
        if body.tmallOrderId and not row.tmall_order_id:
            row.tmall_order_id = body.tmallOrderId
        results: list[dict[str, Any]] = []
        arrived: list[Parcel] = []
        for i, info in enumerate(body.logisticInfos):
            key = info.logisticNumer or next(
                (d.logisticNumer for d in info.domesticLogisticInfo if d.logisticNumer), None
            )
            try:
                with s.begin_nested():
                    parcel_ids, claimed = _declare_one(s, row, info, now_ms)
            except ApiError as exc:
                results.append(
                    {
                        "index": i,
                        "key": key,
                        "success": False,
                        "code": exc.code,
                        "msg": exc.msg,
                        "parcelIds": [],
                    }
                )
                continue
            arrived.extend(claimed)
            results.append(
                {
                    "index": i,
                    "key": key,
                    "success": True,
                    "code": 200,
                    "msg": "success",
                    "parcelIds": parcel_ids,
                }
            )
        row.modified_at = now_ms
        s.flush()
        if arrived:
            for p in arrived:
                records.parcel_received(s, p, row, now_ms)
            if row.status == AWAITING_INBOUND:
                records.move(s, row, INBOUND, now_ms, "parcel declared after it arrived")
            else:
                records.emit(s, row, row.status, now_ms)
        return {"results": results}


# --- 11.7 ---------------------------------------------------------------------------------------
def cancel(
    db: Database, buyer: Buyer, logistics_order_id: str, reason: str | None, now_ms: int
) -> dict[str, Any]:
    """11.7: before packing only (40901 after). The freight hold is released, the source orders
    are free for another booking, received parcels stay stored unclaimed (a new booking claims
    them by declaring their numbers: 11.4) and declarations of parcels not yet arrived are
    dropped."""
    with db.transaction() as s:
        row = _lock_mine(s, buyer, logistics_order_id)
        if row.status not in CANCELLABLE:
            raise Conflict(f"the logistics order is {row.status}: it is cancelled before packing")
        if row.held_freight > 0:
            wallet.release(s, developer_id=row.developer_id, key=row.hold_key, now_ms=now_ms)
            row.held_freight = 0
        row.cancel_reason = reason or "cancelled by the buyer"
        s.execute(
            update(LogisticsSource)
            .where(LogisticsSource.logistics_order_id == row.logistics_order_id)
            .values(active_key=None)
        )
        s.execute(
            delete(Parcel).where(
                Parcel.logistics_order_id == row.logistics_order_id, Parcel.status == EXPECTED
            )
        )
        s.execute(
            update(Parcel)
            .where(Parcel.logistics_order_id == row.logistics_order_id)
            .values(logistics_order_id=None, developer_id=None, user_id=None, modified_at=now_ms)
        )
        records.move(s, row, CANCELLED, now_ms, row.cancel_reason)
        return records.order_view(s, row)
