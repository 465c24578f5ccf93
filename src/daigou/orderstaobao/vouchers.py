"""Paying a Taobao purchase order by bank transfer: the developer uploads the transfer's voucher
(2.6, status 1), the operator lists vouchers (12.7) and decides once (12.8).

Approving credits the transfer to the developer's wallet as its own ledger entry (a ``topup``
whose reference is the voucher), moves the order 1 -> 2 -> 5 and pays it through the normal
wallet path (hold -> pay -> capture, ``orderstaobao.payments``): the ledger shows the money
coming in and going out, and the order reaches 10 like any other. Should the marketplace refuse
that payment, the order returns to 0 with the money in the wallet, to be paid again. Rejecting
returns the order to 3 with the reason; the developer may upload again or pay from the wallet.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from daigou.core.clock import Clock
from daigou.core.errors import ApiError, Conflict, NotFound, validation_error
from daigou.core.pagination import Page, PageRequest
from daigou.db.paging import count_of, next_cursor, seek
from daigou.db.session import Database
from daigou.developers.service import develop_ids
from daigou.http.guards import audit
from daigou.marketplace import port as P
from daigou.orderstaobao import state
from daigou.orderstaobao.create import find
from daigou.orderstaobao.models import TaobaoOrder, TaobaoVoucher
from daigou.orderstaobao.payments import pay_many
from daigou.orderstaobao.views import voucher_view
from daigou.purchasing.buyer import Buyer
from daigou.purchasing.models import NONE
from daigou.wallet import service as wallet

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
REVIEW_STATUSES = (PENDING, APPROVED, REJECTED)
MAX_IMAGES = 5


def images_of(value: Any) -> list[str]:
    """``transferAccountImgs``: a JSON list, or a comma list, of 1-5 https image URLs."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise validation_error("transferAccountImgs", "not valid JSON") from exc
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation_error("transferAccountImgs", "a list of https image URLs")
    if not 1 <= len(value) <= MAX_IMAGES:
        raise validation_error("transferAccountImgs", f"1 to {MAX_IMAGES} image URLs")
    for i, url in enumerate(value):
        if not url.startswith("https://") or len(url) > 1000 or " " in url or len(url) < 12:
            raise validation_error(f"transferAccountImgs[{i}]", "an https URL of an image")
    return list(value)


def _owed(s: Any, order_id: str) -> int:
    return sum(
        r.total_fen
        for r in state.rows_of(s, order_id)
        if r.status == state.UNPAID and r.pay_state == NONE
    )


def upload(
    db: Database,
    buyer: Buyer,
    order_id: str,
    *,
    images: list[str],
    amount: int,
    remark: str | None,
    now_ms: int,
) -> dict[str, Any]:
    """2.6: the order (0 or 3) waits for the operator's review (1)."""
    find(db, buyer, order_id)
    with db.transaction() as s:
        order = state.lock(s, order_id)
        assert order is not None
        if order.status not in state.PAYABLE:
            raise Conflict(f"the order is {order.status}: a voucher is uploaded in status 0 or 3")
        owed = _owed(s, order_id)
        if any(r.pay_state != NONE for r in state.rows_of(s, order_id)):
            raise Conflict("part of the order is paid or being paid from the wallet")
        if amount != owed:
            raise ApiError(
                40001,
                f"amount: the order's purchaseAmount is {owed} fen, not {amount}",
                {"errors": [{"field": "amount", "message": "must equal purchaseAmount"}]},
            )
        s.add(
            TaobaoVoucher(
                voucher_id=f"tv_{secrets.token_hex(12)}",
                order_id=order_id,
                developer_id=order.developer_id,
                user_id=order.user_id,
                amount=amount,
                currency="CNY",
                images=json.dumps(images),
                remark=remark,
                review_status=PENDING,
                reviewer=None,
                review_time=None,
                reject_reason=None,
                received_amount=None,
                ledger_entry_id=None,
                created_at=now_ms,
            )
        )
        order.voucher_stage = state.UPLOADED
        order.pay_method = "voucher"
        s.flush()
        state.refresh(s, order, now_ms)
        return state.view(s, order)


# --- the operator -----------------------------------------------------------------------------
@dataclass(frozen=True)
class VoucherFilter:
    review_status: str | None = PENDING
    develop_id: str | None = None
    created_from: int | None = None
    created_to: int | None = None


def _item(v: TaobaoVoucher, develop_id: str, order: dict[str, Any] | None) -> dict[str, Any]:
    return {
        **(voucher_view(v) or {}),
        "orderId": v.order_id,
        "developId": develop_id,
        "userId": v.user_id,
        "currency": v.currency,
        "reviewer": v.reviewer,
        "receivedAmount": v.received_amount,
        "ledgerEntryId": v.ledger_entry_id,
        "createTime": v.created_at,
        "order": order,
    }


def list_vouchers(db: Database, flt: VoucherFilter, req: PageRequest) -> dict[str, Any]:
    """12.7: vouchers, newest first, each with its order."""
    t = TaobaoVoucher.__table__
    where: list[Any] = []
    if flt.review_status is not None:
        where.append(t.c.review_status == flt.review_status)
    if flt.develop_id is not None:
        from daigou.developers.models import Developer

        where.append(
            t.c.developer_id.in_(select(Developer.id).where(Developer.develop_id == flt.develop_id))
        )
    if flt.created_from is not None:
        where.append(t.c.created_at >= flt.created_from)
    if flt.created_to is not None:
        where.append(t.c.created_at <= flt.created_to)
    query = (
        select(TaobaoVoucher).where(*where).order_by(t.c.created_at.desc(), t.c.voucher_id.desc())
    )
    with db.transaction() as s:
        total = None if req.cursor is not None else s.execute(count_of(where, t)).scalar_one()
        query = seek(query, req, t.c.created_at, t.c.voucher_id)
        found = list(s.execute(query.limit(req.page_size + 1)).scalars())
        more = len(found) > req.page_size
        found = found[: req.page_size]
        devs = develop_ids(s, {v.developer_id for v in found})
        items = []
        for v in found:
            order = s.get(TaobaoOrder, v.order_id)
            items.append(
                _item(v, devs.get(v.developer_id, ""), state.view(s, order) if order else None)
            )
    page = Page(items, req.page_size, total, req.page_no if req.cursor is None else None)
    page.next_cursor = next_cursor(found, more, "created_at", "voucher_id")
    return page.to_wire()


def review(
    db: Database,
    market: P.Marketplace,
    clock: Clock,
    *,
    voucher_id: str,
    decision: str,
    received_amount: int | None,
    reason: str | None,
    reviewer: str,
    actor: str = "admin",
    request_id: str | None = None,
) -> dict[str, Any]:
    """12.8: approve (credit the wallet, 1 -> 2 -> 5, pay -> 10) or reject (1 -> 3), once; the
    decision is audit-logged (``actor``: the admin API or the CLI)."""
    if decision not in ("approve", "reject"):
        raise validation_error("decision", "approve or reject")
    if decision == "approve" and received_amount is None:
        raise validation_error("receivedAmount", "required to approve")
    if decision == "reject" and not reason:
        raise validation_error("reason", "required to reject (the developer is shown it)")
    now_ms = clock.now_ms()
    with db.transaction() as s:
        v = s.execute(
            select(TaobaoVoucher).where(TaobaoVoucher.voucher_id == voucher_id).with_for_update()
        ).scalar_one_or_none()
        if v is None:
            raise NotFound("no such voucher")
        if v.review_status != PENDING:
            raise Conflict(f"the voucher was already {v.review_status}: one decision per voucher")
        order = state.lock(s, v.order_id)
        assert order is not None
        audit(
            s,
            actor=actor,
            action=f"voucher.{decision}",
            target=voucher_id,
            details={
                "orderId": v.order_id,
                "amount": v.amount,
                "receivedAmount": received_amount,
                "reason": reason,
                "reviewer": reviewer,
            },
            request_id=request_id,
            now_ms=now_ms,
        )
        v.reviewer, v.review_time = reviewer, now_ms
        if decision == "reject":
            v.review_status, v.reject_reason = REJECTED, reason
            if order.voucher_stage == state.UPLOADED:
                order.voucher_stage = state.REJECTED
            s.flush()
            state.refresh(s, order, now_ms)
            return {
                "voucherId": voucher_id,
                "reviewStatus": REJECTED,
                "order": state.view(s, order),
            }
        if received_amount != v.amount:
            raise ApiError(
                40001,
                f"receivedAmount: the voucher is for {v.amount} fen, not {received_amount}",
                {"errors": [{"field": "receivedAmount", "message": "must equal the amount"}]},
            )
        moved = wallet.topup(
            s,
            developer_id=v.developer_id,
            amount=v.amount,
            reference=f"voucher:{voucher_id}",
            now_ms=now_ms,
            remark=f"bank transfer, voucher {voucher_id} of order {v.order_id}",
            user_id=v.user_id,
        )
        v.review_status, v.received_amount = APPROVED, received_amount
        v.ledger_entry_id = moved.entry.entry_id
        if order.voucher_stage == state.UPLOADED:
            order.voucher_stage = state.APPROVED
            s.flush()
            state.refresh(s, order, now_ms)
        # 1 -> 2, unless the order closed meanwhile (a pay timeout): the transfer stays credited
        payable = order.status == state.APPROVED
        if payable:
            # 2 -> 5 is set, not derived: nothing is held yet, and `derive` reads stage 5 with
            # nothing paying as a payment already refused (5 -> 0)
            order.voucher_stage = state.GATEWAY_PAYING
            s.flush()
            state.move(s, order, state.GATEWAY_PAYING, now_ms)
        buyer = Buyer(
            order.developer_id,
            develop_ids(s, {order.developer_id})[order.developer_id],
            order.user_id,
        )
    if payable:
        # paid (10), pending (the reconciler settles it), or refused: back to 0, the transfer
        # stays in the wallet; the order shows which
        pay_many(db, market, clock, buyer, [v.order_id], paying_voucher=True)
        with db.transaction() as s:
            paying = state.lock(s, v.order_id)
            assert paying is not None
            state.settle_gateway_pay(s, paying, clock.now_ms())
    with db.transaction() as s:
        o = s.get(TaobaoOrder, v.order_id)
        assert o is not None
        return {"voucherId": voucher_id, "reviewStatus": APPROVED, "order": state.view(s, o)}
