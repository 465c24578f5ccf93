"""The buyer's 1688 after-sales writes (ENDPOINTS 7.1-7.4, 7.7) on the after-sales core.

Before a refund is asked for (7.1 reasons and limits, 7.3 create), the order is read from the
marketplace and the record catches up (the seller may have shipped, or the trade finished,
since the gateway last heard), then everything the caller can fix is checked against that view
and answered 40001 naming the field: lines of the order, each once; part quantities within the
line; ``returnRefund`` only for shipped lines; ``goodsStatus`` of the trade's phase (``refund*``
before it finished, ``aftersale*`` after); the reason among the marketplace's for these lines;
vouchers where the reason needs them; amounts within what is still refundable
(``aftersales.queries.limits``: the lines' cost, less what other refunds of them asked, within
what was paid; the freight once). An order that is not paid, is over (``cancel``,
``terminated``) or has a line already refunded or being refunded answers 40901.

The writes themselves are the core's (``aftersales.writes``): an operation per write, a lost
answer 50401 with ``pendingOperation``, settled by querying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from daigou.aftersales import images, writes
from daigou.aftersales import queries as refund_queries
from daigou.aftersales import records as refund_records
from daigou.config import Settings
from daigou.core.errors import ApiError, Conflict
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.marketplace.controls import SandboxControls
from daigou.orders1688.profile import PROFILE as ORDERS
from daigou.purchasing import actions as order_actions
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PAID, PurchaseOrder
from daigou.refunds1688 import schemas as S
from daigou.refunds1688.profile import PROFILE

A = P.Platform.ALIBABA
# the order statuses a refund may be applied for in (CONTRACT section 7): paid and not over
REFUNDABLE = ("waitsellersend", "waitbuyerreceive", "confirm_goods", "success")
# a line with a refund in one of these cannot have another (1688: one refund per line)
LINE_TAKEN = ("waitselleragree", "waitbuyermodify", "waitbuyersend", "waitsellerreceive")
LINE_REFUNDED = "refundsuccess"
IN_SALES = ("refundWaitSellerSend", "refundWaitBuyerReceive", "refundBuyerReceived")
AFTER_SALES = ("aftersaleBuyerNotReceived", "aftersaleBuyerReceived")


@dataclass
class Problems:
    """The fields a request got wrong, answered together as one 40001."""

    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.errors.append({"field": where, "message": message})

    def check(self) -> None:
        if self.errors:
            first = self.errors[0]
            raise ApiError(
                40001, f"{first['field']}: {first['message']}", {"errors": list(self.errors)}
            )


@dataclass(frozen=True)
class Chosen:
    """The order as the marketplace shows it now, and the lines a refund is about."""

    row: PurchaseOrder
    order: P.MarketOrder
    entry_ids: tuple[str, ...]
    quantities: dict[str, int]


def _refundable(
    db: Database, market: P.Marketplace, buyer: Buyer, body: S.OrderLines, now_ms: int
) -> Chosen:
    """The caller's paid order, caught up with the marketplace, and the lines asked for
    (40401/40302 for another's order, 40901 when it cannot be refunded, 40001 for lines)."""
    row = order_actions.own(db, ORDERS, buyer, body.orderId)
    if row.pay_state != PAID:
        raise Conflict(
            f"the order is {row.status} and not paid through the gateway: nothing to refund",
            {"orderId": row.order_id, "status": row.status},
        )
    with acting_for(buyer.develop_id):
        current = market.order(A, row.order_id)
    row = order_actions.mirror(db, ORDERS, row.order_id, current, now_ms)
    if current.status not in REFUNDABLE:
        raise Conflict(
            f"the order is {current.status}: a refund is applied for once it is paid, until "
            "it is terminated",
            {"orderId": row.order_id, "status": current.status},
        )
    lines = {ln.entry_id: ln for ln in current.lines}
    problems = Problems()
    seen: set[str] = set()
    for i, entry_id in enumerate(body.orderEntryIds):
        if entry_id in seen:
            problems.add(f"orderEntryIds[{i}]", "the same line twice")
        elif entry_id not in lines:
            problems.add(f"orderEntryIds[{i}]", f"not a line of order {row.order_id}")
        seen.add(entry_id)
    quantities: dict[str, int] = {}
    for i, part in enumerate(body.orderEntryCountList or ()):
        if part.id not in seen:
            problems.add(f"orderEntryCountList[{i}].id", "not one of orderEntryIds")
        elif part.id in quantities:
            problems.add(f"orderEntryCountList[{i}].id", "the same line twice")
        elif part.id in lines and part.count > lines[part.id].quantity:
            problems.add(
                f"orderEntryCountList[{i}].count",
                f"at most {lines[part.id].quantity} (the line's quantity)",
            )
        else:
            quantities[part.id] = part.count
    problems.check()
    for entry_id in body.orderEntryIds:
        status = lines[entry_id].refund_status
        if status in LINE_TAKEN or status == LINE_REFUNDED:
            raise Conflict(
                f"line {entry_id} already has a refund ({status}): one refund per line",
                {"orderId": row.order_id, "orderEntryId": entry_id, "refundStatus": status},
            )
    return Chosen(row, current, tuple(body.orderEntryIds), quantities)


def _phase(chosen: Chosen, goods_status: str, problems: Problems) -> None:
    """``goodsStatus`` of the trade's phase: 1688's in-sale values before it finished, its
    after-sale values after."""
    if chosen.order.status == "success" and goods_status not in AFTER_SALES:
        problems.add("goodsStatus", "the trade has finished: one of " + ", ".join(AFTER_SALES))
    elif chosen.order.status != "success" and goods_status not in IN_SALES:
        problems.add("goodsStatus", "the trade has not finished: one of " + ", ".join(IN_SALES))


def _reasons(
    market: P.Marketplace, buyer: Buyer, chosen: Chosen, goods_status: str
) -> tuple[P.RefundReason, ...]:
    with acting_for(buyer.develop_id):
        return market.refund_reasons(A, chosen.row.order_id, chosen.entry_ids, goods_status)


def _limits(db: Database, chosen: Chosen) -> refund_queries.Limits:
    with db.transaction() as s:
        row = s.get(PurchaseOrder, (chosen.row.platform, chosen.row.order_id))
        assert row is not None
        return refund_queries.limits(s, row, list(chosen.entry_ids), chosen.quantities)


def _nothing_left(chosen: Chosen, limits: refund_queries.Limits) -> None:
    if limits.max_payment <= 0:
        raise Conflict(
            "nothing of these lines is left to refund (refunded, or asked by other refunds)",
            {"orderId": chosen.row.order_id, "maxApplyPayment": 0},
        )


# --- 7.1 ------------------------------------------------------------------------------------
def reasons(
    db: Database, market: P.Marketplace, buyer: Buyer, *, body: S.RefundReasonsRequest, now_ms: int
) -> dict[str, Any]:
    """7.1: the marketplace's reasons for these lines and goods status, and what a refund of
    them may still ask."""
    chosen = _refundable(db, market, buyer, body, now_ms)
    problems = Problems()
    _phase(chosen, body.goodsStatus, problems)
    problems.check()
    found = _reasons(market, buyer, chosen, body.goodsStatus)
    limits = _limits(db, chosen)
    _nothing_left(chosen, limits)
    return {
        "reasons": [
            {
                "id": r.reason_id,
                "name": r.name,
                "needVoucher": r.need_voucher,
                "noRefundCarriage": r.no_refund_carriage,
                "tip": r.tip,
            }
            for r in found
        ],
        "maxApplyPayment": limits.max_payment,
        "maxApplyCarriage": limits.max_carriage,
    }


# --- 7.2 ------------------------------------------------------------------------------------
def upload_voucher(
    db: Database,
    sandbox: SandboxControls | None,
    settings: Settings,
    buyer: Buyer,
    *,
    body: S.RefundVoucherUpload,
    now_ms: int,
) -> dict[str, Any]:
    """7.2: keep the picture and answer its URL (for ``vouchers[]`` of 7.3 and 7.4)."""
    if body.imageBase64 is not None and body.imageAddress is not None:
        raise ApiError(
            40001,
            "imageAddress: give imageBase64 or imageAddress, not both",
            {"errors": [{"field": "imageAddress", "message": "not with imageBase64"}]},
        )
    if body.imageBase64 is not None:
        data, where = images.decode_base64(body.imageBase64, "imageBase64"), "imageBase64"
    elif body.imageAddress is not None:
        data = images.fetch_own(db, sandbox, settings, body.imageAddress, "imageAddress")
        where = "imageAddress"
    else:
        raise ApiError(
            40001,
            "imageBase64: imageBase64 or imageAddress is required",
            {"errors": [{"field": "imageBase64", "message": "or imageAddress: one is required"}]},
        )
    stored = images.store(db, buyer.developer_id, data, now_ms, where)
    domain = settings.resolved_public_url
    return {
        "imageUrl": domain + stored.relative_url,
        "imageDomain": domain,
        "imageRelativeUrl": stored.relative_url,
    }


# --- 7.3 ------------------------------------------------------------------------------------
def create(
    db: Database, market: P.Marketplace, buyer: Buyer, *, body: S.RefundCreateRequest, now_ms: int
) -> dict[str, Any]:
    """7.3: check the request against the order as it is now, then apply for the refund."""
    order_actions.own(db, ORDERS, buyer, body.orderId)  # 40401 / 40302 before anything else
    with acting_for(buyer.develop_id):
        writes.no_create_pending(db, market, PROFILE, body.orderId, now_ms)
    chosen = _refundable(db, market, buyer, body, now_ms)
    problems = Problems()
    if body.disputeRequest == "returnRefund":
        unsent = [e for e in chosen.entry_ids if _line(chosen, e).logistics_status == 1]
        if unsent:
            problems.add(
                "disputeRequest",
                f"returnRefund once the goods are shipped: line {unsent[0]} is not; ask refund",
            )
    _phase(chosen, body.goodsStatus, problems)
    problems.check()
    reason = next(
        (
            r
            for r in _reasons(market, buyer, chosen, body.goodsStatus)
            if r.reason_id == body.applyReasonId
        ),
        None,
    )
    limits = _limits(db, chosen)
    _nothing_left(chosen, limits)
    vouchers = tuple(body.vouchers or ())
    if reason is None:
        problems.add("applyReasonId", "not a reason 7.1 gives for these lines and goodsStatus")
    elif reason.need_voucher and not vouchers:
        problems.add("vouchers", f"the reason {reason.reason_id} needs 1 to 5 pictures (7.2)")
    payment_ok = body.applyPayment <= limits.max_payment
    if not payment_ok:
        problems.add("applyPayment", f"at most {limits.max_payment} fen (7.1 maxApplyPayment)")
    if reason is not None and reason.no_refund_carriage and body.applyCarriage:
        problems.add("applyCarriage", f"0: the freight is not refunded for reason {reason.name}")
    elif body.applyCarriage > limits.max_carriage:
        problems.add("applyCarriage", f"at most {limits.max_carriage} fen (7.1 maxApplyCarriage)")
    elif payment_ok and body.applyPayment + body.applyCarriage > limits.max_total:
        problems.add(
            "applyCarriage",
            f"applyPayment + applyCarriage at most {limits.max_total} fen (what was paid, less "
            "what other refunds of the order ask)",
        )
    problems.check()
    draft = P.RefundDraft(
        platform=A,
        order_id=chosen.row.order_id,
        entry_ids=chosen.entry_ids,
        dispute_request=body.disputeRequest,
        goods_status=body.goodsStatus,
        apply_payment_fen=body.applyPayment,
        apply_carriage_fen=body.applyCarriage,
        reason_id=body.applyReasonId,
        description=body.description,
        vouchers=vouchers,
        quantities=tuple(
            (e, chosen.quantities[e]) for e in chosen.entry_ids if e in chosen.quantities
        ),
    )
    row = writes.create(db, market, PROFILE, buyer, draft, now_ms)
    refund = _out(db, row)
    return {
        "refundId": row.refund_id,
        "refundStatus": row.status,
        "disputeRequest": refund["disputeRequest"],
        "goodsStatus": refund["goodsStatus"],
        "refund": refund,
    }


def _line(chosen: Chosen, entry_id: str) -> P.OrderLine:
    return next(ln for ln in chosen.order.lines if ln.entry_id == entry_id)


def _out(db: Database, row: Any) -> dict[str, Any]:
    with db.transaction() as s:
        return refund_records.refund_out(s, row)


# --- 7.4 / 7.7 ------------------------------------------------------------------------------
def return_goods(
    db: Database, market: P.Marketplace, buyer: Buyer, *, body: S.RefundReturnRequest, now_ms: int
) -> dict[str, Any]:
    """7.4: the goods are on their way back (``waitbuyersend`` -> ``waitsellerreceive``)."""
    row = writes.return_goods(
        db,
        market,
        PROFILE,
        buyer,
        body.refundId,
        now_ms,
        company_no=body.logisticsCompanyNo,
        bill_no=body.freightBill,
        description=body.description or "",
        vouchers=tuple(body.vouchers or ()),
    )
    return {"refundId": row.refund_id, "refundStatus": row.status}


def cancel(
    db: Database, market: P.Marketplace, buyer: Buyer, *, body: S.RefundCancelRequest, now_ms: int
) -> dict[str, Any]:
    """7.7: withdraw the refund (``waitselleragree``, ``waitbuyermodify``, ``waitbuyersend``)."""
    row = writes.cancel(db, market, PROFILE, buyer, body.refundId, now_ms, remark=body.remark)
    return {"refundId": row.refund_id, "refundStatus": row.status}
