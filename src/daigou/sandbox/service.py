"""Use cases of the sandbox controls: each asks the sandbox seller to act, then records the
operator's action in the audit log."""

from __future__ import annotations

from typing import Any

from daigou.core.clock import wall_ms
from daigou.core.errors import ApiError, validation_error
from daigou.db.session import Database
from daigou.http.guards import audit
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import faults
from daigou.marketplace.sandbox.orders import Seller
from daigou.sandbox import schemas as S
from daigou.sandbox.views import order_view, refund_view


def seller_of(market: P.Marketplace) -> Seller:
    seller = getattr(market, "seller", None)
    if not isinstance(seller, Seller):
        raise ApiError(40401, "the sandbox controls exist only with DAIGOU_MARKETPLACE=sandbox")
    return seller


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


def advance(market: P.Marketplace, body: S.ClockAdvance, actor: str, rid: str) -> S.ClockAdvanced:
    seller = seller_of(market)
    try:
        result = seller.advance(seconds=body.seconds, to_ms=body.to)
    except ValueError as exc:
        raise validation_error("to", str(exc)) from exc
    _audit(seller.db, actor, "sandbox.clock.advance", None, body.model_dump(), rid)
    return S.ClockAdvanced(
        now=result["now"],
        fired=[
            S.Fired(time=f["time"], kind=f["kind"], objectId=f["objectId"]) for f in result["fired"]
        ],
    )


def ship(market: P.Marketplace, body: S.OrderShip, actor: str, rid: str) -> dict[str, Any]:
    seller = seller_of(market)
    platform = platform_of(body.platform)
    lines = tuple(body.lineIds) if body.lineIds else None
    if body.stage == "delivered":
        order = seller.deliver(platform, body.orderId, lines)
    else:
        order = seller.ship(
            platform, body.orderId, lines, body.logisticsCompanyName, body.logisticsBillNo
        )
    _audit(seller.db, actor, f"sandbox.order.{body.stage}", body.orderId, body.model_dump(), rid)
    return order_view(order)


def modify_price(
    market: P.Marketplace, body: S.PriceModify, actor: str, rid: str
) -> dict[str, Any]:
    seller = seller_of(market)
    order = seller.modify_price(
        platform_of(body.platform),
        body.orderId,
        total_fen=body.totalAmount,
        line_prices={ln.lineId: ln.price for ln in body.lines} if body.lines else None,
        shipping_fen=body.shippingFee,
    )
    _audit(seller.db, actor, "sandbox.order.price", body.orderId, body.model_dump(), rid)
    return order_view(order)


def close(market: P.Marketplace, body: S.OrderClose, actor: str, rid: str) -> dict[str, Any]:
    seller = seller_of(market)
    order = seller.seller_close(platform_of(body.platform), body.orderId, body.closeReason)
    _audit(seller.db, actor, "sandbox.order.close", body.orderId, body.model_dump(), rid)
    return order_view(order)


def refund_act(market: P.Marketplace, body: S.RefundAct, actor: str, rid: str) -> dict[str, Any]:
    seller = seller_of(market)
    refund = seller.seller_refund_act(
        platform_of(body.platform), body.refundId, body.action, body.reason, body.refundAmount
    )
    _audit(seller.db, actor, f"sandbox.refund.{body.action}", body.refundId, body.model_dump(), rid)
    return refund_view(refund)


def inject_fault(
    market: P.Marketplace, body: S.FaultInject, actor: str, rid: str
) -> S.FaultInjected:
    seller = seller_of(market)
    fault_id = faults.inject(
        seller.db,
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
    _audit(seller.db, actor, "sandbox.fault.inject", fault_id, body.model_dump(), rid)
    return S.FaultInjected(
        faultId=fault_id, active=[S.Fault(**f) for f in faults.active(seller.db)]
    )


def clear_faults(market: P.Marketplace, body: S.FaultClear, actor: str, rid: str) -> S.FaultCleared:
    seller = seller_of(market)
    cleared = faults.clear(seller.db, body.faultIds)
    _audit(seller.db, actor, "sandbox.fault.clear", None, body.model_dump(), rid)
    return S.FaultCleared(cleared=cleared)
