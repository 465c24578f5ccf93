"""The 1688 platform's profile for the purchasing core: its statuses (CONTRACT section 7) and
how far along each is, its message types (CONTRACT section 9), the steps between two views of an
order (one message each), and the Order1688 wire view (ENDPOINTS S6) with ``gatewayInfo``.
"""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P
from daigou.orders1688.views import order_view
from daigou.purchasing import profile as core
from daigou.purchasing.models import PurchaseOrder
from daigou.purchasing.profile import Step
from daigou.purchasing.records import gateway_info

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


# the forward chain of CONTRACT section 7; ``cancel`` leaves it from waitbuyerpay only,
# ``terminated`` (a full refund) from waitsellersend, waitbuyerreceive or confirm_goods
CHAIN = ("waitbuyerpay", "waitsellersend", "waitbuyerreceive", "confirm_goods", "success")
PRICE_MODIFY = "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
SEND = "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS"
TRACE = "LOGISTICS_BUYER_VIEW_TRACE"
# ties between steps at the same millisecond break in this order
_RANK_PRICE, _RANK_PAY, _RANK_SEND, _RANK_TRACE = 0, 1, 2, 3
_RANK_CONFIRM, _RANK_FINAL = 5, 6


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


def _parcel_fields(p: P.Parcel) -> dict[str, Any]:
    return {"logisticsId": p.logistics_id, "logisticsBillNo": p.bill_no}


def steps(status: str, stored: P.MarketOrder, order: P.MarketOrder, path: list[str]) -> list[Step]:
    """The steps between the stored view (status ``status``) and ``order``, in the order they
    happened, one message each:

    - the total changed while unpaid: PRICE_MODIFY (first: prices change only before payment);
    - each status crossed on ``path``: its message (``message_for``'s), at the view's time of
      that move (``payTime``, ``allDeliveredTime``, ``receivingTime``, ``completeTime``);
    - each new parcel (full or partial shipment): ANNOUNCE_SENDGOODS with ``logisticsId`` and
      ``subItemIds``; the parcel that completed the shipment also carries the move to
      waitbuyerreceive, which is then not reported a second time;
    - each new logistics step of any parcel: one LOGISTICS_BUYER_VIEW_TRACE with ``step``;
    - a full refund that terminated the order: the move's message carries the order's refund
      status too. Each refund's own changes are reported by the after-sales core, one refund
      message per change with the whole refund (``daigou.aftersales.records``), not here.
    """
    out: list[Step] = []
    if status == "waitbuyerpay" and stored.total_fen != order.total_fen:
        out.append(
            Step(
                -1,
                _RANK_PRICE,
                PRICE_MODIFY,
                extra={
                    "previousTotalAmount": stored.total_fen,
                    "totalAmount": order.total_fen,
                },
            )
        )
    known = {p.logistics_id: len(p.steps) for p in stored.parcels}
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
    refund_changed = stored.refund_status != order.refund_status
    refund_fields = {
        "previousRefundStatus": stored.refund_status,
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
    return sorted(out, key=lambda st: (st.at, st.rank))  # stable: ties keep their build order


def _status_message(status: str, order: P.MarketOrder) -> str:
    if status == "cancel":
        return message_for(order)  # seller close, or buyer close / pay timeout
    return MESSAGE_FOR_STATUS[status]


def steps_between(status: str, stored: P.MarketOrder, order: P.MarketOrder) -> list[Step] | None:
    """The profile's steps: None when ``order``'s status is not ahead of ``status``."""
    path = crossed(status, order.status, order)
    return None if path is None else steps(status, stored, order, path)


def view(row: PurchaseOrder, order: P.MarketOrder) -> dict[str, Any]:
    """Order1688 (ENDPOINTS S6) with ``gatewayInfo``: the marketplace's view under the record's
    own columns (a payment the gateway made moves the status before the marketplace says so;
    the marketplace knows the create by the gateway's key, the caller by theirs)."""
    body = order_view(order)
    body["baseInfo"].update(
        status=row.status,
        refundStatus=row.refund_status,
        totalAmount=row.total_fen,
        payTime=row.paid_at,
        modifyTime=row.market_modified_at,
        outOrderId=row.out_order_id,
    )
    return {**body, "gatewayInfo": gateway_info(row)}


PROFILE = core.Profile(
    platform=P.Platform.ALIBABA,
    object_type="order1688",
    key_prefix="1688",
    key_name="outOrderId",
    rank=RANK,
    states={
        "waitbuyerpay": core.UNPAID,
        "waitsellersend": core.PAID,
        "waitbuyerreceive": core.SHIPPED,
        "confirm_goods": core.RECEIVED,
        "success": core.COMPLETED,
        "cancel": core.CANCELLED,
        "terminated": core.REFUNDED,
    },
    unpaid="waitbuyerpay",
    paid="waitsellersend",
    cancelled="cancel",
    shipped="waitbuyerreceive",
    message_on_create=MESSAGE_ON_CREATE,
    message_on_pay="ORDER_BUYER_VIEW_ORDER_PAY",
    message_batch_pay="ORDER_BATCH_PAY",
    view=view,
    steps=steps_between,
)
