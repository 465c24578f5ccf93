"""The reconciler settles each operation with the settler registered for its (object type,
operation): a second platform's ``pay`` beside 1688's is settled by its own settler, never by
1688's, and a kind nobody registered is left open rather than settled by a guess."""

from __future__ import annotations

import pytest

from daigou.core import ids
from daigou.developers.models import Developer
from daigou.platforms import register_platforms
from daigou.purchasing import payments
from daigou.reconcile import service as reconcile
from daigou.reconcile.models import MarketOperation

NOW = 1_800_000_000_000


class FakeClock:
    def now_ms(self) -> int:
        return NOW


def _developer(db) -> int:
    with db.transaction() as s:
        dev = Developer(
            develop_id=ids.develop_id(), main_user_id=ids.numeric_id(13), name="r",
            status="enabled", rate_limit_per_minute=600, cashier_pay_allowed=False,
            created_at=1, modified_at=1,
        )  # fmt: skip
        s.add(dev)
        s.flush()
        return dev.id


def _unknown(db, developer_id: int, object_type: str, object_id: str, operation: str) -> str:
    op_id = f"{operation}-{object_type}-{object_id}"
    with db.transaction() as s:
        op = reconcile.begin(
            s, operation_id=op_id, developer_id=developer_id, user_id=None,
            object_type=object_type, object_id=object_id, operation=operation, market_key=op_id,
            now_ms=NOW - 60_000,
        )  # fmt: skip
        reconcile.lost(op, NOW - 60_000)
    return op_id


def test_two_platforms_pays_are_settled_by_their_own_settlers(db):
    developer_id = _developer(db)
    calls: list[tuple[str, str]] = []

    def settler_for(name: str) -> reconcile.Settler:
        def settle(db, market, clock, op: MarketOperation, owner: str) -> reconcile.Settled:
            calls.append((name, op.operation_id))
            with db.transaction() as s:
                still = reconcile.locked(s, op.operation_id, owner)
                assert still is not None
                reconcile.settle(still, "succeeded", clock.now_ms())
            return reconcile.Settled("succeeded", {"by": name})

        return settle

    settlers = reconcile.Settlers()
    settlers.register("order1688", "pay", settler_for("1688"))
    settlers.register("orderTaobao", "pay", settler_for("taobao"))
    a = _unknown(db, developer_id, "order1688", "111", "pay")
    b = _unknown(db, developer_id, "orderTaobao", "111", "pay")  # the same id on another platform
    orphan = _unknown(db, developer_id, "refund", "9", "pay")

    reconciler = reconcile.Reconciler(db, market=None, clock=FakeClock(), settlers=settlers)  # type: ignore[arg-type]
    looked_at = reconciler.run_once()

    assert looked_at == 3
    assert sorted(calls) == sorted([("1688", a), ("taobao", b)])
    with db.transaction() as s:
        states = {op.operation_id: op.state for op in s.query(MarketOperation)}
    assert states[a] == states[b] == "succeeded"
    assert states[orphan] == "unknown"  # nobody settles it by a guess
    with db.transaction() as s:
        left = s.get(MarketOperation, orphan)
        assert left is not None and "no settler" in (left.last_error or "")
        assert left.next_check_at > NOW  # checked again later
    assert reconciler.run_once() == 0


def test_one_kind_has_one_settler(db):
    settlers = reconcile.Settlers()
    settlers.register("order1688", "pay", payments.reconcile_pay)
    settlers.register("order1688", "pay", payments.reconcile_pay)  # the same again: harmless
    with pytest.raises(ValueError, match="already registered"):
        settlers.register("order1688", "pay", lambda *a: reconcile.Settled("failed", None))


def test_the_core_registers_pay_cancel_and_create_for_each_platform():
    from daigou.aftersales import writes as refund_writes
    from daigou.orderstaobao import settlers as taobao

    settlers = register_platforms(reconcile.Settlers())
    # the after-sales core's refund writes too, each settled by querying (aftersales.writes)
    refund_kinds = [
        (object_type, kind)
        for object_type in ("refund1688", "refundtaobao")
        for kind in ("cancel", "create", "modify", "note", "returnGoods")
    ]
    assert settlers.kinds() == [
        ("order1688", "cancel"),
        ("order1688", "create"),
        ("order1688", "pay"),
        ("ordertaobao", "cancel"),
        ("ordertaobao", "create"),
        ("ordertaobao", "pay"),
        *refund_kinds,
    ]
    assert {settlers._by_kind[k] for k in refund_kinds} == {refund_writes.reconcile_write}
    # Taobao's create is the core's, wrapped: a shop never made leaves its purchase order
    kinds = settlers._by_kind
    assert kinds[("ordertaobao", "create")] is taobao.reconcile_create
    assert kinds[("order1688", "pay")] is kinds[("ordertaobao", "pay")] is payments.reconcile_pay
