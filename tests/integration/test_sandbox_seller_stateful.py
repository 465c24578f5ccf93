"""A hypothesis state machine drives the sandbox seller with random buyer, operator and clock
actions (1688 and Taobao orders, refunds of every kind and their notes, the clock moved by
minutes to days) and checks after every step, by reading every order, refund and pushed message,
that statuses only ever move along the seller's arrows, that the money refunded stays within
bounds, and that a refund's negotiation tells the same story as its status.

Any action may be refused (MarketplaceRefused / MarketplaceNotFound): the machine does not
predict which, it checks that whatever happened is allowed. One database per backend serves
every example; each example starts from empty sandbox order tables."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import orders as O
from daigou.marketplace.sandbox.seller_models import (
    SandboxMessage,
    SandboxOrder,
    SandboxRefund,
    SandboxTimer,
    SandboxWrite,
)
from tests.support.seller import (
    ADDRESS,
    A,
    T,
    new_market,
    seller_and_picks,
)

SETTINGS = settings(
    max_examples=25,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
STEPS_S = [60, 600, 3_600, 7_200, 6 * 3_600, 86_400, 2 * 86_400, 7 * 86_400, 11 * 86_400]
REFUSALS = (P.MarketplaceRefused, P.MarketplaceNotFound)


def _closure(moves: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    """state -> every state reachable in zero or more moves."""
    reach = {s: {s} for s in moves}
    changed = True
    while changed:
        changed = False
        for s in moves:
            more = set().union(*(moves[n] for n in reach[s])) - reach[s]
            if more:
                reach[s] |= more
                changed = True
    return reach


ORDER_MOVES_1688 = {
    s: frozenset(n for n in ns if not (s == O.WAIT_RECEIVE and n == O.SUCCESS))
    for s, ns in O.ORDER_MOVES.items()
}
ORDER_MOVES_TAOBAO = {
    s: frozenset(n for n in ns if n != O.CONFIRMED) for s, ns in O.ORDER_MOVES.items()
}
REACH = {"1688": _closure(ORDER_MOVES_1688), "taobao": _closure(ORDER_MOVES_TAOBAO)}
REFUND_REACH = _closure(O.REFUND_MOVES)
LABEL_MOVES = {  # Taobao order labels: what one move may look like from outside
    "taobao": {
        (O.TAOBAO_ORDER[s], O.TAOBAO_ORDER[n]) for s, ns in ORDER_MOVES_TAOBAO.items() for n in ns
    },
    "1688": {(s, n) for s, ns in ORDER_MOVES_1688.items() for n in ns},
}
LABEL_REACH = {
    "taobao": {
        (O.TAOBAO_ORDER[s], O.TAOBAO_ORDER[n])
        for s, ns in REACH["taobao"].items()
        for n in ns
        if s != O.CONFIRMED
    },
    "1688": {(s, n) for s, ns in REACH["1688"].items() for n in ns},
}
REFUND_LABEL = {"taobao": O.TAOBAO_REFUND, "1688": {s: s for s in O.REFUND_MOVES}}


def _machine(db: Any, app_settings: Any):
    market = new_market(app_settings, db)
    seller = market.seller

    class SellerMachine(RuleBasedStateMachine):
        @initialize()
        def empty_the_seller(self) -> None:
            with db.transaction() as s:
                for model in (SandboxOrder, SandboxRefund, SandboxTimer, SandboxMessage):
                    s.execute(delete(model))
                s.execute(delete(SandboxWrite))
            self.orders: list[tuple[P.Platform, str]] = []
            self.refunds: list[tuple[P.Platform, str]] = []
            self.order_seen: dict[str, str] = {}
            self.refund_seen: dict[str, str] = {}
            self.notes_by_op: dict[str, str] = {}  # op_request_id -> the note it added
            self.n = 0

        def _op(self) -> str:
            self.n += 1
            return f"op-{self.n}"

        def _order(self, i: int, *wanted: str) -> tuple[P.Platform, str]:
            """Mostly an order in one of the ``wanted`` statuses (as last seen), when there is
            one; else (and one time in four) any order, which the seller may refuse."""
            fitting = [o for o in self.orders if self.order_seen.get(o[1]) in wanted]
            pool = fitting if fitting and i % 4 else self.orders
            return pool[i % len(pool)]

        def _refund(self, i: int, *wanted: str) -> tuple[P.Platform, str]:
            fitting = [r for r in self.refunds if self.refund_seen.get(r[1]) in wanted]
            pool = fitting if fitting and i % 4 else self.refunds
            return pool[i % len(pool)]

        def _try(self, call) -> Any:
            try:
                return call()
            except REFUSALS:
                return None

        # --- the buyer ----------------------------------------------------------------------
        @rule(
            taobao=st.booleans(),
            rank=st.integers(0, 2),
            lines=st.integers(1, 4),
            split=st.booleans(),
        )
        def create_order(self, taobao: bool, rank: int, lines: int, split: bool) -> None:
            platform = T if taobao else A
            seller_id, picks = seller_and_picks(app_settings, platform, rank)
            chosen = [p for p in picks if split or p.warehouse == 0][rank : rank + lines]
            draft = P.OrderDraft(
                platform,
                seller_id,
                tuple(p.line() for p in chosen),
                ADDRESS,
                out_order_id=self._op(),
                buyer_ref="dev-1",
            )
            result = market.create_order(draft)
            assert result.orders and not result.failures
            for o in result.orders:
                self.orders.append((platform, o.order_id))

        @rule(taobao=st.booleans(), rank=st.integers(0, 2), lines=st.integers(1, 4))
        def create_and_pay(self, taobao: bool, rank: int, lines: int) -> None:
            """A shortcut to the states after paying (the rules alone rarely get far)."""
            start = len(self.orders)
            self.create_order(taobao, rank, lines, False)
            for platform, oid in self.orders[start:]:
                order = market.order(platform, oid)
                assert market.pay(platform, oid, order.total_fen, self._op()).paid

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 50), right=st.sampled_from([True, True, True, False]))
        def pay(self, i: int, right: bool) -> None:
            platform, oid = self._order(i, O.WAIT_PAY)
            order = market.order(platform, oid)
            amount = order.total_fen if right else order.total_fen + 1
            result = market.pay(platform, oid, amount, self._op())
            if result.paid:
                assert right and order.status == O.order_status_label(platform, O.WAIT_PAY)

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 50), by_seller=st.booleans())
        def close_unpaid(self, i: int, by_seller: bool) -> None:
            """The buyer cancels, or the seller closes (one rule: closing ends an order's
            story, so it is drawn no more often than any other step)."""
            platform, oid = self._order(i, O.WAIT_PAY)
            if by_seller:
                self._try(lambda: seller.seller_close(platform, oid))
            else:
                self._try(lambda: market.cancel_order(platform, oid, "", self._op()))

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 50))
        def confirm(self, i: int) -> None:
            platform, oid = self._order(i, O.WAIT_RECEIVE)
            self._try(lambda: market.confirm_receipt(platform, oid, ()))

        # --- the seller (operator) ----------------------------------------------------------

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 50), by_total=st.booleans(), delta=st.integers(-500, 500))
        def modify_price(self, i: int, by_total: bool, delta: int) -> None:
            platform, oid = self._order(i, O.WAIT_PAY)
            order = market.order(platform, oid)
            if by_total:
                self._try(
                    lambda: seller.modify_price(platform, oid, total_fen=order.total_fen + delta)
                )
            else:
                line = order.lines[0]
                price = max(1, line.unit_price_fen + delta)
                self._try(
                    lambda: seller.modify_price(platform, oid, line_prices={line.entry_id: price})
                )

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 50), mask=st.integers(0, 15))
        def ship(self, i: int, mask: int) -> None:
            platform, oid = self._order(i, O.WAIT_SEND)
            lines = market.order(platform, oid).lines
            chosen = tuple(ln.entry_id for k, ln in enumerate(lines) if mask >> k & 1)
            self._try(lambda: seller.ship(platform, oid, chosen or None))

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 50))
        def deliver(self, i: int) -> None:
            platform, oid = self._order(i, O.WAIT_SEND, O.WAIT_RECEIVE)
            self._try(lambda: seller.deliver(platform, oid))

        # --- refunds ------------------------------------------------------------------------
        @precondition(lambda self: self.orders)
        @rule(
            i=st.integers(0, 50),
            mask=st.one_of(st.just(0), st.integers(1, 15)),  # 0: every line
            returns=st.booleans(),
            share=st.sampled_from([100, 100, 50, 1]),
        )
        def create_refund(self, i: int, mask: int, returns: bool, share: int) -> None:
            platform, oid = self._order(i, O.WAIT_SEND, O.WAIT_RECEIVE, O.CONFIRMED, O.SUCCESS)
            order = market.order(platform, oid)
            chosen = [ln for k, ln in enumerate(order.lines) if mask >> k & 1] or list(order.lines)
            amount = max(1, sum(ln.amount_fen for ln in chosen) * share // 100)
            draft = P.RefundDraft(
                platform=platform,
                order_id=oid,
                entry_ids=tuple(ln.entry_id for ln in chosen),
                dispute_request="returnRefund" if returns else "refund",
                goods_status="refundWaitBuyerReceive",
                apply_payment_fen=amount,
                apply_carriage_fen=0,
                reason_id=1,
                description="stateful",
                op_request_id=self._op(),
            )
            refund = self._try(lambda: market.create_refund(draft))
            if refund is not None:
                self.refunds.append((platform, refund.refund_id))

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 50))
        def refund_everything(self, i: int) -> None:
            """A shortcut: every line refunded in full and agreed at once (the order ends)."""
            self.create_refund(i, 0, False, 100)
            if self.refunds and self.refund_seen.get(self.refunds[-1][1]) is None:
                platform, rid = self.refunds[-1]
                self._try(lambda: seller.seller_refund_act(platform, rid, "agree"))

        @precondition(lambda self: self.refunds)
        @rule(
            i=st.integers(0, 50),
            action=st.sampled_from(["agree", "agree", "refuse", "receiveGoods", "close"]),
            part=st.sampled_from([False, False, True]),
        )
        def seller_act(self, i: int, action: str, part: bool) -> None:
            platform, rid = self._refund(i, O.R_WAIT_AGREE, O.R_WAIT_RECEIVE)
            reason = "no" if action == "refuse" else None
            amount = 1 if part else None
            self._try(lambda: seller.seller_refund_act(platform, rid, action, reason, amount))

        @precondition(lambda self: self.refunds)
        @rule(i=st.integers(0, 50))
        def buyer_cancel_refund(self, i: int) -> None:
            platform, rid = self._refund(i, *O.REFUND_OPEN)
            self._try(lambda: market.cancel_refund(platform, rid, self._op()))

        @precondition(lambda self: self.refunds)
        @rule(i=st.integers(0, 50))
        def return_goods(self, i: int) -> None:
            platform, rid = self._refund(i, O.R_WAIT_SEND)
            self._try(lambda: market.return_goods(platform, rid, "SF", "SF000111"))

        @precondition(lambda self: self.refunds)
        @rule(
            i=st.integers(0, 50),
            amount=st.integers(1, 5_000),
            reason=st.integers(1, 7),
            evidence=st.sampled_from([None, (), ("https://v/1.jpg",)]),
        )
        def modify_refund(
            self, i: int, amount: int, reason: int, evidence: tuple[str, ...] | None
        ) -> None:
            platform, rid = self._refund(i, O.R_WAIT_MODIFY, O.R_WAIT_AGREE)
            before = self.refund_seen.get(rid)
            try:
                market.modify_refund(platform, rid, amount, reason, "again", vouchers=evidence)
            except P.MarketplaceRefused as exc:
                # an answered or ended refund is refused for its status, whatever is asked
                if before not in (O.R_WAIT_MODIFY, O.R_WAIT_AGREE):
                    assert exc.code == "REFUND_STATUS_ERROR", exc

        @precondition(lambda self: self.refunds)
        @rule(i=st.integers(0, 50), again=st.booleans())
        def add_note(self, i: int, again: bool) -> None:
            """The buyer writes on a refund, sometimes sending an earlier note's key again."""
            platform, rid = self._refund(i, *O.REFUND_OPEN)
            replayed = [op for op in self.notes_by_op if op.startswith(f"{rid}:")]
            op = replayed[-1] if again and replayed else f"{rid}:{self._op()}"
            try:
                note = market.add_refund_note(platform, rid, "note", (), op)
            except P.MarketplaceRefused as exc:
                assert exc.code == "REFUND_STATUS_ERROR" and op not in self.notes_by_op
                assert self.refund_seen.get(rid) not in O.REFUND_OPEN
                return
            assert self.notes_by_op.setdefault(op, note.note_id) == note.note_id

        # --- time ---------------------------------------------------------------------------
        @rule(seconds=st.sampled_from(STEPS_S), extra=st.integers(0, 59))
        def advance(self, seconds: int, extra: int) -> None:
            before = market.clock.now_ms()
            result = seller.advance(seconds=seconds + extra)
            assert result["now"] == before + (seconds + extra) * 1000
            times = [f["time"] for f in result["fired"]]
            assert times == sorted(times)
            assert all(before <= t <= result["now"] for t in times)

        # --- invariants ---------------------------------------------------------------------
        @invariant()
        def the_books_are_right(self) -> None:
            self._statuses_move_along_the_arrows()  # first: it records what each status is
            self._messages_tell_the_same_story()

        def _statuses_move_along_the_arrows(self) -> None:
            with db.reading() as conn:
                orders = {
                    r.order_id: (r.platform, r.status, json.loads(r.body))
                    for r in conn.execute(select(SandboxOrder.__table__)).all()
                }
                refunds = {
                    r.refund_id: (r.platform, r.status, json.loads(r.body))
                    for r in conn.execute(select(SandboxRefund.__table__)).all()
                }
            assert set(orders) == {oid for _, oid in self.orders}
            succeeded: dict[str, int] = {}
            open_lines: dict[str, list[str]] = {}
            for rid, (platform, status, body) in refunds.items():
                assert status == body["status"] and status in O.REFUND_MOVES, (rid, status)
                before = self.refund_seen.get(rid, O.R_WAIT_AGREE)
                assert status in REFUND_REACH[before], (rid, before, status)
                self.refund_seen[rid] = status
                assert body["order_id"] in orders and platform == orders[body["order_id"]][0]
                if status == O.R_SUCCESS:
                    assert 0 < body["refund_payment_fen"] <= body["apply_payment_fen"]
                    succeeded[body["order_id"]] = (
                        succeeded.get(body["order_id"], 0) + body["refund_payment_fen"]
                    )
                else:
                    assert body["refund_payment_fen"] == 0
                if status in O.REFUND_OPEN:
                    for e in body["entry_ids"]:
                        open_lines.setdefault(e, []).append(rid)
                dto = O.Seller.refund_dto(body)  # what market.refund answers, without a read
                assert dto.status == REFUND_LABEL[platform][status]
            assert all(len(v) == 1 for v in open_lines.values()), open_lines
            self._negotiations_tell_the_same_story(refunds)
            for oid, (platform, status, order) in orders.items():
                assert status == order["status"] and status in O.ORDER_MOVES, (oid, status)
                before = self.order_seen.get(oid, O.WAIT_PAY)
                assert status in REACH[platform][before], (oid, before, status)
                self.order_seen[oid] = status
                lines = order["lines"]
                assert all(ln["logistics_status"] in (1, 2, 3) for ln in lines)
                assert all(0 <= ln["refunded_fen"] <= ln["amount_fen"] for ln in lines)
                refunded = sum(ln["refunded_fen"] for ln in lines)
                assert refunded == order["refunded_fen"] == succeeded.get(oid, 0)
                # what the buyer gets back: never more than was paid (a shop discount or a
                # lowered total makes that less than the lines), freight at most once
                carriage = order.get("refunded_carriage_fen", 0)
                assert order["refunded_fen"] + carriage <= order["total_fen"]
                assert carriage <= order["shipping_fen"]
                if status == O.TERMINATED:
                    assert all(ln["refund_status"] == O.R_SUCCESS for ln in lines)
                if status in (O.WAIT_RECEIVE, O.CONFIRMED, O.SUCCESS):
                    assert order["paid_ms"] is not None and order["parcels"]
                if status in (O.WAIT_PAY, O.CANCEL):
                    assert all(ln["logistics_status"] == 1 for ln in lines)
                    assert order["refunded_fen"] == 0
                if platform == "taobao":
                    assert status != O.CONFIRMED
                dto = O.Seller.order_dto(order)
                label = O.order_status_label(platform, status)
                assert dto.status == label and all(ln.status == label for ln in dto.lines)
                if platform == "taobao":
                    assert label in {"0", "10", "11", "20", "4"}
                    assert all(
                        ln.refund_status is None or ln.refund_status in O.TAOBAO_REFUND.values()
                        for ln in dto.lines
                    )

        def _negotiations_tell_the_same_story(self, refunds: dict[str, Any]) -> None:
            """Notes are unique and in time order; a refused refund's last seller note is the
            reason, a return awaited or sent names the return address; the buyer's notes are
            exactly those added (a replay added none)."""
            note_ids: list[str] = []
            for rid, (_, status, body) in refunds.items():
                notes = body.get("notes", [])
                note_ids += [n["note_id"] for n in notes]
                times = [n["created_ms"] for n in notes]
                assert times == sorted(times), (rid, times)
                assert {n["owner"] for n in notes} <= {"buyer", "seller", "platform"}
                if status == O.R_WAIT_MODIFY:
                    said = [n["content"] for n in notes if n["owner"] == "seller"]
                    assert said and said[-1] == body["seller_refuse_reason"], rid
                if status in (O.R_WAIT_SEND, O.R_WAIT_RECEIVE):
                    assert body["return_address"] and body["seller_agree_describe"], rid
                buyers = {n["note_id"] for n in notes if n["owner"] == "buyer"}
                added = {v for k, v in self.notes_by_op.items() if k.startswith(f"{rid}:")}
                assert buyers == added, rid
            assert len(note_ids) == len(set(note_ids))

        def _messages_tell_the_same_story(self) -> None:
            msgs = market.seller.messages(None, 1000).messages  # both platforms
            assert len(msgs) < 1000
            times = [m.occurred_ms for m in msgs]
            assert times == sorted(times)  # the clock never runs back
            assert times == [] or times[-1] <= market.clock.now_ms()
            by_order: dict[str, list[P.MarketMessage]] = {}
            by_refund: dict[str, list[P.MarketMessage]] = {}
            for m in msgs:
                assert m.order_id is not None and m.status is not None
                if m.refund_id is None:
                    by_order.setdefault(m.order_id, []).append(m)
                else:
                    by_refund.setdefault(m.refund_id, []).append(m)
            for oid, seq in by_order.items():
                platform = str(seq[0].platform)
                assert seq[0].status == O.order_status_label(platform, O.WAIT_PAY)
                for prev, cur in zip(seq, seq[1:], strict=False):
                    assert cur.occurred_ms >= prev.occurred_ms
                    pair = (prev.status, cur.status)
                    # every move is pushed: consecutive statuses are one legal step apart
                    assert prev.status == cur.status or pair in LABEL_MOVES[platform], (oid, pair)
                for m in seq:
                    if "previousStatus" in m.data:
                        pair = (m.data["previousStatus"], m.status)
                        assert pair in LABEL_MOVES[platform], (oid, pair)
                assert seq[-1].status == O.order_status_label(platform, self.order_seen[oid])
            for rid, seq in by_refund.items():
                platform = str(seq[0].platform)
                labels = REFUND_LABEL[platform]
                allowed = {(labels[s], labels[n]) for s, ns in O.REFUND_MOVES.items() for n in ns}
                assert seq[0].status == labels[O.R_WAIT_AGREE]
                assert "previousRefundStatus" not in seq[0].data
                for prev, cur in zip(seq, seq[1:], strict=False):
                    assert (prev.status, cur.status) in allowed, (rid, prev.status, cur.status)
                    assert cur.data["previousRefundStatus"] == prev.status
                assert seq[-1].status == labels[self.refund_seen[rid]]

    return SellerMachine


@pytest.mark.timeout(1200)  # a failure shrinks against the database, which takes minutes
def test_random_seller_actions_keep_statuses_and_money_right(db, settings):
    run_state_machine_as_test(_machine(db, settings), settings=SETTINGS)
