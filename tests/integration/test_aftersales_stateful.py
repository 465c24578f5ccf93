"""A hypothesis state machine over the after-sales core, on 1688 orders paid through the gateway:
top-ups, orders made and paid, refunds opened (whole or part, refund or return after shipping;
through the core, or directly on the marketplace), the sandbox seller's answers (agree, agree
for part, refuse, receive the goods), the buyer's modify, cancel, return and notes (with lost
answers injected), the sandbox clock moved past the seller's and the buyer's timeouts, feed
runs and reconciler runs.

After every step, from the wallet, the ledger, the records and the marketplace's pushes:
money is conserved (top-ups = available + held + captured - refunded back), an order never gets
back more than it paid and counts exactly what its refunds were credited, a succeeded refund
has one ``refund`` ledger entry of refundPayment + refundCarriage and nothing else is credited,
a record's status only moves along ENDPOINTS S7 and never shows a status the marketplace did
not pass through (in its order), a refund's messages are numbered 1..n, a pending mark always
has its open operation, and the ledger is balanced. At the end of each example everything open
is settled and every record equals the marketplace's view of its refund.

Each example is a new developer on one gateway (and one database) per backend; actions the
marketplace or the core refuse are part of the game (the machine does not predict which)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
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
from sqlalchemy import func, select

from daigou.aftersales import writes
from daigou.aftersales.models import RefundRecord
from daigou.aftersales.profile import SUCCEEDED
from daigou.core.errors import ApiError
from daigou.marketplace import port as P
from daigou.marketplace.sandbox.seller_models import SandboxMessage
from daigou.purchasing.models import PurchaseOrder
from daigou.reconcile.models import OPEN_STATES, MarketOperation
from daigou.wallet import service as wallet
from daigou.wallet.models import Hold, LedgerEntry, Posting
from tests.support import orders1688 as o1688
from tests.support.aftersales import (
    NOT_RECEIVED,
    RECEIVED,
    REFUNDS_1688,
    A,
    draft,
    expire_leases,
    make_world,
    market_order,
    record,
    refund_messages,
)
from tests.support.api import assert_ok
from tests.support.gateway import make_settings
from tests.support.wallet_helpers import books, check_books

SETTINGS = settings(
    max_examples=20,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DAY = 86_400
# the seller's time to answer, the buyer's to send back or modify, the seller's to receive
STEPS_S = [5, 60, 3_700, 3_700, 2 * DAY + 1, 7 * DAY + 1, 10 * DAY + 1]
REFUSED = (P.MarketplaceRefused, P.MarketplaceNotFound)
LOST = {  # a buyer write -> the sandbox's name of it (a fault makes its next answer lost)
    "create": "1688.refund.create",
    "modify": "1688.refund.modify",
    "cancel": "1688.refund.cancel",
    "returnGoods": "1688.refund.return",
    "note": "1688.refund.note.add",
}
LOSE = st.sampled_from([None, None, None, None, "timeout", "timeout_after_commit"])
# ENDPOINTS S7, 1688 refunds (a modify before the seller answers stays waitselleragree)
S7 = {
    "waitselleragree": {
        "waitselleragree",
        "refundsuccess",
        "waitbuyersend",
        "waitbuyermodify",
        "refundclose",
    },
    "waitbuyermodify": {"waitselleragree", "refundclose"},
    "waitbuyersend": {"waitsellerreceive", "refundclose"},
    "waitsellerreceive": {"refundsuccess", "waitbuyermodify"},
    "refundsuccess": set(),
    "refundclose": set(),
}


def _reach() -> dict[str, set[str]]:
    """status -> the statuses reachable from it in one or more moves."""
    reach = {s: set(n) for s, n in S7.items()}
    changed = True
    while changed:
        changed = False
        for s in reach:
            more = set().union(*(S7[n] for n in reach[s])) - reach[s]
            if more:
                reach[s] |= more
                changed = True
    return reach


REACH = _reach()


def collapse(statuses: list[str]) -> list[str]:
    return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


@pytest.fixture
def settings(tmp_path, db_url):
    # the seller ships when told (a rule); it answers refunds on its clock (policy agree)
    return make_settings(tmp_path, db_url, sandbox_ship_after_seconds=0)


def _machine(app: Any, api: Any, db: Any, app_settings: Any) -> type[RuleBasedStateMachine]:
    sellers = [lines for _, lines in o1688.merchants(app_settings, 3, 2)]

    class AfterSalesMachine(RuleBasedStateMachine):
        @initialize(seller=st.integers(0, 2), opened=st.booleans())
        def a_new_developer_with_two_paid_orders(self, seller: int, opened: bool) -> None:
            """Two paid orders, the first shipped (and a return of one of its lines maybe
            opened): the rules alone rarely get that far."""
            self.w = make_world(app, api, db, app_settings, topup=0)
            self.w.topup(300_000)
            self.orders: list[str] = []
            self.seen: dict[str, str] = {}  # refund -> the status last seen on its record
            self.order_and_pay(seller, 2)
            self.order_and_pay((seller + 1) % 3, 1)
            self.seller_ships(0)
            if opened:
                self.buyer_opens_a_refund(0, False, 0, True, 1, None)

        # --- helpers ------------------------------------------------------------------------
        def _refunds(self, *statuses: str) -> list[RefundRecord]:
            with db.transaction() as s:
                rows = list(
                    s.execute(
                        select(RefundRecord)
                        .where(RefundRecord.developer_id == self.w.developer_id)
                        .order_by(RefundRecord.created_at, RefundRecord.refund_id)
                    ).scalars()
                )
                for r in rows:
                    s.expunge(r)
            return [r for r in rows if r.status in statuses] if statuses else rows

        def _refund(self, i: int, *statuses: str) -> RefundRecord | None:
            """Mostly a refund whose record is in one of ``statuses``; one time in four (or
            when there is none) any refund, which the core or the marketplace may refuse."""
            rows = self._refunds(*statuses) if i % 4 != 3 else []
            rows = rows or self._refunds()
            return rows[i % len(rows)] if rows else None

        def _buyer_write(self, kind: str, lose: str | None, call: Any) -> None:
            """A buyer write: made, refused (by the core or the marketplace), or its answer
            lost (50401) and left to the reconciler; ``lose`` arms a fault that loses the answer
            (``timeout_after_commit``: the write is made; ``timeout``: it is not)."""
            if lose is not None:
                self.w.sandbox.inject_fault(self.w.now(), operation=LOST[kind], mode=lose)
            try:
                call()
            except ApiError as exc:
                assert exc.code in (40901, 50401), exc
            except REFUSED:
                pass
            finally:  # an armed fault the write did not reach is not left for another
                self.w.sandbox.clear_faults()

        # --- money and orders ---------------------------------------------------------------
        @rule(amount=st.integers(1, 100_000))
        def top_up(self, amount: int) -> None:
            self.w.topup(amount)

        @precondition(lambda self: len(self.orders) < 4)
        @rule(seller=st.integers(0, 2), lines=st.integers(1, 2))
        def order_and_pay(self, seller: int, lines: int) -> None:
            made = assert_ok(o1688.create(api, self.w.dev, sellers[seller][:lines]))
            order_id = str(made["orderId"])
            paid = assert_ok(o1688.bulk(api, self.w.dev, [order_id]))
            if paid["successOrderIds"] == [order_id]:
                self.orders.append(order_id)

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 10))
        def seller_ships(self, i: int) -> None:
            with contextlib.suppress(REFUSED):
                self.w.sandbox.ship(A, self.orders[i % len(self.orders)])

        # --- refunds opened -----------------------------------------------------------------
        def _draft(self, i: int, whole: bool, line: int, returning: bool, part: int) -> Any:
            order_id = self.orders[i % len(self.orders)]
            order = market_order(self.w, A, order_id)
            lines = order.lines
            returning = returning and order.status != "waitsellersend"  # sent: it can go back
            ids = None if whole else (lines[line % len(lines)].entry_id,)
            d = draft(
                self.w,
                A,
                order_id,
                entry_ids=ids,
                dispute="returnRefund" if returning else "refund",
                goods_status=RECEIVED if returning else NOT_RECEIVED,
                reason_id=4 if returning else 1,
            )
            if part > 1:  # ask for part of it
                d = replace(d, apply_payment_fen=max(1, d.apply_payment_fen // part))
            return d

        @precondition(lambda self: self.orders)
        @rule(
            i=st.integers(0, 10),
            whole=st.booleans(),
            line=st.integers(0, 1),
            returning=st.booleans(),
            part=st.sampled_from([1, 1, 2, 3]),
            lose=LOSE,
        )
        def buyer_opens_a_refund(
            self, i: int, whole: bool, line: int, returning: bool, part: int, lose: str | None
        ) -> None:
            d = self._draft(i, whole, line, returning, part)
            self._buyer_write(
                "create",
                lose,
                lambda: writes.create(
                    db, self.w.market, REFUNDS_1688, self.w.buyer(), d, self.w.now()
                ),
            )

        @precondition(lambda self: self.orders)
        @rule(i=st.integers(0, 10), whole=st.booleans(), line=st.integers(0, 1))
        def a_refund_opened_at_the_marketplace(self, i: int, whole: bool, line: int) -> None:
            """Applied for outside the gateway (the feed records it)."""
            d = self._draft(i, whole, line, False, 1)
            with contextlib.suppress(REFUSED):
                self.w.market.create_refund(d)

        # --- the seller ---------------------------------------------------------------------
        @rule(
            i=st.integers(0, 10),
            action=st.sampled_from(["agree", "agreeReturn", "agreePart", "refuse", "receiveGoods"]),
            pushed=st.booleans(),
            sent_back=st.booleans(),
        )
        def seller_answers(self, i: int, action: str, pushed: bool, sent_back: bool) -> None:
            """The seller answers; ``pushed``: the feed brings the answer at once (and, for a
            return agreed, ``sent_back``: the buyer sends the goods back at once)."""
            wanted = ("waitsellerreceive",) if action == "receiveGoods" else ("waitselleragree",)
            row = self._refund(i, *wanted)
            if action == "agreeReturn":  # a return, if one waits
                action = "agree"
                returns = [
                    r
                    for r in self._refunds("waitselleragree")
                    if r.dispute_request == "returnRefund"
                ]
                row = returns[i % len(returns)] if returns else row
            if row is None:
                return
            kw: dict[str, Any] = {}
            if action == "refuse":
                kw["reason"] = "sandbox seller says no"
            if action == "agreePart":
                action = "agree"
                kw["refund_amount_fen"] = max(1, row.apply_payment_fen // 2)
            with contextlib.suppress(REFUSED):
                self.w.sandbox.refund_act(A, row.refund_id, action, **kw)
            if pushed:
                self.w.feed()
                if sent_back and record(db, A, row.refund_id).status == "waitbuyersend":
                    self._send_back(row.refund_id, i, None)

        # --- the buyer's writes on a refund ---------------------------------------------------
        @rule(i=st.integers(0, 10), less=st.integers(0, 500), lose=LOSE)
        def buyer_modifies(self, i: int, less: int, lose: str | None) -> None:
            row = self._refund(i, "waitselleragree", "waitbuyermodify")
            if row is None:
                return
            self._buyer_write(
                "modify",
                lose,
                lambda: writes.modify(
                    db,
                    self.w.market,
                    REFUNDS_1688,
                    self.w.buyer(),
                    row.refund_id,
                    self.w.now(),
                    apply_payment_fen=max(1, row.apply_payment_fen - less),
                    reason_id=1 + less % 2,
                    description=f"modified by {less}",
                ),
            )

        @rule(i=st.integers(0, 10), lose=LOSE)
        def buyer_cancels(self, i: int, lose: str | None) -> None:
            row = self._refund(i, "waitselleragree", "waitbuyermodify", "waitbuyersend")
            if row is None:
                return
            self._buyer_write(
                "cancel",
                lose,
                lambda: writes.cancel(
                    db, self.w.market, REFUNDS_1688, self.w.buyer(), row.refund_id, self.w.now()
                ),
            )

        @rule(i=st.integers(0, 10), bill=st.integers(1, 99), lose=LOSE)
        def buyer_sends_the_goods_back(self, i: int, bill: int, lose: str | None) -> None:
            row = self._refund(i, "waitbuyersend")
            if row is not None:
                self._send_back(row.refund_id, bill, lose)

        def _send_back(self, refund_id: str, bill: int, lose: str | None) -> None:
            self._buyer_write(
                "returnGoods",
                lose,
                lambda: writes.return_goods(
                    db,
                    self.w.market,
                    REFUNDS_1688,
                    self.w.buyer(),
                    refund_id,
                    self.w.now(),
                    company_no="SF",
                    bill_no=f"SF{bill}",
                ),
            )

        @rule(i=st.integers(0, 10), words=st.sampled_from(["hello", "any news?"]), lose=LOSE)
        def buyer_writes_a_note(self, i: int, words: str, lose: str | None) -> None:
            row = self._refund(i)
            if row is None:
                return
            self._buyer_write(
                "note",
                lose,
                lambda: writes.add_note(
                    db,
                    self.w.market,
                    REFUNDS_1688,
                    self.w.buyer(),
                    row.refund_id,
                    self.w.now(),
                    content=words,
                ),
            )

        # --- time and the worker's jobs -------------------------------------------------------
        @rule(seconds=st.sampled_from(STEPS_S))
        def time_passes(self, seconds: int) -> None:
            self.w.advance(seconds)

        @rule()
        def the_feed_runs(self) -> None:
            self.w.feed()

        @rule()
        def the_reconciler_runs(self) -> None:
            self.w.advance(10)  # past the first wait after a lost answer
            self.w.reconcile()

        # --- invariants -----------------------------------------------------------------------
        @invariant()
        def money_is_conserved_and_each_success_is_credited_once(self) -> None:
            dev = self.w.developer_id
            rows = self._refunds()
            with db.transaction() as s:
                b = books(s, dev)
                check_books(b, dev)  # balanced entries, postings = balances, keys used once
                captured = sum(h.captured for h in b.holds)
                refunded = sum(e.amount for e in b.entries if e.type == "refund")
                assert b.available + b.held + captured - refunded == self.w.topups
                assert sum(h.refunded for h in b.holds) == refunded
                assert wallet.unbalanced_entries(s) == []
                assert (
                    int(s.execute(select(func.coalesce(func.sum(Posting.amount), 0))).scalar_one())
                    == 0
                )
                orders = {
                    o.order_id: o
                    for o in s.execute(
                        select(PurchaseOrder).where(PurchaseOrder.developer_id == dev)
                    ).scalars()
                }
                holds = {
                    h.order_id: h
                    for h in s.execute(
                        select(Hold).where(Hold.developer_id == dev, Hold.status == "captured")
                    ).scalars()
                }
                entries = list(
                    s.execute(
                        select(LedgerEntry).where(
                            LedgerEntry.developer_id == dev, LedgerEntry.type == "refund"
                        )
                    ).scalars()
                )
            by_refund: dict[str, list[LedgerEntry]] = {}
            for e in entries:
                by_refund.setdefault(str(e.refund_id), []).append(e)
            records = {r.refund_id: r for r in rows}
            assert set(by_refund) <= set(records), (
                "a credit for a refund the gateway has no record of"
            )
            credited_per_order: dict[str, int] = {}
            for r in rows:
                got = by_refund.get(r.refund_id, [])
                if r.state == SUCCEEDED:
                    amount = r.refund_payment_fen + r.refund_carriage_fen
                    assert r.credited_at is not None
                    assert r.credited_fen == amount > 0
                    assert [(e.amount, e.order_id) for e in got] == [(amount, r.order_id)]
                else:
                    assert got == [] and r.credited_fen == 0 and r.credited_at is None
                credited_per_order[r.order_id] = (
                    credited_per_order.get(r.order_id, 0) + r.credited_fen
                )
            for order_id, order in orders.items():
                back = credited_per_order.get(order_id, 0)
                assert order.refunded_fen == back <= order.paid_fen
                if order_id in holds:
                    assert holds[order_id].refunded == back <= holds[order_id].captured

        @invariant()
        def statuses_move_only_forward_and_messages_are_numbered(self) -> None:
            rows = self._refunds()
            if not rows:
                return
            ids = [r.refund_id for r in rows]
            with db.reading() as conn:
                pushed: dict[str, list[str]] = {}
                for rid, status in conn.execute(
                    select(SandboxMessage.refund_id, SandboxMessage.status)
                    .where(SandboxMessage.refund_id.in_(ids))
                    .order_by(SandboxMessage.seq)
                ):
                    pushed.setdefault(rid, []).append(status)
                open_ops = {
                    (op.object_id, op.operation)
                    for op in conn.execute(
                        select(MarketOperation.object_id, MarketOperation.operation).where(
                            MarketOperation.developer_id == self.w.developer_id,
                            MarketOperation.state.in_(OPEN_STATES),
                        )
                    )
                }
            for r in rows:
                msgs = refund_messages(db, r.refund_id)
                assert [m["sequence"] for m in msgs] == list(range(1, len(msgs) + 1))
                assert r.sequence == len(msgs)
                told = collapse([m["currentStatus"] for m in msgs])
                assert told[-1] == r.status
                for before, after in zip(told, told[1:], strict=False):
                    assert after in REACH[before], (r.refund_id, told)
                # the gateway never shows a status the marketplace did not pass through
                assert is_subsequence(told, collapse(pushed.get(r.refund_id, []))), (
                    told,
                    pushed.get(r.refund_id),
                )
                last = self.seen.get(r.refund_id)
                assert last is None or r.status == last or r.status in REACH[last]
                self.seen[r.refund_id] = r.status
                if r.pending_operation is not None:
                    assert (r.refund_id, r.pending_operation) in open_ops

        def teardown(self) -> None:
            if not hasattr(self, "w"):
                return
            w = self.w
            w.sandbox.clear_faults()
            for _ in range(10):
                expire_leases(db)
                w.advance(writes.GIVE_UP_MS // 1000 + 1)
                w.reconcile()
                with db.reading() as conn:
                    still = conn.execute(
                        select(func.count())
                        .select_from(MarketOperation)
                        .where(
                            MarketOperation.developer_id == w.developer_id,
                            MarketOperation.state.in_(OPEN_STATES),
                        )
                    ).scalar_one()
                if not still:
                    break
            else:
                pytest.fail("operations stayed open")
            w.feed()
            # every record is the marketplace's view of its refund, with nothing pending
            for r in self._refunds():
                view = w.market.refund(A, r.refund_id)
                assert r.pending_operation is None
                assert (r.status, r.apply_payment_fen, r.refund_payment_fen) == (
                    view.status,
                    view.apply_payment_fen,
                    view.refund_payment_fen,
                ), r.refund_id
            # and every refund of the developer's orders at the marketplace has its record
            known = {r.refund_id for r in self._refunds()}
            for order_id in self.orders:
                for refund in w.market.order_refunds(A, order_id):
                    assert refund.refund_id in known
            self.money_is_conserved_and_each_success_is_credited_once()
            self.statuses_move_only_forward_and_messages_are_numbered()

    return AfterSalesMachine


@pytest.mark.timeout(1200)  # a failure shrinks against the database, which takes minutes
def test_random_refund_stories_keep_statuses_and_money_right(app, api, db, settings):
    run_state_machine_as_test(_machine(app, api, db, settings), settings=SETTINGS)
