"""Use cases of the sandbox controls: each asks the sandbox (through its operator controls,
``SandboxControls``) to act, then records the operator's action in the audit log."""

from __future__ import annotations

from typing import Any

from daigou.core.clock import wall_ms
from daigou.core.errors import ApiError, validation_error
from daigou.db.session import Database
from daigou.http.guards import audit
from daigou.marketplace import port as P
from daigou.marketplace.controls import SandboxControls
from daigou.sandbox import schemas as S
from daigou.sandbox.views import order_view, refund_view


def controls(sandbox: SandboxControls | None) -> SandboxControls:
    if sandbox is None:
        raise ApiError(40401, "the sandbox controls exist only with DAIGOU_MARKETPLACE=sandbox")
    return sandbox


def platform_of(code: int) -> P.Platform:
    return P.Platform.TAOBAO if code == 0 else P.Platform.ALIBABA


def _audit(
    db: Database, actor: str, action: str, target: str | None, details: Any, rid: str
) -> None:
    with db.transaction() as s:
        audit(
            s,
            actor=actor,
            action=action,
            target=target,
            details=details,
            request_id=rid,
            now_ms=wall_ms(),
        )


def advance(
    sandbox: SandboxControls | None, db: Database, body: S.ClockAdvance, actor: str, rid: str
) -> S.ClockAdvanced:
    box = controls(sandbox)
    try:
        moved = box.advance(seconds=body.seconds, to_ms=body.to)
    except ValueError as exc:
        raise validation_error("to", str(exc)) from exc
    _audit(db, actor, "sandbox.clock.advance", None, body.model_dump(), rid)
    return S.ClockAdvanced(
        now=moved.now_ms,
        fired=[S.Fired(time=f.time_ms, kind=f.kind, objectId=f.object_id) for f in moved.fired],
    )


def ship(
    sandbox: SandboxControls | None, db: Database, body: S.OrderShip, actor: str, rid: str
) -> dict[str, Any]:
    box = controls(sandbox)
    platform = platform_of(body.platform)
    lines = tuple(body.lineIds) if body.lineIds else None
    if body.stage == "delivered":
        order = box.deliver(platform, body.orderId, lines)
    else:
        order = box.ship(
            platform, body.orderId, lines, body.logisticsCompanyName, body.logisticsBillNo
        )
    _audit(db, actor, f"sandbox.order.{body.stage}", body.orderId, body.model_dump(), rid)
    return order_view(order)


def modify_price(
    sandbox: SandboxControls | None, db: Database, body: S.PriceModify, actor: str, rid: str
) -> dict[str, Any]:
    order = controls(sandbox).modify_price(
        platform_of(body.platform),
        body.orderId,
        total_fen=body.totalAmount,
        line_prices={ln.lineId: ln.price for ln in body.lines} if body.lines else None,
        shipping_fen=body.shippingFee,
    )
    _audit(db, actor, "sandbox.order.price", body.orderId, body.model_dump(), rid)
    return order_view(order)


def close(
    sandbox: SandboxControls | None, db: Database, body: S.OrderClose, actor: str, rid: str
) -> dict[str, Any]:
    order = controls(sandbox).close_order(
        platform_of(body.platform), body.orderId, body.closeReason
    )
    _audit(db, actor, "sandbox.order.close", body.orderId, body.model_dump(), rid)
    return order_view(order)


def refund_act(
    sandbox: SandboxControls | None, db: Database, body: S.RefundAct, actor: str, rid: str
) -> dict[str, Any]:
    refund = controls(sandbox).refund_act(
        platform_of(body.platform), body.refundId, body.action, body.reason, body.refundAmount
    )
    _audit(db, actor, f"sandbox.refund.{body.action}", body.refundId, body.model_dump(), rid)
    return refund_view(refund)


def inject_fault(
    sandbox: SandboxControls | None, db: Database, body: S.FaultInject, actor: str, rid: str
) -> S.FaultInjected:
    box = controls(sandbox)
    fault_id = box.inject_fault(
        wall_ms(),
        operation=body.operation,
        mode=body.mode,
        upstream_code=body.upstreamCode,
        upstream_message=body.upstreamMessage,
        latency_ms=body.latencyMs,
        count=body.count,
        probability=body.probability,
        develop_id=body.developId,
    )
    _audit(db, actor, "sandbox.fault.inject", fault_id, body.model_dump(), rid)
    return S.FaultInjected(faultId=fault_id, active=[S.Fault(**f) for f in box.active_faults()])


def clear_faults(
    sandbox: SandboxControls | None, db: Database, body: S.FaultClear, actor: str, rid: str
) -> S.FaultCleared:
    cleared = controls(sandbox).clear_faults(body.faultIds)
    _audit(db, actor, "sandbox.fault.clear", None, body.model_dump(), rid)
    return S.FaultCleared(cleared=cleared)
