"""The gateway's order record: mirrored from the marketplace's order, answered as Order1688
plus ``gatewayInfo``, and every change recorded as a message (CONTRACT section 9) in the same
transaction.

:func:`apply` is the one way a newer marketplace view of an order enters the record (an answer
to one of our calls, or the view read because of a push, ``daigou.feed.consumer``). It compares
the stored body with the view and records one message per step the order took in between, in
the order they happened (see :func:`steps`). A mirror never moves an order backwards (CONTRACT
section 7): a view whose status is behind the record, off the arrows, or older than the record
(same status, earlier ``modifyTime``) is recorded nowhere and changes nothing; the same view
applied twice records nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.marketplace import port as P
from daigou.messages import service as messages
from daigou.orders1688.models import Order1688
from daigou.orders1688.views import order_view

# how far along the arrows of CONTRACT section 7 a status is
RANK = {
    "waitbuyerpay": 0,
    "waitsellersend": 1,
    "waitbuyerreceive": 2,
    "confirm_goods": 3,
    "success": 4,
    "cancel": 4,
    "terminated": 4,
}
MESSAGE_ON_CREATE = "ORDER_BUYER_VIEW_BUYER_MAKE"
# the message that reports an order reaching a status (CONTRACT section 9)
MESSAGE_FOR_STATUS = {
    "waitsellersend": "ORDER_BUYER_VIEW_ORDER_PAY",
    "waitbuyerreceive": "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS",
    "confirm_goods": "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS",
    "success": "ORDER_BUYER_VIEW_ORDER_SUCCESS",
    "terminated": "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES",
}


def message_for(order: P.MarketOrder) -> str:
    """The message type that reports ``order``'s current status."""
    if order.status == "cancel":
        if order.close_operate_type == "seller":
            return "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
        return "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"
    return MESSAGE_FOR_STATUS.get(order.status, "ORDER_BUYER_VIEW_BUYER_MAKE")


def gateway_info(row: Order1688) -> dict[str, Any]:
    return {
        "outOrderId": row.out_order_id,
        "userId": row.user_id,
        "staffName": row.staff_name,
        "payState": row.pay_state,
        "heldAmount": row.held_fen,
        "paidAmount": row.paid_fen,
        "refundedAmount": row.refunded_fen,
        "pendingOperation": row.pending_operation,
        "sequence": row.sequence,
    }


def order_out(row: Order1688) -> dict[str, Any]:
    """Order1688 (ENDPOINTS S6) with ``gatewayInfo``."""
    body = json.loads(row.body)
    # the marketplace knows the create by the gateway's own key; the caller, by theirs
    body["baseInfo"]["outOrderId"] = row.out_order_id
    return {**body, "gatewayInfo": gateway_info(row)}


def _message(
    s: Session,
    row: Order1688,
    message_type: str,
    previous: str | None,
    now_ms: int,
    *,
    current: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record the change as a message; the order it carries shows the message's sequence.
    ``current`` is the status the reported step reached (default: the record's); ``extra``
    adds fields about the step (a parcel, a logistics step, the old total)."""
    msg = messages.record(
        s,
        developer_id=row.developer_id,
        user_id=row.user_id,
        platform=messages.PLATFORM_1688,
        message_type=message_type,
        order_key=f"1688:{row.order_id}",
        body={
            "orderId": row.order_id,
            "currentStatus": current or row.status,
            "previousStatus": previous,
            **(extra or {}),
        },
        now_ms=now_ms,
        object_id=row.order_id,
    )
    row.sequence = msg.sequence
    body = {**json.loads(msg.body), "order": order_out(row)}
    msg.body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def message_each(
    s: Session,
    developer_id: int,
    message_type: str,
    steps: list[tuple[Order1688, str | None]],
    now_ms: int,
) -> None:
    """`_message` for several orders of one developer at once (a bulk pay's
    ORDER_BUYER_VIEW_ORDER_PAY): the same bodies, in two statements."""

    def body_of(row: Order1688, previous: str | None) -> Callable[[int], dict[str, Any]]:
        def body(sequence: int) -> dict[str, Any]:
            row.sequence = sequence
            return {
                "orderId": row.order_id,
                "currentStatus": row.status,
                "previousStatus": previous,
                "order": order_out(row),
            }

        return body

    messages.record_each(
        s,
        developer_id=developer_id,
        platform=messages.PLATFORM_1688,
        message_type=message_type,
        items=[
            (f"1688:{row.order_id}", row.user_id, row.order_id, body_of(row, previous))
            for row, previous in steps
        ],
        now_ms=now_ms,
    )


def record_created(
    s: Session,
    *,
    developer_id: int,
    user_id: str | None,
    out_order_id: str | None,
    order: P.MarketOrder,
    now_ms: int,
    staff_name: str | None = None,
) -> Order1688:
    """A new order made by a create: its record and ORDER_BUYER_VIEW_BUYER_MAKE."""
    row = Order1688(
        order_id=order.order_id,
        developer_id=developer_id,
        user_id=user_id,
        out_order_id=out_order_id,
        seller_open_id=order.seller_open_id,
        status=order.status,
        refund_status=order.refund_status,
        total_fen=order.total_fen,
        pay_state="none",
        held_fen=0,
        paid_fen=0,
        refunded_fen=0,
        pending_operation=None,
        pay_attempts=0,
        staff_name=staff_name,
        sequence=0,
        body=json.dumps(order_view(order), ensure_ascii=False),
        created_at=now_ms,
        modified_at=now_ms,
    )
    s.add(row)
    _message(s, row, MESSAGE_ON_CREATE, None, now_ms)
    return row


# the forward chain of CONTRACT section 7; ``cancel`` leaves it from waitbuyerpay only,
# ``terminated`` (a full refund) from waitsellersend, waitbuyerreceive or confirm_goods
CHAIN = ("waitbuyerpay", "waitsellersend", "waitbuyerreceive", "confirm_goods", "success")
PRICE_MODIFY = "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
SEND = "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS"
TRACE = "LOGISTICS_BUYER_VIEW_TRACE"
REFUND_IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
REFUND_AFTER_SALES = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
# ties between steps at the same millisecond break in this order
_RANK_PRICE, _RANK_PAY, _RANK_SEND, _RANK_TRACE, _RANK_REFUND = 0, 1, 2, 3, 4
_RANK_CONFIRM, _RANK_FINAL, _RANK_AFTER_SALES = 5, 6, 7


def crossed(old: str, new: str, order: P.MarketOrder) -> list[str] | None:
    """The statuses an order went through from ``old`` to ``new`` along the arrows of CONTRACT
    section 7, ``new`` last: ``[]`` when it stayed, None when ``new`` is not ahead of ``old``
    (behind it, or off the arrows). A full refund (``terminated``) crosses what the view shows
    happened first: paid always, shipped when ``allDeliveredTime`` is set, received when
    ``receivingTime`` is."""
    if old == new:
        return []
    if new == "cancel":
        return ["cancel"] if old == "waitbuyerpay" else None
    if old not in CHAIN:
        return None  # cancel and terminated are final
    i = CHAIN.index(old)
    if new == "terminated":
        if old == "success":
            return None
        reached = CHAIN.index("waitsellersend")
        if order.shipped_ms is not None:
            reached = CHAIN.index("waitbuyerreceive")
        if order.received_ms is not None:
            reached = CHAIN.index("confirm_goods")
        return [*CHAIN[i + 1 : max(i, reached) + 1], "terminated"]
    if new not in CHAIN or CHAIN.index(new) <= i:
        return None
    return list(CHAIN[i + 1 : CHAIN.index(new) + 1])


def _behind(row: Order1688, stored: dict[str, Any], order: P.MarketOrder) -> bool:
    """The view is not newer than the record: its status is behind or off the arrows, or it
    is the same status as last modified earlier than the stored view."""
    path = crossed(row.status, order.status, order)
    if path is None:
        return True
    stored_modified = stored.get("baseInfo", {}).get("modifyTime")
    return not path and stored_modified is not None and order.modified_ms < stored_modified


@dataclass
class Step:
    """One message :func:`apply` records: what happened at ``at``; ``status`` is the status it
    moved the order to (None: the status stayed)."""

    at: int
    rank: int
    message_type: str
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _parcel_fields(p: P.Parcel) -> dict[str, Any]:
    return {"logisticsId": p.logistics_id, "logisticsBillNo": p.bill_no}


def steps(status: str, stored: dict[str, Any], order: P.MarketOrder, path: list[str]) -> list[Step]:
    """The steps between the stored view (status ``status``) and ``order``, in the order they
    happened, one message each:

    - the total changed while unpaid: PRICE_MODIFY (first: prices change only before payment);
    - each status crossed on ``path``: its message (``message_for``'s), at the view's time of
      that move (``payTime``, ``allDeliveredTime``, ``receivingTime``, ``completeTime``);
    - each new parcel (full or partial shipment): ANNOUNCE_SENDGOODS with ``logisticsId`` and
      ``subItemIds``; the parcel that completed the shipment also carries the move to
      waitbuyerreceive, which is then not reported a second time;
    - each new logistics step of any parcel: one LOGISTICS_BUYER_VIEW_TRACE with ``step``;
    - the order's refund status changed: BUYER_REFUND_IN_SALES, or REFUND_AFTER_SALES once the
      trade finished (``success``); a full refund that terminated the order reports both in
      the one message of the move to ``terminated``.
    """
    base = stored.get("baseInfo", {})
    out: list[Step] = []
    if status == "waitbuyerpay" and base.get("totalAmount") != order.total_fen:
        out.append(
            Step(
                -1,
                _RANK_PRICE,
                PRICE_MODIFY,
                extra={
                    "previousTotalAmount": base.get("totalAmount"),
                    "totalAmount": order.total_fen,
                },
            )
        )
    known = {
        p["logisticsId"]: len(p.get("steps", []))
        for p in stored.get("nativeLogistics", {}).get("logisticsItems", [])
    }
    new_parcels: list[Step] = []
    for p in order.parcels:
        if p.logistics_id not in known:
            new_parcels.append(
                Step(
                    p.shipped_ms,
                    _RANK_SEND,
                    SEND,
                    extra={**_parcel_fields(p), "subItemIds": list(p.entry_ids)},
                )
            )
        for st in p.steps[known.get(p.logistics_id, 0) :]:
            out.append(
                Step(
                    st.time_ms,
                    _RANK_TRACE,
                    TRACE,
                    extra={
                        **_parcel_fields(p),
                        "step": {"acceptTime": st.time_ms, "remark": st.remark},
                    },
                )
            )
    out.extend(new_parcels)
    refund_changed = base.get("refundStatus") != order.refund_status
    refund_fields = {
        "previousRefundStatus": base.get("refundStatus"),
        "refundStatus": order.refund_status,
    }
    times = {
        "waitsellersend": order.paid_ms,
        "waitbuyerreceive": order.shipped_ms,
        "confirm_goods": order.received_ms,
        "success": order.completed_ms,
        "cancel": order.completed_ms,
        "terminated": order.completed_ms,
    }
    ranks = {
        "waitsellersend": _RANK_PAY,
        "waitbuyerreceive": _RANK_SEND,
        "confirm_goods": _RANK_CONFIRM,
    }
    last = -1
    for reached in path:
        if reached == "waitbuyerreceive" and new_parcels:
            # the last parcel completed the shipment: its message reports the move too
            carrier = max(reversed(new_parcels), key=lambda st: st.at)  # ties: the later
            carrier.status = reached
            carrier.at = last = max(carrier.at, last)
            continue
        at = max(times.get(reached) or last, last)
        last = at
        move = Step(at, ranks.get(reached, _RANK_FINAL), _status_message(reached, order), reached)
        if reached == "terminated" and refund_changed:
            move.extra.update(refund_fields)
            refund_changed = False
        out.append(move)
    if refund_changed:
        after = order.status == "success"
        out.append(
            Step(
                order.modified_ms,
                _RANK_AFTER_SALES if after else _RANK_REFUND,
                REFUND_AFTER_SALES if after else REFUND_IN_SALES,
                extra=refund_fields,
            )
        )
    return sorted(out, key=lambda st: (st.at, st.rank))  # stable: ties keep their build order


def _status_message(status: str, order: P.MarketOrder) -> str:
    if status == "cancel":
        return message_for(order)  # seller close, or buyer close / pay timeout
    return MESSAGE_FOR_STATUS[status]


def refresh(s: Session, row: Order1688, order: P.MarketOrder, now_ms: int) -> bool:
    """Take the marketplace's newer view of an order (same status, or further along the
    arrows); False (nothing changed) when the view is behind the record. Records no message:
    :func:`apply` does."""
    if _behind(row, json.loads(row.body), order):
        return False
    body = json.dumps(order_view(order), ensure_ascii=False)
    if body == row.body and row.status == order.status:
        return True  # the same view again
    row.body = body
    row.status = order.status
    row.refund_status = order.refund_status
    row.total_fen = order.total_fen
    row.modified_at = now_ms
    return True


def apply(s: Session, row: Order1688, order: P.MarketOrder, now_ms: int) -> bool:
    """Mirror a newer view of the order and record one message per step it took since the
    stored view (:func:`steps`), each carrying the order as it is now. False (nothing changed,
    nothing recorded) when the view is behind the record. The caller holds the row locked
    (``SELECT ... FOR UPDATE``) and owns the transaction."""
    stored = json.loads(row.body)
    previous = row.status
    path = crossed(previous, order.status, order)
    if path is None or not refresh(s, row, order, now_ms):
        return False
    current = previous
    for st in steps(previous, stored, order, path):
        before = None
        if st.status is not None:
            before, current = current, st.status
        # HOOK(payments): a close (st.status == "cancel"; order.close_operate_type "seller",
        # or "system" for the pay timeout) of an order whose payment the gateway holds
        # (row.pay_state == "held", row.held_fen > 0) means that hold must be released. The
        # payment code moves money; this mirror never touches pay_state or the amounts.
        _message(s, row, st.message_type, before, now_ms, current=current, extra=st.extra)
    return True


def known_orders(s: Session, order_ids: list[str]) -> set[str]:
    """Which of these 1688 order ids the gateway has a record of (made through it)."""
    if not order_ids:
        return set()
    found = s.execute(select(Order1688.order_id).where(Order1688.order_id.in_(order_ids)))
    return set(found.scalars())


def mirror(s: Session, order_id: str, order: P.MarketOrder, now_ms: int) -> bool | None:
    """Lock the record of ``order_id`` and :func:`apply` ``order`` to it, in the caller's
    transaction; None when the gateway has no such record."""
    row = s.execute(
        select(Order1688).where(Order1688.order_id == order_id).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        return None
    return apply(s, row, order, now_ms)
