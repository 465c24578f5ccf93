"""Taobao reverse-order writes under marketplace faults (ENDPOINTS 3.2, 3.3, 3.4, 3.7, 3.10;
CONTRACT section 8). A write whose answer is lost after the marketplace took it answers 50401
with ``pendingOperation``; the reverse order shows it and the same write answers 50401 again
until the reconciler settles it **by querying** the marketplace: the write took effect once, it is
never sent a second time. A write refused (50201) or lost before it was taken leaves nothing, and
may be sent again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from daigou.marketplace import port as P
from daigou.marketplace.calls import MarketCall
from tests.support.api import assert_error, assert_ok
from tests.support.orders1688 import settle_everything
from tests.support.reconcile import reconciler_of
from tests.support.taobao import detail, ledger
from tests.support.taobao_faults import inject
from tests.support.taobao_refunds import (
    LIST,
    MESSAGE,
    MESSAGES,
    MODIFY,
    RETURN_SUBMIT,
    answered,
    cancel,
    opened,
    paid_order,
    post,
    query,
    refund_messages,
    ship_all,
    submit,
    subs,
)

T = P.Platform.TAOBAO


def calls(app: Any, db: Any, operation: str) -> list[MarketCall]:
    """The marketplace calls of ``operation`` (a port method) made so far."""
    app.state.gateway.call_log.flush()
    with db.transaction() as s:
        found = list(
            s.execute(select(MarketCall).where(MarketCall.operation == operation)).scalars()
        )
        s.expunge_all()
    return found


@dataclass(frozen=True)
class Write:
    """One kind of write: the sandbox operation a fault targets, the port method the call log
    names, how to set the scene (returns what ``send`` needs), how to send it, and what shows
    that it took effect."""

    fault: str
    method: str
    kind: str
    scene: Callable[[Any, Any, Any, Any], dict[str, Any]]
    send: Callable[[Any, Any, dict[str, Any]], Any]
    took: Callable[[Any, Any, Any, dict[str, Any]], None]


def _open(api: Any, dev: Any, settings: Any, app: Any) -> dict[str, Any]:
    order = paid_order(api, dev, settings, shops=1)
    (sub,) = subs(order)
    refund = opened(api, dev, sub, fee=100)["refundOrder"]
    return {"order": order, "sub": sub, "refundId": refund["refundId"]}


def _fresh(api: Any, dev: Any, settings: Any, app: Any) -> dict[str, Any]:
    order = paid_order(api, dev, settings, shops=1)
    (sub,) = subs(order)
    return {"order": order, "sub": sub}


def _agreed_return(api: Any, dev: Any, settings: Any, app: Any) -> dict[str, Any]:
    order = paid_order(api, dev, settings, shops=1)
    ship_all(api, app, order)
    (sub,) = subs(detail(api, dev, order["orderId"]))
    refund = opened(api, dev, sub, refund_type=2, goods_status=2, reason_id=3)["refundOrder"]
    answered(api, app, refund["refundId"], "agree")
    assert query(api, dev, refund["refundId"])["refundOrder"]["refundStatus"] == 20
    return {"order": order, "sub": sub, "refundId": refund["refundId"]}


def _created(api: Any, dev: Any, db: Any, scene: dict[str, Any]) -> None:
    data = assert_ok(post(api, dev, LIST, {"salesOrderId": scene["sub"]["salesOrderId"]}))
    (refund,) = data["data"]
    ro = refund["refundOrder"]
    assert (ro["refundStatus"], ro["refundFee"], ro["subOrderId"]) == (
        10,
        123,
        scene["sub"]["subOrderId"],
    )
    assert ro["pendingOperation"] is None
    scene["refundId"] = ro["refundId"]
    assert [m["refundStatus"] for m in refund_messages(db, ro["refundId"])] == [10]
    shown = detail(api, dev, scene["order"]["orderId"])["subOrders"][0]
    assert shown["refundId"] == ro["refundId"]


def _modified(api: Any, dev: Any, db: Any, scene: dict[str, Any]) -> None:
    ro = query(api, dev, scene["refundId"])["refundOrder"]
    assert (ro["refundFee"], ro["refundDesc"], ro["pendingOperation"]) == (150, "more", None)


def _cancelled(api: Any, dev: Any, db: Any, scene: dict[str, Any]) -> None:
    ro = query(api, dev, scene["refundId"])["refundOrder"]
    assert (ro["refundStatus"], ro["pendingOperation"]) == (-20, None)
    assert [m["refundStatus"] for m in refund_messages(db, scene["refundId"])] == [10, -20]


def _returned(api: Any, dev: Any, db: Any, scene: dict[str, Any]) -> None:
    refund = query(api, dev, scene["refundId"])
    assert refund["refundOrder"]["refundStatus"] == 30
    assert refund["refundOrder"]["pendingOperation"] is None
    assert refund["logistics"]["logisticsNo"] == "YT20260101"
    assert refund["logistics"]["buyerPhone"] == "13900000000"


def _noted(api: Any, dev: Any, db: Any, scene: dict[str, Any]) -> None:
    notes = assert_ok(post(api, dev, MESSAGES, {"refundId": scene["refundId"]}))["data"]
    assert [n["content"] for n in notes if n["owner"] == "buyer"] == ["hello seller"]
    assert query(api, dev, scene["refundId"])["refundOrder"]["pendingOperation"] is None


WRITES = {
    "submit": Write(
        "taobao.refund.create",
        "create_refund",
        "create",
        _fresh,
        lambda api, dev, sc: submit(api, dev, sc["sub"]["subOrderId"], 123),
        _created,
    ),
    "modify": Write(
        "taobao.refund.modify",
        "modify_refund",
        "modify",
        _open,
        lambda api, dev, sc: post(
            api, dev, MODIFY, {"refundId": sc["refundId"], "refundFee": 150, "refundDesc": "more"}
        ),
        _modified,
    ),
    "cancel": Write(
        "taobao.refund.cancel",
        "cancel_refund",
        "cancel",
        _open,
        lambda api, dev, sc: cancel(api, dev, sc["refundId"], method="POST"),
        _cancelled,
    ),
    "logistics-submit": Write(
        "taobao.refund.return",
        "return_goods",
        "returnGoods",
        _agreed_return,
        lambda api, dev, sc: post(
            api,
            dev,
            RETURN_SUBMIT,
            {
                "refundId": sc["refundId"],
                "logisticsCompanyCode": "YTO",
                "logisticsNo": "YT20260101",
                "buyerPhone": "13900000000",
            },
        ),
        _returned,
    ),
    "message": Write(
        "taobao.refund.note.add",
        "add_refund_note",
        "note",
        _open,
        lambda api, dev, sc: post(
            api, dev, MESSAGE, {"refundId": sc["refundId"], "refundMessage": "hello seller"}
        ),
        _noted,
    ),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_lost_answer_answers_50401_and_the_reconciler_settles_it_by_querying(
    api, dev, settings, db, app, name
):
    write = WRITES[name]
    scene = write.scene(api, dev, settings, app)
    sent_before = len(calls(app, db, write.method))
    inject(api, write.fault, "timeout_after_commit")
    err = assert_error(write.send(api, dev, scene), 50401)
    assert err["data"]["pendingOperation"] == write.kind
    assert err["data"]["orderId"] == scene["sub"]["salesOrderId"]
    if "refundId" in scene:
        assert err["data"]["refundId"] == scene["refundId"]
        shown = query(api, dev, scene["refundId"])["refundOrder"]
        assert shown["pendingOperation"] == write.kind
    assert len(calls(app, db, write.method)) == sent_before + 1

    settle_everything(api, db, reconciler_of(app, db))
    write.took(api, dev, db, scene)
    assert len(calls(app, db, write.method)) == sent_before + 1, "a write was sent twice"
    assert [e for e in ledger(api, dev) if e["type"] == "refund"] == []


@pytest.mark.parametrize("name", [n for n in WRITES if n != "submit"])
def test_the_same_write_again_is_settled_by_querying_never_sent_twice(
    api, dev, settings, db, app, name
):
    """A write on a reverse order whose answer was lost: the caller's retry takes it up and
    reads the marketplace (the write took effect), instead of sending it again."""
    write = WRITES[name]
    scene = write.scene(api, dev, settings, app)
    sent_before = len(calls(app, db, write.method))
    inject(api, write.fault, "timeout_after_commit")
    assert_error(write.send(api, dev, scene), 50401)
    assert_ok(write.send(api, dev, scene))
    write.took(api, dev, db, scene)
    assert len(calls(app, db, write.method)) == sent_before + 1, "a write was sent twice"


def test_a_submit_again_settles_the_lost_one_by_querying(api, dev, settings, db, app):
    """A submit whose answer was lost, asked again once the first call is over: the first is
    settled by reading the marketplace (never sent again) and the answer names the reverse
    order it made; the line is not free."""
    write = WRITES["submit"]
    scene = write.scene(api, dev, settings, app)
    inject(api, write.fault, "timeout_after_commit")
    assert_error(write.send(api, dev, scene), 50401)
    err = assert_error(write.send(api, dev, scene), 40901)
    assert err["data"]["refundId"].startswith("TQ")
    assert len(calls(app, db, write.method)) == 1
    settle_everything(api, db, reconciler_of(app, db))  # nothing left to settle
    write.took(api, dev, db, scene)
    assert_error(write.send(api, dev, scene), 40901)  # one open reverse order per sub-order
    assert len(calls(app, db, write.method)) == 1


@pytest.mark.parametrize("name", ["submit", "modify", "message"])
def test_a_write_refused_or_lost_before_it_was_taken_leaves_nothing_and_may_be_sent_again(
    api, dev, settings, db, app, name
):
    write = WRITES[name]
    scene = write.scene(api, dev, settings, app)
    before = query(api, dev, scene["refundId"]) if "refundId" in scene else None
    inject(api, write.fault, "error")
    err = assert_error(write.send(api, dev, scene), 50201)
    assert err["data"]["upstreamCode"]
    if before is not None:
        assert query(api, dev, scene["refundId"]) == before
    else:
        assert assert_ok(post(api, dev, LIST, {}))["data"] == []

    inject(api, write.fault, "timeout")  # lost before the marketplace took it
    assert_error(write.send(api, dev, scene), 50401)
    settle_everything(api, db, reconciler_of(app, db))  # nothing found: the write failed
    if before is not None:
        after = query(api, dev, scene["refundId"])
        assert after["refundOrder"]["pendingOperation"] is None
        assert after["refundOrder"]["refundFee"] == before["refundOrder"]["refundFee"]
    else:
        assert assert_ok(post(api, dev, LIST, {}))["data"] == []

    assert_ok(write.send(api, dev, scene))  # and now it goes through, once
    write.took(api, dev, db, scene)
