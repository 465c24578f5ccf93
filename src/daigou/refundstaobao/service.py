"""Taobao reverse orders (ENDPOINTS 3.2-3.10) on the after-sales core: open one on a sub-order,
change it, withdraw it, read one or a page, leave and read messages, and send the goods back.

Every write is the core's (``aftersales.writes``: one reconciler operation, settled by querying
when its answer is lost, 50401 meanwhile); this module maps the Taobao request onto it (a
sub-order -> its shop order and line; ``refundType`` -> ``disputeRequest``; ``goodsStatus`` ->
the marketplace's "1" / "2"; ``refundFee`` -> the payment asked, no separate carriage) and
checks first what it can (``forms``), then answers TaobaoRefund.
"""

from __future__ import annotations

from typing import Any

from daigou.aftersales import queries, records, writes
from daigou.aftersales.models import RefundRecord
from daigou.aftersales.profile import AWAITING_RETURN, CLOSED
from daigou.core.clock import Clock
from daigou.core.errors import Conflict, NotFound
from daigou.core.pagination import Page, PageRequest
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_for
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import PurchaseOrder
from daigou.purchasing.records import snapshot_of
from daigou.refundstaobao import carriers, forms, lookup
from daigou.refundstaobao.forms import distributor_id
from daigou.refundstaobao.lookup import SubOrder
from daigou.refundstaobao.profile import PROFILE
from daigou.refundstaobao.views import CURRENCY, DISPUTE_REQUEST, address_view, goods_status_of

T = P.Platform.TAOBAO


def aggregate(db: Database, row: RefundRecord) -> dict[str, Any]:
    """TaobaoRefund of the record."""
    with db.transaction() as s:
        return records.refund_out(s, row)


def _detail(db: Database, buyer: Buyer, row: RefundRecord) -> dict[str, Any]:
    return {
        "distributorId": distributor_id(buyer),
        "currency": CURRENCY,
        "refundOrderAggregate": aggregate(db, row),
    }


def _own(db: Database, buyer: Buyer, refund_id: str) -> RefundRecord:
    return writes.own(db, PROFILE, buyer, refund_id)


# --- 3.2 open, 3.3 change, 3.4 withdraw ------------------------------------------------------
def submit(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    *,
    sub_order_id: str,
    refund_type: int,
    goods_status: int,
    reason_id: int,
    refund_fee: int,
    description: str | None,
    images: list[str] | None,
) -> dict[str, Any]:
    """3.2: a reverse order of one sub-order (status 10). An earlier submit of its shop order
    whose answer was lost is settled first (by querying), before anything is judged."""
    found = lookup.sub_order(db, buyer, sub_order_id)
    with acting_for(buyer.develop_id):
        writes.no_create_pending(db, market, PROFILE, found.order.order_id, clock.now_ms())
    form = forms.checked(db, market, buyer, sub_order_id, refund_type, goods_status)
    sub = form.sub
    forms.check_kind(sub, refund_type)
    forms.check_goods_status(sub, goods_status)
    forms.check_fee(refund_fee, form.most)
    forms.check_reason(form.offered, reason_id)
    draft = P.RefundDraft(
        platform=T,
        order_id=sub.order.order_id,
        entry_ids=(sub.sub_order_id,),
        dispute_request=DISPUTE_REQUEST[refund_type],
        goods_status=str(goods_status),
        apply_payment_fen=refund_fee,
        apply_carriage_fen=0,  # Taobao asks one fee: no separate carriage
        reason_id=reason_id,
        description=description or "",
        vouchers=tuple(images or ()),
    )
    row = writes.create(db, market, PROFILE, buyer, draft, clock.now_ms())
    return aggregate(db, row)


def _sub_order_of(db: Database, row: RefundRecord) -> SubOrder:
    """The sub-order of a reverse order, as its shop order's last view has it."""
    with db.transaction() as s:
        order = s.get(PurchaseOrder, (row.platform, row.order_id))
        if order is None:  # a record always belongs to an order
            raise NotFound("no such sub-order")
        s.expunge(order)
    entry_ids = records.entry_ids_of(row)
    lines = snapshot_of(order).lines
    line = next((ln for ln in lines if entry_ids and ln.entry_id == entry_ids[0]), None)
    if line is None:  # a reverse order always names a line of its shop order
        raise NotFound("no such sub-order")
    return SubOrder(order, line)


def modify(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    refund_id: str,
    *,
    goods_status: int | None,
    reason_id: int | None,
    refund_fee: int | None,
    description: str | None,
    images: list[str] | None,
) -> dict[str, Any]:
    """3.3: change a reverse order waiting for the seller or refused (10, -10; back to 10); what
    is not given keeps its value."""
    row = _own(db, buyer, refund_id)
    if row.state not in PROFILE.modifiable and row.pending_operation is None:
        raise Conflict(f"the reverse order is {row.status}: only 10 or -10 may be modified")
    current = records.snapshot_of(row)
    sub = _sub_order_of(db, row)
    status = goods_status if goods_status is not None else goods_status_of(current)
    if goods_status is not None:
        forms.check_goods_status(sub, goods_status)
    fee = refund_fee if refund_fee is not None else current.apply_payment_fen
    if refund_fee is not None:
        forms.check_fee(refund_fee, forms.refundable(db, sub, except_refund=refund_id))
    reason = reason_id if reason_id is not None else current.reason_id
    if reason_id is not None or goods_status is not None:
        offered = forms.reasons(market, buyer, sub, status)
        forms.check_reason(offered, reason, kept=reason_id is None)
    row = writes.modify(
        db,
        market,
        PROFILE,
        buyer,
        refund_id,
        clock.now_ms(),
        apply_payment_fen=fee,
        reason_id=reason,
        description=description if description is not None else current.description,
        goods_status=str(goods_status) if goods_status is not None else None,
        vouchers=tuple(images) if images is not None else None,
    )
    return aggregate(db, row)


def cancel(
    db: Database, market: P.Marketplace, clock: Clock, buyer: Buyer, refund_id: str
) -> dict[str, Any]:
    """3.4: withdraw (10, 20, -10 -> -20)."""
    row = writes.cancel(db, market, PROFILE, buyer, refund_id, clock.now_ms())
    return {"cancelSuccess": row.state == CLOSED, **_detail(db, buyer, row)}


# --- 3.5 one, 3.6 a page ---------------------------------------------------------------------
def detail(db: Database, buyer: Buyer, refund_id: str) -> dict[str, Any]:
    return _detail(db, buyer, _own(db, buyer, refund_id))


def page(db: Database, buyer: Buyer, flt: queries.RefundFilter, req: PageRequest) -> dict[str, Any]:
    """3.6: the caller's reverse orders, newest first."""
    found = queries.page(db, PROFILE, buyer.developer_id, buyer.user_id, flt, req)
    with db.transaction() as s:
        items = [records.refund_out(s, r) for r in found.items]
    return found.to_wire(items)


# --- 3.7 leave a message, 3.8 read them ------------------------------------------------------
def add_message(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    refund_id: str,
    *,
    content: str,
    images: list[str] | None,
) -> dict[str, Any]:
    """3.7: a message for the seller on a reverse order not ended (40901 once it is)."""
    row, note = writes.add_note(
        db,
        market,
        PROFILE,
        buyer,
        refund_id,
        clock.now_ms(),
        content=content,
        images=tuple(images or ()),
    )
    return {
        "refundId": row.refund_id,
        "refundStatus": int(row.status),
        "id": note.note_id,
        "createTime": note.created_ms,
    }


def messages(
    db: Database, market: P.Marketplace, buyer: Buyer, refund_id: str, req: PageRequest
) -> dict[str, Any]:
    """3.8: the negotiation's messages (the buyer's, the seller's, the platform's), oldest
    first, read from the marketplace."""
    _own(db, buyer, refund_id)
    with acting_for(buyer.develop_id):
        notes = market.refund_notes(T, refund_id)
    chosen = notes[req.offset : req.offset + req.page_size]
    items = [
        {
            "id": n.note_id,
            "owner": n.owner,
            "content": n.content,
            "images": list(n.images),
            "createTime": n.created_ms,
        }
        for n in chosen
    ]
    return Page(items, req.page_size, len(notes), req.page_no).to_wire()


# --- 3.9 where to send the goods, 3.10 sent ---------------------------------------------------
def _awaiting_return(row: RefundRecord) -> None:
    if row.state != AWAITING_RETURN:
        raise Conflict(
            f"the reverse order is {row.status}: goods go back once the seller agreed a return (20)"
        )


def return_logistics(db: Database, buyer: Buyer, refund_id: str) -> dict[str, Any]:
    """3.9: where the seller wants the goods, how, and the carriers to choose from."""
    row = _own(db, buyer, refund_id)
    _awaiting_return(row)
    snap = records.snapshot_of(row)
    return {
        "refundId": row.refund_id,
        "receiverAddress": address_view(snap.return_address),
        "sellerAgreeReturnDescribe": snap.seller_agree_describe,
        "logisticsCompanies": carriers.companies(),
    }


def return_goods(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    buyer: Buyer,
    refund_id: str,
    *,
    company_code: str,
    bill_no: str,
    buyer_phone: str | None,
    description: str | None,
) -> dict[str, Any]:
    """3.10: the goods are on their way back (20 -> 30)."""
    row = writes.return_goods(
        db,
        market,
        PROFILE,
        buyer,
        refund_id,
        clock.now_ms(),
        company_no=company_code,
        bill_no=bill_no,
        description=description or "",
        buyer_phone=buyer_phone,
    )
    return aggregate(db, row)
