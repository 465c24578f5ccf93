"""A hypothesis state machine drives the wallet service on a real database (SQLite and
PostgreSQL) with random top-ups, adjustments, holds, captures, releases and refunds, keys
sometimes reused and amounts sometimes too large, and checks the books after every step
against a plain model.

One database per backend serves every example; each example gets a fresh developer."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from daigou.core.errors import ApiError, Conflict, InsufficientBalance, NotFound
from daigou.wallet import bulk
from daigou.wallet import service as wallet
from tests.support.wallet_helpers import (
    NOW_MS,
    books,
    check_books,
    global_checks,
    new_developer,
)

HOLD_KEYS = [f"1688:{i}:pay:1" for i in range(10)]
BULK_KEYS = [f"1688:{i}:pay:2" for i in range(12)]  # held by hold_many only: always new
REFUND_KEYS = [f"TQ{i}" for i in range(8)]
REFERENCES = [f"ref-{i}" for i in range(6)]
SETTINGS = settings(
    max_examples=40,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class ModelHold:
    amount: int
    status: str = "held"
    captured: int = 0
    refunded: int = 0


@dataclass
class Model:
    available: int = 0
    held: int = 0
    topups: int = 0
    adjustments: int = 0
    captured: int = 0
    refunded: int = 0
    entries: int = 0
    holds: dict[str, ModelHold] = field(default_factory=dict)
    references: dict[str, tuple[str, int]] = field(default_factory=dict)
    refund_keys: dict[str, tuple[str, int]] = field(default_factory=dict)


def _machine(db, app_settings):
    class WalletMachine(RuleBasedStateMachine):
        @initialize()
        def open_wallet(self) -> None:
            self.dev = new_developer(db, app_settings)
            self.model = Model()
            self.clock = NOW_MS

        def _now(self) -> int:
            self.clock += 1
            return self.clock

        def _expect_refusal(self, error: type[Exception], code: int | None, call) -> None:
            """Run `call` in a transaction that must fail with `error` (and roll back)."""
            with pytest.raises(error) as raised, db.transaction() as s:
                call(s)
            if code is not None:
                assert isinstance(raised.value, ApiError) and raised.value.code == code

        # --- by reference: top-up and adjustment ------------------------------------------
        def _by_reference(self, kind: str, amount: int, reference: str) -> None:
            m = self.model

            def call(s):
                if kind == "topup":
                    return wallet.topup(
                        s,
                        developer_id=self.dev,
                        amount=amount,
                        reference=reference,
                        now_ms=self._now(),
                    )
                return wallet.adjust(
                    s,
                    developer_id=self.dev,
                    amount=amount,
                    reference=reference,
                    remark="stateful",
                    now_ms=self._now(),
                )

            used = m.references.get(reference)
            if used is not None and used != (kind, amount):
                self._expect_refusal(Conflict, 40901, call)
                return
            if used is None and m.available + amount < 0:
                self._expect_refusal(InsufficientBalance, 40201, call)
                return
            with db.transaction() as s:
                moved = call(s)
            assert moved.applied == (used is None)
            if used is None:
                m.references[reference] = (kind, amount)
                m.available += amount
                m.entries += 1
                if kind == "topup":
                    m.topups += amount
                else:
                    m.adjustments += amount
            assert moved.balance.availableAmount == m.available

        @rule(
            amount=st.integers(1, 20_000),
            reference=st.sampled_from(REFERENCES) | st.uuids().map(str),
        )
        def topup(self, amount: int, reference: str) -> None:
            self._by_reference("topup", amount, reference)

        @rule(
            amount=st.integers(-12_000, 3_000).filter(bool),
            reference=st.sampled_from(REFERENCES) | st.uuids().map(str),
        )
        def adjust(self, amount: int, reference: str) -> None:
            self._by_reference("adjustment", amount, reference)

        @rule(data=st.data())
        def repeat_a_reference(self, data: st.DataObject) -> None:
            if not self.model.references:
                return
            reference = data.draw(st.sampled_from(sorted(self.model.references)))
            kind, amount = self.model.references[reference]
            self._by_reference(kind, amount, reference)

        # --- holds ------------------------------------------------------------------------
        def _pick_key(self, data: st.DataObject, prefer: list[str]) -> str:
            """Mostly one of `prefer` (keys in the right state), sometimes any key at all."""
            if prefer and data.draw(st.integers(0, 9), label="prefer") < 8:
                return data.draw(st.sampled_from(sorted(prefer)), label="key")
            return data.draw(st.sampled_from(HOLD_KEYS), label="any key")

        @rule(key=st.sampled_from(HOLD_KEYS), amount=st.integers(1, 4_000), data=st.data())
        def hold(self, key: str, amount: int, data: st.DataObject) -> None:
            m = self.model
            existing = m.holds.get(key)
            if existing is not None and data.draw(st.booleans(), label="same amount"):
                amount = existing.amount

            def call(s):
                # as in the gateway, a hold pays for one order (here: one per hold key)
                return wallet.hold(
                    s,
                    developer_id=self.dev,
                    key=key,
                    amount=amount,
                    now_ms=self._now(),
                    refs=wallet.Refs(platform=1, order_id=key.split(":")[1]),
                )

            if existing is not None and existing.amount != amount:
                self._expect_refusal(Conflict, 40901, call)
                return
            if existing is None and amount > m.available:
                self._expect_refusal(InsufficientBalance, 40201, call)
                return
            with db.transaction() as s:
                moved = call(s)
            assert moved.applied == (existing is None)
            if existing is None:
                m.holds[key] = ModelHold(amount)
                m.available -= amount
                m.held += amount
                m.entries += 1

        @rule(part=st.none() | st.floats(0, 1.1), data=st.data())
        def capture(self, part: float | None, data: st.DataObject) -> None:
            m = self.model
            key = self._pick_key(data, [k for k, h in m.holds.items() if h.status == "held"])
            h = m.holds.get(key)
            if h is None:
                self._expect_refusal(
                    NotFound,
                    40401,
                    lambda s: wallet.capture(s, developer_id=self.dev, key=key, now_ms=self._now()),
                )
                return
            amount = None if part is None else int(h.amount * part)
            if amount is not None and data.draw(st.booleans(), label="exactly all"):
                amount = h.amount
            if amount is not None and not 0 < amount <= h.amount:
                self._expect_refusal(
                    ApiError,
                    40001,
                    lambda s: wallet.capture(
                        s, developer_id=self.dev, key=key, now_ms=self._now(), amount=amount
                    ),
                )
                return
            with db.transaction() as s:
                out = wallet.capture(
                    s, developer_id=self.dev, key=key, now_ms=self._now(), amount=amount
                )
            if h.status != "held":
                assert out == []
                return
            take = h.amount if amount is None else amount
            expected = ["capture"] + (["release"] if take < h.amount else [])
            assert [mv.entry.type for mv in out] == expected
            h.status, h.captured = "captured", take
            m.held -= h.amount
            m.available += h.amount - take
            m.captured += take
            m.entries += len(expected)

        @rule(data=st.data())
        def release(self, data: st.DataObject) -> None:
            m = self.model
            key = self._pick_key(data, [k for k, h in m.holds.items() if h.status == "held"])
            h = m.holds.get(key)
            if h is None:
                self._expect_refusal(
                    NotFound,
                    40401,
                    lambda s: wallet.release(s, developer_id=self.dev, key=key, now_ms=self._now()),
                )
                return
            with db.transaction() as s:
                moved = wallet.release(s, developer_id=self.dev, key=key, now_ms=self._now())
            if h.status != "held":
                assert moved is None
                return
            assert moved is not None and moved.applied
            h.status = "released"
            m.held -= h.amount
            m.available += h.amount
            m.entries += 1

        # --- several at once (a bulk pay) ------------------------------------------------
        @rule(amounts=st.lists(st.integers(1, 3_000), min_size=1, max_size=5))
        def hold_many(self, amounts: list[int]) -> None:
            m = self.model
            free = [k for k in BULK_KEYS if k not in m.holds][: len(amounts)]
            requests = [
                bulk.HoldRequest(k, a, wallet.Refs(platform=1, order_id=k.split(":")[1]))
                for k, a in zip(free, amounts, strict=False)
            ]
            if not requests:
                return
            with db.transaction() as s:
                took = bulk.hold_many(
                    s, developer_id=self.dev, requests=requests, now_ms=self._now()
                )
            for r, ok in zip(requests, took, strict=True):
                assert ok == (r.amount <= m.available), (r, m.available)
                if ok:
                    m.holds[r.key] = ModelHold(r.amount)
                    m.available -= r.amount
                    m.held += r.amount
                    m.entries += 1

        @rule(data=st.data())
        def settle_holds(self, data: st.DataObject) -> None:
            m = self.model
            keys = sorted(m.holds)
            if not keys:
                return
            chosen = data.draw(st.lists(st.sampled_from(keys), unique=True, max_size=6))
            split = data.draw(st.integers(0, len(chosen)), label="captured first")
            capture, release = chosen[:split], chosen[split:]
            with db.transaction() as s:
                moved = bulk.settle_holds(
                    s, developer_id=self.dev, capture=capture, release=release, now_ms=self._now()
                )
            assert moved == {k for k in chosen if m.holds[k].status == "held"}
            for k in moved:
                h = m.holds[k]
                m.held -= h.amount
                m.entries += 1
                if k in capture:
                    h.status, h.captured = "captured", h.amount
                    m.captured += h.amount
                else:
                    h.status = "released"
                    m.available += h.amount

        # --- refunds ----------------------------------------------------------------------
        @rule(
            refund_key=st.sampled_from(REFUND_KEYS) | st.uuids().map(str),
            share=st.floats(0.01, 1.3),
            data=st.data(),
        )
        def refund(self, refund_key: str, share: float, data: st.DataObject) -> None:
            m = self.model
            hold_key = self._pick_key(
                data, [k for k, h in m.holds.items() if h.refunded < h.captured]
            )
            h = m.holds.get(hold_key)
            left = h.captured - h.refunded if h and h.captured else 1_000
            amount = max(1, int(left * share))

            def call(s):
                return wallet.refund(
                    s,
                    developer_id=self.dev,
                    hold_key=hold_key,
                    refund_key=refund_key,
                    amount=amount,
                    now_ms=self._now(),
                )

            if h is None:
                self._expect_refusal(NotFound, 40401, call)
                return
            if refund_key in m.refund_keys:
                first_hold, first_amount = m.refund_keys[refund_key]
                if (first_hold, first_amount) == (hold_key, amount):
                    with db.transaction() as s:
                        assert not call(s).applied  # a true repeat moves nothing
                else:
                    self._expect_refusal(Conflict, 40901, call)  # the key names another refund
                return
            if h.refunded + amount > h.captured:
                self._expect_refusal(Conflict, 40901, call)
                return
            with db.transaction() as s:
                moved = call(s)
            assert moved.applied
            m.refund_keys[refund_key] = (hold_key, amount)
            h.refunded += amount
            m.available += amount
            m.refunded += amount
            m.entries += 1

        # --- invariants -------------------------------------------------------------------
        @invariant()
        def books_agree_with_the_model(self) -> None:
            m = self.model
            with db.transaction() as s:
                b = books(s, self.dev)
            check_books(b, self.dev)  # >= 0, postings balanced and summing to balances, keys once
            assert (b.available, b.held) == (m.available, m.held)
            assert len(b.entries) == m.entries
            assert sum(p.amount for p in b.postings) == 0
            # money is neither made nor lost
            assert b.available + b.held + m.captured - m.refunded == m.topups + m.adjustments
            assert sum(h.captured for h in b.holds) == m.captured
            assert sum(h.refunded for h in b.holds) == m.refunded
            assert {h.hold_key: (h.status, h.amount, h.captured, h.refunded) for h in b.holds} == {
                k: (h.status, h.amount, h.captured, h.refunded) for k, h in m.holds.items()
            }

        def teardown(self) -> None:
            if hasattr(self, "dev"):
                with db.transaction() as s:
                    global_checks(s)

    return WalletMachine


@pytest.mark.timeout(1200)  # a failure shrinks against the database, which takes minutes
def test_random_wallet_operations_keep_the_books_right(db, settings):
    run_state_machine_as_test(_machine(db, settings), settings=SETTINGS)
