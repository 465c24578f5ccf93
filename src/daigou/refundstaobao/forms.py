"""What a reverse order may ask (3.1), and the same checks before 3.2 and 3.3 ask the
marketplace: the sub-order paid and without an open reverse order, the kind (a return only
after shipment), the goods status, a reason the marketplace offers, the fee within what is left.

The marketplace is the judge of all of it; these answer early, with the field that is wrong
(40001) or the state that does not allow it (40901), instead of an upstream refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from daigou.aftersales import queries
from daigou.aftersales.profile import OPEN
from daigou.aftersales.records import entry_ids_of
from daigou.core.errors import Conflict, validation_error
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PAID
from daigou.refundstaobao import lookup
from daigou.refundstaobao.lookup import SubOrder
from daigou.refundstaobao.views import CURRENCY

MIN_FEE = 1
T = P.Platform.TAOBAO


def distributor_id(buyer: Buyer) -> str:
    """PandaPon's ``distributorId``: the acting sub-account, or the developer."""
    return buyer.user_id or buyer.develop_id


def goods_statuses(sub: SubOrder) -> list[int]:
    """1 not received, 2 received: received only once the line shipped."""
    return [1, 2] if sub.shipped else [1]


def refundable(db: Database, sub: SubOrder, *, except_refund: str | None = None) -> int:
    """The most a reverse order of the line may ask (fen): 40901 when the line is unpaid or
    already has an open reverse order (other than ``except_refund``, the one being modified,
    whose own ask is then counted as free again)."""
    if sub.order.pay_state != PAID:
        raise Conflict(f"the sub-order {sub.sub_order_id} is not paid: nothing to refund")
    own_ask = 0
    with db.transaction() as s:
        for r in queries.of_order(s, sub.order.platform, [sub.order.order_id]):
            if sub.sub_order_id not in entry_ids_of(r) or r.state not in OPEN:
                continue
            if r.refund_id == except_refund:
                own_ask = r.apply_payment_fen + r.apply_carriage_fen
                continue
            raise Conflict(
                f"the sub-order {sub.sub_order_id} has an open reverse order {r.refund_id}",
                {"refundId": r.refund_id, "refundStatus": int(r.status)},
            )
        limits = queries.limits(s, sub.order, [sub.sub_order_id])
    return limits.max_payment + own_ask


def reasons(
    market: P.Marketplace, buyer: Buyer, sub: SubOrder, goods_status: int
) -> tuple[P.RefundReason, ...]:
    with acting_for(buyer.develop_id):
        return market.refund_reasons(T, sub.order.order_id, (sub.sub_order_id,), str(goods_status))


def check_goods_status(sub: SubOrder, goods_status: int) -> None:
    if goods_status not in goods_statuses(sub):
        raise validation_error("goodsStatus", "2 (received) only once the sub-order has shipped")


def check_kind(sub: SubOrder, refund_type: int) -> None:
    if refund_type == 2 and not sub.shipped:
        raise Conflict(
            f"the sub-order {sub.sub_order_id} has not shipped: a return (refundType 2) needs "
            "the goods sent; ask a refund only (refundType 1)"
        )


def check_fee(fee: int, most: int) -> None:
    if most < MIN_FEE:
        raise Conflict("nothing is left to refund on this sub-order")
    if not MIN_FEE <= fee <= most:
        raise validation_error("refundFee", f"between {MIN_FEE} and {most} fen")


def check_reason(
    offered: tuple[P.RefundReason, ...], reason_id: int, *, kept: bool = False
) -> P.RefundReason:
    found = next((r for r in offered if r.reason_id == reason_id), None)
    if found is None:
        ids = ", ".join(str(r.reason_id) for r in offered)
        why = f"{reason_id} is not a reason for this goodsStatus (3.1 offers {ids})"
        raise validation_error("reasonId", why + ("; give reasonId" if kept else ""))
    return found


@dataclass(frozen=True)
class Form:
    sub: SubOrder
    most: int
    offered: tuple[P.RefundReason, ...]


def checked(
    db: Database,
    market: P.Marketplace,
    buyer: Buyer,
    sub_order_id: str,
    refund_type: int,
    goods_status: int,
) -> Form:
    """The sub-order (visible to the caller, paid, without an open reverse order) and what a
    reverse order of it may ask."""
    sub = lookup.sub_order(db, buyer, sub_order_id)
    most = refundable(db, sub)
    return Form(sub, most, reasons(market, buyer, sub, goods_status))


def render(
    db: Database,
    market: P.Marketplace,
    buyer: Buyer,
    *,
    sub_order_id: str,
    refund_type: int,
    goods_status: int,
) -> dict[str, Any]:
    """3.1: the reasons, goods statuses and the fee allowed, and the form prefilled."""
    form = checked(db, market, buyer, sub_order_id, refund_type, goods_status)
    sub, most = form.sub, form.most
    allowed = goods_statuses(sub)
    first = form.offered[0] if form.offered else None
    sale = most >= MIN_FEE and (refund_type == 1 or sub.shipped) and goods_status in allowed
    return {
        "refundOrderTemplate": {
            "refundReasons": [
                {
                    "reasonId": r.reason_id,
                    "reasonDesc": r.name,
                    "tips": r.tip,
                    "needVoucher": r.need_voucher,
                }
                for r in form.offered
            ],
            "goodsStatusList": allowed,
            "maxRefundFee": {
                "refundFee": most,
                "minRefundFee": MIN_FEE,
                "feeTips": f"at most {most} fen: what was paid for the line, less what other "
                "reverse orders asked",
                "canEditRefundFee": True,
            },
            "refundOrder": {
                "payOrderId": sub.order.order_id,
                "purchaseOrderId": sub.order.group_id,
                "subOrderId": sub.sub_order_id,
                "refundStatus": 0,
                "refundType": refund_type,
                "goodsStatus": goods_status,
                "refundFee": most,
                "canEditFee": True,
                "reasonId": first.reason_id if first else None,
                "reasonDesc": first.name if first else None,
                "refundDesc": "",
                "refundImages": [],
                "currency": CURRENCY,
            },
        },
        "distributorId": distributor_id(buyer),
        "currency": CURRENCY,
        "saleFlag": sale,
    }
