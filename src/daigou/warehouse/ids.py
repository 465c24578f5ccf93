"""Identifier formats of the warehouse (ENDPOINTS 11, S6): ``LO…`` logistics orders, ``FF…``
shipment previews (FF, the date, a sequence-like tail: ``FF2024080200007…``), ``P…`` parcels."""

from __future__ import annotations

from datetime import UTC, datetime

from daigou.core.ids import numeric_id


def logistics_order_id() -> str:
    return "LO" + numeric_id(16)


def render_id(now_ms: int) -> str:
    day = datetime.fromtimestamp(now_ms / 1000, tz=UTC).strftime("%Y%m%d")
    return f"FF{day}{numeric_id(12)}"


def parcel_id() -> str:
    return "P" + numeric_id(16)
