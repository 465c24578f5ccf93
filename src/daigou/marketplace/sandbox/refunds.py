"""Refunds of the sandbox seller: open, answer, return goods, modify, cancel (see ``orders``);
their negotiation notes and the seller's return address are in ``negotiation``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daigou.marketplace import port as P
from daigou.marketplace.sandbox.negotiation import (
    DEFAULT_AGREE_DESCRIBE,
    SELLER,
    NoteDesk,
    one_line,
    return_address,
)
from daigou.marketplace.sandbox.seller_models import SandboxRefund
from daigou.marketplace.sandbox.states import (
    CONFIRMED,
    NOT_RECEIVED_ONLY,
    R_CLOSED,
    R_SUCCESS,
    R_WAIT_AGREE,
    R_WAIT_MODIFY,
    R_WAIT_RECEIVE,
    R_WAIT_SEND,
    RECEIVED_ONLY,
    REFUND_OPEN,
    REFUND_REASONS,
    SUCCESS,
    T_REFUND_AFTER,
    T_REFUND_IN,
    T_SEND,
    TB_REFUND,
    TB_STATUS,
    TERMINATED,
    WAIT_RECEIVE,
    WAIT_SEND,
    make_id,
    move,
    refused,
)


class RefundDesk(NoteDesk):
    """Refunds and returns: the buyer's requests and the seller's answers."""

    def refund(self, platform: P.Platform, refund_id: str) -> P.MarketRefund:
        with self.db.transaction() as s:
            return self.refund_dto(self._refund_row(s, platform, refund_id, lock=False)[1])

    def order_refunds(self, platform: P.Platform, order_id: str) -> tuple[P.MarketRefund, ...]:
        """Every refund of an order of ``platform``, oldest first. Refunds opened in the same
        millisecond keep the order they were opened in: their counter value (``seq``), which
        their ids, a permutation of it, need not follow."""
        with self.db.transaction() as s:
            self._order_row(s, platform, order_id, lock=False)
            bodies = [
                json.loads(b)
                for b in s.execute(
                    select(SandboxRefund.body).where(SandboxRefund.order_id == str(order_id))
                ).scalars()
            ]
        bodies.sort(key=lambda r: (r["created_ms"], r.get("seq", 0)))
        return tuple(self.refund_dto(r) for r in bodies)

    def refund_reasons(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        with self.db.transaction() as s:
            self._order_row(s, platform, order_id, lock=False)
        received = goods_status in ("refundBuyerReceived", "aftersaleBuyerReceived", "2")
        skip = NOT_RECEIVED_ONLY if received else RECEIVED_ONLY
        return tuple(r for r in REFUND_REASONS if r.reason_id not in skip)

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        key = f"refund:{draft.platform}:{draft.op_request_id}" if draft.op_request_id else None
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            if key is not None:
                done = self._dedupe(s, key)
                if done is not None:
                    return self.refund_dto(self._refund_row(s, None, done["refund_id"], False)[1])
            row, order = self._order_row(s, draft.platform, draft.order_id)
            if order["status"] not in (WAIT_SEND, WAIT_RECEIVE, CONFIRMED, SUCCESS):
                raise refused("ORDER_STATUS_ERROR", f"the order is {order['status']}: no refund")
            lines = {ln["entry_id"]: ln for ln in order["lines"]}
            entry_ids = list(dict.fromkeys(draft.entry_ids)) or list(lines)
            for e in entry_ids:
                if e not in lines:
                    raise P.MarketplaceNotFound("order line", e)
                if (
                    lines[e]["refund_status"] in REFUND_OPEN
                    or lines[e]["refund_status"] == R_SUCCESS
                ):
                    raise refused("REFUND_EXISTS", f"line {e} already has a refund")
            if draft.dispute_request not in ("refund", "returnRefund"):
                raise refused("DISPUTE_REQUEST_INVALID", "disputeRequest: refund or returnRefund")
            if draft.dispute_request == "returnRefund" and any(
                lines[e]["logistics_status"] == 1 for e in entry_ids
            ):
                raise refused("GOODS_NOT_SENT", "returnRefund needs the goods shipped")
            reason = next((r for r in REFUND_REASONS if r.reason_id == draft.reason_id), None)
            if reason is None:
                raise refused("REASON_INVALID", f"no refund reason {draft.reason_id}")
            quantities = self._quantities(lines, entry_ids, draft.quantities)
            self._check_amounts(
                s,
                order,
                entry_ids,
                draft.apply_payment_fen,
                draft.apply_carriage_fen,
                None,
                quantities,
            )
            n = self._next(s, "refund")
            refund_id = "TQ" + make_id(n, "", 17)
            refund = {
                "platform": str(draft.platform),
                "refund_id": refund_id,
                "seq": n,
                "order_id": order["order_id"],
                "buyer_ref": order["buyer_ref"],
                "entry_ids": entry_ids,
                "status": R_WAIT_AGREE,
                "dispute_request": draft.dispute_request,
                "goods_status": draft.goods_status,
                "apply_payment_fen": draft.apply_payment_fen,
                "apply_carriage_fen": draft.apply_carriage_fen,
                "refund_payment_fen": 0,
                "refund_carriage_fen": 0,
                "reason_id": reason.reason_id,
                "reason": reason.name,
                "description": draft.description,
                "vouchers": list(draft.vouchers),
                "quantities": quantities,
                "created_ms": now,
                "modified_ms": now,
                "timeout_ms": now + self.settings.sandbox_refund_answer_seconds * 1000,
                "completed_ms": None,
                "seller_refuse_reason": None,
                "return_company_no": None,
                "return_bill_no": None,
                "return_description": "",
                "return_vouchers": [],
                "return_address": None,
                "seller_agree_describe": None,
                "after_sale": order["status"] == SUCCESS,
                "notes": [],
            }
            s.add(
                SandboxRefund(
                    refund_id=refund_id,
                    platform=refund["platform"],
                    order_id=order["order_id"],
                    status=R_WAIT_AGREE,
                    body=json.dumps(refund, ensure_ascii=False),
                    created_ms=now,
                    modified_ms=now,
                )
            )
            for e in entry_ids:
                lines[e]["refund_status"] = R_WAIT_AGREE
            order["refund_status"] = R_WAIT_AGREE
            self._save_order(s, row, order, now)
            self._timer(s, refund["timeout_ms"], "refund_answer", refund_id, status=R_WAIT_AGREE)
            self._refund_message(s, refund, now, None)
            if key is not None:
                self._record_write(s, key, "refund", {"refund_id": refund_id}, now)
            return self.refund_dto(refund)

    @staticmethod
    def _quantities(
        lines: dict[str, dict[str, Any]],
        entry_ids: list[str],
        asked: tuple[tuple[str, int], ...],
    ) -> dict[str, int]:
        """The part quantities of a refund (1688 ``orderEntryCountList``): each of its lines, at
        most once, 1 to the line's quantity."""
        out: dict[str, int] = {}
        for entry_id, count in asked:
            if entry_id not in entry_ids or entry_id in out:
                raise refused("REFUND_COUNT_INVALID", f"orderEntryCountList: line {entry_id}")
            if not 0 < count <= lines[entry_id]["quantity"]:
                raise refused(
                    "REFUND_COUNT_INVALID",
                    f"line {entry_id}: count must be 1 to {lines[entry_id]['quantity']}",
                )
            out[entry_id] = count
        return out

    def _check_amounts(
        self,
        s: Session,
        order: dict[str, Any],
        entry_ids: list[str],
        payment: int,
        carriage: int,
        except_refund: str | None,
        quantities: dict[str, int] | None = None,
    ) -> None:
        """A refund asks at most what its lines cost (a line refunded in part: its unit price
        times the count), at most the freight not yet asked back, and, with every other open or
        successful refund of the order, at most what was paid (a shop discount or a lowered
        price makes that less than the lines' sum)."""
        lines = {ln["entry_id"]: ln for ln in order["lines"]}
        line_left = 0
        for e in entry_ids:
            left = lines[e]["amount_fen"] - lines[e]["refunded_fen"]
            count = (quantities or {}).get(e)
            line_left += left if count is None else min(left, lines[e]["unit_price_fen"] * count)
        asked = asked_carriage = 0
        for body in s.execute(
            select(SandboxRefund.body).where(
                SandboxRefund.order_id == order["order_id"],
                SandboxRefund.status.in_([*REFUND_OPEN, R_SUCCESS]),
            )
        ).scalars():
            other = json.loads(body)
            if other["refund_id"] == except_refund:
                continue
            done = other["status"] == R_SUCCESS
            pay = other["refund_payment_fen"] if done else other["apply_payment_fen"]
            car = other["refund_carriage_fen"] if done else other["apply_carriage_fen"]
            asked += pay + car
            asked_carriage += car
        paid_left = order["total_fen"] - asked
        carriage_left = max(0, min(order["shipping_fen"] - asked_carriage, paid_left))
        payment_left = max(0, min(line_left, paid_left))
        if not 0 < payment <= payment_left:
            raise refused("REFUND_AMOUNT_INVALID", f"applyPayment must be 1 to {payment_left} fen")
        if not 0 <= carriage <= carriage_left:
            raise refused(
                "REFUND_AMOUNT_INVALID", f"applyCarriage must be 0 to {carriage_left} fen"
            )
        if payment + carriage > paid_left:
            raise refused(
                "REFUND_AMOUNT_INVALID",
                f"applyPayment + applyCarriage must stay within the {paid_left} fen paid",
            )

    def _refund_message(
        self, s: Session, refund: dict[str, Any], at: int, previous: str | None
    ) -> None:
        if refund["platform"] == P.Platform.TAOBAO:
            topic = TB_REFUND
        else:
            topic = T_REFUND_AFTER if refund["after_sale"] else T_REFUND_IN
        self._emit(s, refund["platform"], topic, at, refund=refund, previous=previous)

    def _refund_move(
        self,
        s: Session,
        platform: str | None,
        refund_id: str,
        at: int,
        change: Callable[[dict[str, Any], dict[str, Any]], str],
    ) -> dict[str, Any]:
        """Lock the refund and its order, apply ``change`` (which moves the refund and returns
        the previous status), then settle what follows: lines, the order, timers, messages."""
        rrow, refund = self._refund_row(s, platform, refund_id)
        orow, order = self._order_row(s, None, refund["order_id"])
        prev = change(refund, order)
        new = refund["status"]
        lines = {ln["entry_id"]: ln for ln in order["lines"]}
        share_left = refund["refund_payment_fen"]
        for i, e in enumerate(refund["entry_ids"]):
            ln = lines[e]
            ln["refund_status"] = new
            if new == R_SUCCESS:
                # spread the refunded amount over the lines, the last takes the rest
                part = (
                    share_left
                    if i == len(refund["entry_ids"]) - 1
                    else min(share_left, ln["amount_fen"] - ln["refunded_fen"])
                )
                ln["refunded_fen"] += part
                share_left -= part
        if new == R_SUCCESS:
            refund["completed_ms"] = at
            order["refunded_fen"] = order.get("refunded_fen", 0) + refund["refund_payment_fen"]
            order["refunded_carriage_fen"] = (
                order.get("refunded_carriage_fen", 0) + refund["refund_carriage_fen"]
            )
        elif new == R_CLOSED:
            refund["completed_ms"] = at
        open_states = [
            ln["refund_status"] for ln in order["lines"] if ln["refund_status"] in REFUND_OPEN
        ]
        order["refund_status"] = open_states[0] if open_states else new
        self._save_refund(s, rrow, refund, at)
        self._refund_message(s, refund, at, prev)
        fully = all(ln["refund_status"] == R_SUCCESS for ln in order["lines"])
        if new == R_SUCCESS and fully and order["status"] in (WAIT_SEND, WAIT_RECEIVE, CONFIRMED):
            oprev = move("order", order, TERMINATED)
            order["completed_ms"] = at
            order["close_reason"] = "refund"
            self._save_order(s, orow, order, at)
            topic = TB_STATUS if order["platform"] == P.Platform.TAOBAO else T_REFUND_IN
            self._emit(s, order["platform"], topic, at, order=order, previous=oprev)
        elif (
            new == R_SUCCESS
            and order["status"] == WAIT_SEND
            and order["parcels"]
            and all(
                ln["logistics_status"] != 1 or ln["refund_status"] == R_SUCCESS
                for ln in order["lines"]
            )
        ):
            # the refunded lines were all that was left to ship: the order is now all sent
            oprev = move("order", order, WAIT_RECEIVE)
            order["shipped_ms"] = at
            alibaba = order["platform"] == P.Platform.ALIBABA
            self._emit(
                s,
                order["platform"],
                T_SEND if alibaba else TB_STATUS,
                at,
                order=order,
                previous=oprev,
                reason="the lines not shipped were refunded",
            )
            self._after_delivery(s, orow, order, at)
        else:
            self._save_order(s, orow, order, at)
        return refund

    def seller_refund_act(
        self,
        platform: P.Platform | None,
        refund_id: str,
        action: str,
        reason: str | None = None,
        refund_amount_fen: int | None = None,
        at: int | None = None,
    ) -> P.MarketRefund:
        """The seller answers a refund: agree, refuse, receiveGoods, close (12.20). ``reason`` is
        a refusal's reason, or what an agreed return asks of the buyer (a default otherwise)."""
        with self.db.transaction() as s:
            now = at if at is not None else self.clock.now_ms()

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                return self._answer(s, refund, order, action, reason, refund_amount_fen, now)

            refund = self._refund_move(s, platform, refund_id, now, change)
            return self.refund_dto(refund)

    def _answer(
        self,
        s: Session,
        refund: dict[str, Any],
        order: dict[str, Any],
        action: str,
        reason: str | None,
        amount: int | None,
        at: int,
    ) -> str:
        """Move ``refund`` by the seller's answer (the operator's, or the policy's when the time
        to answer runs out: both answer alike); the previous status. A refusal leaves its reason
        as the seller's note; an agreed return, where and how to send the goods back."""
        status = refund["status"]
        if action == "agree":
            if status != R_WAIT_AGREE:
                raise refused("REFUND_STATUS_ERROR", f"the refund is {status}")
            if refund["dispute_request"] != "returnRefund":
                return self._succeed(refund, amount)
            if amount is not None:
                self._set_amount(refund, amount)
            prev = move("refund", refund, R_WAIT_SEND)
            address = return_address(self.settings, order["seller_open_id"], order["seller_name"])
            describe = reason or DEFAULT_AGREE_DESCRIBE
            refund["return_address"] = asdict(address)
            refund["seller_agree_describe"] = describe
            self._note(s, refund, SELLER, f"{describe}\n退货地址：{one_line(address)}", (), at)
            self._await_buyer(s, refund, at)
            return prev
        if action == "receiveGoods":
            if status != R_WAIT_RECEIVE:
                raise refused("REFUND_STATUS_ERROR", f"the refund is {status}")
            return self._succeed(refund, amount)
        if action == "refuse":
            if not reason:
                raise refused("REASON_REQUIRED", "a refusal needs a reason")
            prev = move("refund", refund, R_WAIT_MODIFY)
            refund["seller_refuse_reason"] = reason
            self._note(s, refund, SELLER, reason, (), at)
            self._await_buyer(s, refund, at)
            return prev
        if action == "close":
            refund["timeout_ms"] = None
            return move("refund", refund, R_CLOSED)
        raise ValueError(f"unknown refund action {action!r}")

    def _await_buyer(self, s: Session, refund: dict[str, Any], at: int) -> None:
        """The buyer's turn (send the goods back, or modify): the refund closes if it passes."""
        refund["timeout_ms"] = at + self.settings.sandbox_refund_buyer_seconds * 1000
        self._timer(
            s,
            refund["timeout_ms"],
            "refund_buyer_timeout",
            refund["refund_id"],
            status=refund["status"],
        )

    @staticmethod
    def _set_amount(refund: dict[str, Any], amount: int) -> None:
        if not 0 < amount <= refund["apply_payment_fen"]:
            raise refused(
                "REFUND_AMOUNT_INVALID",
                f"refundAmount must be 1 to {refund['apply_payment_fen']} fen",
            )
        refund["apply_payment_fen"] = amount

    def _succeed(self, refund: dict[str, Any], amount: int | None) -> str:
        if amount is not None:
            self._set_amount(refund, amount)
        prev = move("refund", refund, R_SUCCESS)
        refund["refund_payment_fen"] = refund["apply_payment_fen"]
        refund["refund_carriage_fen"] = refund["apply_carriage_fen"]
        refund["timeout_ms"] = None
        return prev

    def buyer_cancel_refund(
        self, platform: P.Platform, refund_id: str, op_request_id: str
    ) -> P.MarketRefund:
        key = f"refund-cancel:{platform}:{op_request_id}"
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            if self._dedupe(s, key) is not None:
                return self.refund_dto(self._refund_row(s, platform, refund_id, False)[1])

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                if refund["status"] == R_WAIT_RECEIVE:
                    raise refused("REFUND_STATUS_ERROR", "the goods are on their way back")
                refund["timeout_ms"] = None
                return move("refund", refund, R_CLOSED)

            refund = self._refund_move(s, platform, refund_id, now, change)
            self._record_write(s, key, "refund-cancel", {"refund_id": refund_id}, now)
            return self.refund_dto(refund)

    def return_goods(
        self,
        platform: P.Platform,
        refund_id: str,
        company_no: str,
        bill_no: str,
        *,
        description: str = "",
        vouchers: tuple[str, ...] = (),
    ) -> P.MarketRefund:
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            receive = self.settings.sandbox_refund_receive_seconds * 1000

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                if refund["status"] != R_WAIT_SEND:
                    raise refused(
                        "REFUND_STATUS_ERROR",
                        f"the refund is {refund['status']}: goods go back once a return is agreed",
                    )
                prev = move("refund", refund, R_WAIT_RECEIVE)
                refund["return_company_no"] = company_no
                refund["return_bill_no"] = bill_no
                refund["return_description"] = description
                refund["return_vouchers"] = list(vouchers)
                refund["timeout_ms"] = now + receive
                self._timer(
                    s, refund["timeout_ms"], "refund_receive", refund_id, status=R_WAIT_RECEIVE
                )
                return prev

            return self.refund_dto(self._refund_move(s, platform, refund_id, now, change))

    def modify_refund(
        self,
        platform: P.Platform,
        refund_id: str,
        apply_payment_fen: int,
        reason_id: int,
        description: str,
        *,
        goods_status: str | None = None,
        vouchers: tuple[str, ...] | None = None,
    ) -> P.MarketRefund:
        """The buyer changes a request the seller has not answered yet, or has refused; it is
        (again) the seller's to answer, with the whole time to answer."""
        with self.db.transaction() as s:
            now = self.clock.now_ms()
            answer = self.settings.sandbox_refund_answer_seconds * 1000

            def change(refund: dict[str, Any], order: dict[str, Any]) -> str:
                if refund["status"] not in (R_WAIT_AGREE, R_WAIT_MODIFY):
                    raise refused(
                        "REFUND_STATUS_ERROR",
                        f"the refund is {refund['status']}: only an unanswered or refused "
                        "request is modified",
                    )
                self._check_amounts(
                    s,
                    order,
                    refund["entry_ids"],
                    apply_payment_fen,
                    refund["apply_carriage_fen"],
                    refund["refund_id"],
                    refund.get("quantities"),
                )
                reason = next((r for r in REFUND_REASONS if r.reason_id == reason_id), None)
                if reason is None:
                    raise refused("REASON_INVALID", f"no refund reason {reason_id}")
                prev = move("refund", refund, R_WAIT_AGREE)
                refund.update(
                    apply_payment_fen=apply_payment_fen,
                    reason_id=reason.reason_id,
                    reason=reason.name,
                    description=description,
                    seller_refuse_reason=None,
                    timeout_ms=now + answer,
                )
                if goods_status is not None:
                    refund["goods_status"] = goods_status
                if vouchers is not None:
                    refund["vouchers"] = list(vouchers)
                # a timer checks the refund's timeout when due: the earlier one is now void
                self._timer(s, now + answer, "refund_answer", refund_id, status=R_WAIT_AGREE)
                return prev

            return self.refund_dto(self._refund_move(s, platform, refund_id, now, change))
