"""The buyer's actions on a Taobao purchase order: 2.7 cancel, 2.8 updateWarehouse, 2.9 the chat
link, 2.10 domestic logistics, 2.11 confirm receipt, and the automatic confirmation of receipt
some days after shipment (on the gateway's clock).

Cancel and confirm act on each shop order through the core (``purchasing.actions``: a cancel
carries its ``opRequestId`` and is reconciled when its answer is lost); the purchase order
follows its shop orders (``orderstaobao.state``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from daigou.core.clock import Clock
from daigou.core.errors import ApiError, Conflict, NotFound
from daigou.db.session import Database
from daigou.developers.service import develop_ids as _develop_ids_of
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.fanout import fan_out
from daigou.orderstaobao import schemas as S
from daigou.orderstaobao import state
from daigou.orderstaobao.create import find
from daigou.orderstaobao.models import TaobaoOrder
from daigou.orderstaobao.profile import PROFILE
from daigou.orderstaobao.views import packages
from daigou.purchasing import actions as core
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import NONE, PurchaseOrder
from daigou.warehouse import warehouses

log = logging.getLogger("daigou.orderstaobao")
CHAT_LINK_TTL_MS = 600_000
DAY_MS = 86_400_000
NOT_SHIPPED = frozenset(
    {
        state.BUILDING,
        state.UNPAID,
        state.UPLOADED,
        state.APPROVED,
        state.REJECTED,
        state.GATEWAY_PAYING,
        state.PAID,
    }
)


def _rows(db: Database, order_id: str) -> list[PurchaseOrder]:
    with db.transaction() as s:
        rows = state.rows_of(s, order_id)
        s.expunge_all()
    return rows


def _view(db: Database, order_id: str) -> dict[str, Any]:
    with db.transaction() as s:
        order = s.get(TaobaoOrder, order_id)
        assert order is not None
        return state.view(s, order)


def cancel(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    order_id: str,
    reason: str | None,
) -> dict[str, Any]:
    """2.7: cancel an unpaid purchase order (status 0 or 3): each of its shop orders."""
    order = find(db, buyer, order_id)
    rows = _rows(db, order_id)
    if order.status not in state.PAYABLE:
        raise Conflict(f"the order is {order.status}: only an unpaid order (0 or 3) is cancelled")
    if any(r.pay_state != NONE for r in rows):
        raise Conflict("part of the order is paid or being paid: it cannot be cancelled")
    with db.transaction() as s:
        locked = state.lock(s, order_id)
        assert locked is not None
        locked.close_reason = reason or "buyerCancel"
    open_rows = [r for r in rows if r.status == state.UNPAID]
    outcomes = fan_out(
        [
            partial(
                core.cancel,
                db,
                market,
                PROFILE,
                buyer,
                r.order_id,
                reason or "buyerCancel",
                clock.now_ms(),
            )
            for r in open_rows
        ],
        catch=(ApiError, P.MarketplaceError, P.MarketplaceTimeout),
    )
    for got in outcomes:
        if isinstance(got, BaseException):
            if isinstance(got, ApiError) and got.code == 50401:
                raise ApiError(
                    50401,
                    "the marketplace did not answer for some shops: the cancel's outcome is "
                    "unknown; call again",
                    {"orderId": order_id, "pendingOperation": "cancel"},
                )
            raise got
    return _view(db, order_id)


def update_warehouse(
    db: Database,
    buyer: Buyer,
    order_id: str,
    *,
    warehouse_code: str | None,
    receiver: S.Receiver | None,
    remark: str | None,
    now_ms: int,
    warehouses_path: Path | None = None,
) -> dict[str, Any]:
    """2.8: the consignee before shipment: an explicit receiver (or a saved one by its
    ``addressId``), or a warehouse code naming one of the active consolidation warehouses of
    11.8 (its consignee, with the caller's mark after the name; 40001 on ``warehouseCode`` for
    an unknown code)."""
    find(db, buyer, order_id)
    if receiver is not None:
        receiver = receiver.resolved(db, buyer, "receiver")
    consignee = None
    if warehouse_code is not None:
        consignee = warehouses.consignee_for(db, buyer, warehouse_code, warehouses_path, now_ms)
    with db.transaction() as s:
        order = state.lock(s, order_id)
        assert order is not None
        if order.status not in NOT_SHIPPED:
            raise Conflict(
                f"the order is {order.status}: the consignee changes only before shipment"
            )
        if receiver is not None:
            order.receiver = json.dumps(receiver.wire(), ensure_ascii=False)
            order.warehouse_code = None
        if consignee is not None:
            order.receiver = json.dumps(_s4(consignee), ensure_ascii=False)
            order.warehouse_code = warehouse_code
        if remark is not None:
            order.remark = remark
        order.modified_at = now_ms
        s.flush()
        return state.view(s, order)


def _s4(consignee: dict[str, Any]) -> dict[str, Any]:
    """A warehouse's S3 consignee as the TaobaoOrder's S4 receiver."""
    return {
        "name": consignee["fullName"],
        "mobile_phone": consignee.get("mobile"),
        "phone": consignee.get("phone"),
        "zip": consignee.get("postCode"),
        "country": "CN",
        "state": consignee["provinceText"],
        "city": consignee["cityText"],
        "district": consignee["areaText"],
        "address": consignee["address"],
        "addressId": None,
    }


# --- 2.9 chat link ------------------------------------------------------------------------------
def _chat_key(secret: str) -> bytes:
    return hashlib.sha256(b"daigou-chat-link:" + secret.encode()).digest()


def chat_token(secret: str, payload: dict[str, Any]) -> str:
    raw = (
        base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )
    mac = hmac.new(_chat_key(secret), raw.encode(), hashlib.sha256).hexdigest()
    return f"{raw}.{mac}"


def read_chat_token(secret: str, token: str, now_ms: int) -> dict[str, Any]:
    """The link's payload, if its signature holds and it has not expired (else 40401: the link
    does not exist any more)."""
    raw, _, mac = token.partition(".")
    good = hmac.new(_chat_key(secret), raw.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    # bytes: compare_digest refuses a str with non-ASCII characters (a TypeError, a 500)
    if not mac or not hmac.compare_digest(mac.encode("utf-8", "replace"), good.encode()):
        raise NotFound("no such chat link")
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        expires = int(payload["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NotFound("no such chat link") from exc
    if not isinstance(payload, dict):
        raise NotFound("no such chat link")
    if expires < now_ms:
        raise NotFound("the chat link expired: ask for a new one (2.9)")
    return payload


def chat_link(
    db: Database,
    market: P.Marketplace,
    buyer: Buyer,
    *,
    source_type: str,
    biz_id: str,
    public_url: str,
    secret: str,
    now_ms: int,
) -> str:
    """2.9: a signed link to chat with the seller about an item or an order, valid 10 minutes."""
    if source_type == "order":
        order = find(db, buyer, biz_id)
        rows = _rows(db, order.order_id)
        seller = rows[0].seller_id if rows else None
    else:
        with acting_for(buyer.develop_id):
            seller = market.offer(P.Platform.TAOBAO, biz_id, "en").seller.seller_open_id
    payload = {
        "sourceType": source_type,
        "bizId": biz_id,
        "seller": seller,
        "developId": buyer.develop_id,
        "exp": now_ms + CHAT_LINK_TTL_MS,
    }
    return f"{public_url}/chat?{urlencode({'token': chat_token(secret, payload)})}"


# --- 2.10 and 2.11 ------------------------------------------------------------------------------
def logistics(db: Database, market: P.Marketplace, buyer: Buyer, order_id: str) -> dict[str, Any]:
    """2.10: every parcel of the purchase order, empty before shipment."""
    order = find(db, buyer, order_id)
    rows = [r for r in _rows(db, order_id) if r.status != state.CANCELLED]
    shipped = [r for r in rows if r.status in (state.SHIPPED, state.FINISHED, state.PAID)]
    with acting_for(buyer.develop_id):
        got = fan_out([partial(market.logistics, P.Platform.TAOBAO, r.order_id) for r in shipped])
    parcels: dict[str, tuple[P.Parcel, ...]] = {}
    for row, answer in zip(shipped, got, strict=True):
        if isinstance(answer, BaseException):
            raise answer
        parcels[row.order_id] = answer
    return {"orderId": order_id, "status": int(order.status), "packages": packages(rows, parcels)}


def confirm_receipt(
    db: Database, market: P.Marketplace, clock: Clock, buyer: Buyer, order_id: str
) -> dict[str, Any]:
    """2.11: confirm receipt of a shipped purchase order (11 -> 20): each shop order that is
    shipped (the record first catches up with the marketplace)."""
    order = find(db, buyer, order_id)
    if order.status != state.SHIPPED:
        raise Conflict(f"the order is {order.status}: receipt is confirmed once it is shipped (11)")
    rows = [r for r in _rows(db, order_id) if r.status == state.SHIPPED]
    got = fan_out(
        [
            partial(
                core.confirm_receipt, db, market, PROFILE, buyer, r.order_id, (), clock.now_ms()
            )
            for r in rows
        ],
        catch=(ApiError, P.MarketplaceError, P.MarketplaceTimeout),
    )
    for answer in got:
        if isinstance(answer, BaseException):
            raise answer
    return _view(db, order_id)


def auto_confirm(db: Database, market: P.Marketplace, clock: Clock, after_days: int) -> int:
    """Confirm receipt of purchase orders shipped ``after_days`` ago and not confirmed yet (the
    worker's job); how many were confirmed."""
    due = clock.now_ms() - after_days * DAY_MS
    with db.transaction() as s:
        found = list(
            s.execute(
                select(TaobaoOrder.order_id, TaobaoOrder.developer_id, TaobaoOrder.user_id)
                .where(TaobaoOrder.status == state.SHIPPED, TaobaoOrder.ship_time <= due)
                .order_by(TaobaoOrder.ship_time)
                .limit(100)
            ).tuples()
        )
        develop_ids = _develop_ids_of(s, {dev for _, dev, _ in found}) if found else {}
    done = 0
    for order_id, developer_id, user_id in found:
        buyer = Buyer(developer_id, develop_ids.get(developer_id, ""), user_id)
        try:
            confirm_receipt(db, market, clock, buyer, order_id)
            done += 1
        except (ApiError, P.MarketplaceError, P.MarketplaceTimeout) as exc:
            log.warning("auto-confirm of Taobao order %s failed: %s", order_id, exc)
    return done
