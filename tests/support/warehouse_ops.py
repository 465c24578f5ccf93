"""The warehouse's operator side in tests: a test warehouse, logistics orders booked straight
into the database (the freight held as 11.3 holds it, one INTERNATIONAL_SHIPMENT_UPDATE), the
operator's admin calls, and reads of a logistics order's messages and ledger entries."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import select

from daigou.db.session import Database
from daigou.developers import service as developers
from daigou.messages.models import OutboxMessage
from daigou.wallet import service as wallet
from daigou.wallet.models import LedgerEntry
from daigou.warehouse import ids, records
from daigou.warehouse.models import AWAITING_INBOUND, LogisticsOrder, LogisticsSource, Warehouse
from tests.support.api import assert_ok

WAREHOUSE = "TESTWH"
NOW_MS = 1_767_225_600_000  # 2026-01-01
SCAN = "/admin/warehouse/inbound/scan"
PACK = "/admin/warehouse/pack"
SHIP = "/admin/warehouse/ship"
TRACK = "/admin/warehouse/track"
RECEIVER = {
    "name": "Ana Lopez",
    "phone": "+34600000000",
    "address": "Calle Mayor 1",
    "country": "US",
    "state": "CA",
    "city": "San Jose",
    "zip": "95113",
}


def ensure_warehouse(db: Database, code: str = WAREHOUSE) -> str:
    with db.transaction() as s:
        if s.get(Warehouse, code) is None:
            s.add(
                Warehouse(
                    code=code,
                    name="Test warehouse",
                    receiver=json.dumps({"fullName": "Test", "mobile": "13800000000"}),
                    service_countries=json.dumps(["US", "DE", "GB"]),
                    origin="operator",
                    active=True,
                    created_at=NOW_MS,
                    modified_at=NOW_MS,
                )
            )
    return code


def book(
    db: Database,
    develop_id: str,
    *,
    quoted: int = 9_500,
    service_id: str = "AIR-STD",
    country: str = "US",
    sources: tuple[tuple[str, str], ...] = (),
    user_id: str | None = None,
    warehouse: str = WAREHOUSE,
    mark: str | None = None,
    now_ms: int = NOW_MS,
) -> str:
    """A logistics order ``awaiting_inbound`` with `quoted` fen held, as a booking makes it;
    `sources`: (platform name, order id) pairs. Its mark is ``<mark or M+dev>-<suffix>``."""
    lo = ids.logistics_order_id()
    with db.transaction() as s:
        dev = developers.developer_pk_in(s, develop_id)
        key = f"logistics:{lo}:freight"
        wallet.hold(
            s,
            developer_id=dev,
            key=key,
            amount=quoted,
            now_ms=now_ms,
            refs=wallet.Refs(user_id=user_id, logistics_order_id=lo),
        )
        row = LogisticsOrder(
            logistics_order_id=lo,
            developer_id=dev,
            user_id=user_id,
            render_id="FF" + secrets.token_hex(8),
            warehouse_code=warehouse,
            mark_code=f"{mark or f'M{dev}'}-{secrets.token_hex(3).upper()}",
            status=AWAITING_INBOUND,
            exception=False,
            receiver=json.dumps({**RECEIVER, "country": country}),
            freight_info=json.dumps(
                {"serviceId": service_id, "companyName": "Test", "serviceCategory": "air"}
            ),
            line_items="[]",
            currency="CNY",
            quoted_freight=quoted,
            held_freight=quoted,
            charged_freight=0,
            chargeable_weight=500,
            hold_key=key,
            sequence=0,
            created_at=now_ms,
            modified_at=now_ms,
        )
        s.add(row)
        for platform, order_id in sources:
            s.add(
                LogisticsSource(
                    logistics_order_id=lo,
                    platform=platform,
                    order_id=order_id,
                    developer_id=dev,
                    active_key=f"{platform}:{order_id}",
                )
            )
        s.flush()
        records.add_event(s, row, AWAITING_INBOUND, "booked", now_ms, now_ms)
        records.emit(s, row, None, now_ms)
    return lo


def mark_of(db: Database, logistics_order_id: str) -> str:
    with db.reading() as conn:
        return str(
            conn.execute(
                select(LogisticsOrder.mark_code).where(
                    LogisticsOrder.logistics_order_id == logistics_order_id
                )
            ).scalar_one()
        )


def scan(api: Any, tracking_no: str, warehouse: str = WAREHOUSE, **fields: Any) -> Any:
    return api.admin(
        "POST", SCAN, {"warehouseCode": warehouse, "trackingNo": tracking_no, **fields}
    )


def pack(
    api: Any,
    logistics_order_id: str,
    parcel_ids: list[str],
    weight: int,
    size: tuple[int, int, int] = (300, 200, 100),
    **fields: Any,
) -> Any:
    length, width, height = size
    package = {"weight": weight, "length": length, "width": width, "height": height}
    body = {"logisticsOrderId": logistics_order_id, "parcelIds": parcel_ids, "package": package}
    return api.admin("POST", PACK, {**body, **fields})


def ship(api: Any, logistics_order_id: str, tracking: str = "1Z999") -> Any:
    body = {
        "logisticsOrderId": logistics_order_id,
        "carrierName": "UPS",
        "internationalTrackingNo": tracking,
    }
    return api.admin("POST", SHIP, body)


def track(api: Any, logistics_order_id: str, status: str, **fields: Any) -> Any:
    return api.admin(
        "POST", TRACK, {"logisticsOrderId": logistics_order_id, "status": status, **fields}
    )


def topup(api: Any, develop_id: str, amount: int) -> dict[str, Any]:
    body = {
        "developId": develop_id,
        "type": "topup",
        "amount": amount,
        "reference": "wh-" + secrets.token_hex(4),
    }
    return dict(assert_ok(api.admin("POST", "/admin/wallet/adjust", body)))


def messages_of(db: Database, logistics_order_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, body) of the logistics order's messages, in the order they were written."""
    with db.reading() as conn:
        rows = conn.execute(
            select(OutboxMessage.message_type, OutboxMessage.body)
            .where(OutboxMessage.object_id == logistics_order_id)
            .order_by(OutboxMessage.seq)
        ).all()
    return [(t, json.loads(b)) for t, b in rows]


def ledger_of(db: Database, logistics_order_id: str) -> list[tuple[str, int, int]]:
    """(type, amount, heldDelta) of the ledger entries naming the logistics order."""
    with db.reading() as conn:
        rows = conn.execute(
            select(LedgerEntry.type, LedgerEntry.amount, LedgerEntry.held_delta)
            .where(LedgerEntry.logistics_order_id == logistics_order_id)
            .order_by(LedgerEntry.seq)
        ).all()
    return [(t, a, h) for t, a, h in rows]


def declare(db: Database, logistics_order_id: str, tracking_no: str) -> str:
    """An ``expected`` parcel of the order (as a declaration, 11.4, makes it): its id."""
    from daigou.warehouse.models import EXPECTED, Parcel

    with db.transaction() as s:
        row = s.get(LogisticsOrder, logistics_order_id)
        assert row is not None
        pid = ids.parcel_id()
        s.add(
            Parcel(
                parcel_id=pid,
                warehouse_code=row.warehouse_code,
                tracking_no=tracking_no,
                developer_id=row.developer_id,
                user_id=row.user_id,
                logistics_order_id=logistics_order_id,
                status=EXPECTED,
                photos="[]",
                created_at=NOW_MS,
                modified_at=NOW_MS,
            )
        )
    return pid


def index_waybill(db: Database, develop_id: str, platform: str, order_id: str, bill: str) -> None:
    """The purchasing core's index of a gateway order's domestic waybill (as recording a view of
    the order with a shipped parcel makes it)."""
    from daigou.purchasing.models import PurchaseOrderWaybill

    with db.transaction() as s:
        dev = developers.developer_pk_in(s, develop_id)
        s.add(
            PurchaseOrderWaybill(
                bill_no=bill, platform=platform, order_id=order_id, developer_id=dev
            )
        )
