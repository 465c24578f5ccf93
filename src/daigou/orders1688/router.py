"""1688 order routes (ENDPOINTS section 6; so far previews 6.1 and 6.3, creates 6.2 and 6.4,
detail 6.5, the page 6.6, cancel 6.7, receipt 6.10 and the trace 6.11), the shop promotion
query (9.1) and an offer's activities (9.2)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx, develop_id_of
from daigou.orders1688 import actions, batch_create, create, marketing, preview, queries
from daigou.orders1688 import schemas as S
from daigou.orders1688 import wire as W
from daigou.orders1688 import wire_batch as WB

router = signed_router(tags=["1688 orders"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
MARKET = [50201, 50401]


def _as_buyer(ctx: Ctx, use_case: Callable[..., Any], body: Any) -> Awaitable[Response]:
    """Run a buyer's use case: ``use_case(db, marketplace, buyer, body=, now_ms=)``."""
    return ctx.run(
        lambda c: use_case(
            ctx.db, ctx.marketplace, S.Buyer.of(c), body=body, now_ms=ctx.clock.now_ms()
        )
    )


@router.post_(
    "/alibaba/order/create/preview",
    data=WB.PreviewOut,
    errors=[40401, 40904, *MARKET],
    summary="6.1 Price and check a single-merchant order",
)
async def create_preview(body: S.PreviewRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: preview.preview_one(ctx.db, ctx.marketplace, S.Buyer.of(c), body)
    )


@router.post_(
    "/alibaba/order/create/previewbatch",
    data=WB.PreviewBatchOut,
    errors=[40003, *MARKET],
    summary="6.3 Preview orders across merchants (one result per merchant)",
)
async def create_preview_batch(body: S.PreviewBatchRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: preview.preview_batch(ctx.db, ctx.marketplace, S.Buyer.of(c), body)
    )


@router.post_(
    "/alibaba/marketing/shop/promotion/query",
    data=WB.PromotionsOut,
    errors=[40401, *MARKET],
    summary="9.1 Shop promotions usable for some lines (values of shopPromotionId)",
)
async def shop_promotions(body: marketing.PromotionQuery, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: marketing.shop_promotions(ctx.db, ctx.marketplace, S.Buyer.of(c), body)
    )


@router.post_(
    "/alibaba/marketing/offer/activity/query",
    data=WB.OfferActivitiesOut,
    errors=[40401, *MARKET],
    summary="9.2 Activities (special prices) of one offer, running now or announced",
)
async def offer_activities(body: marketing.ActivityQuery, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: marketing.offer_activities(ctx.marketplace, develop_id_of(c), body)
    )


@router.post_(
    "/alibaba/order/create",
    data=W.OrderCreated,
    errors=[40401, 40904, *MARKET],
    summary="6.2 Create a single-merchant order (outOrderId: idempotent business key)",
)
async def create_order(body: create.CreateRequest, ctx: Signed) -> Response:
    return await _as_buyer(ctx, create.create, body)


@router.post_(
    "/alibaba/order/detail",
    data=W.Order1688,
    errors=[40302, 40401],
    summary="6.5 One order (Order1688 with gatewayInfo)",
)
async def order_detail(body: queries.DetailRequest, ctx: Signed) -> Response:
    return await ctx.run(lambda c: queries.detail(ctx.db, c.developer_id, c.user_id, body))


@router.post_(
    "/alibaba/order/page",
    data=W.OrderPage1688,
    summary="6.6 Orders, newest first (pageNo or cursor)",
)
async def order_page(body: queries.PageRequestBody, ctx: Signed) -> Response:
    req = page_request(body.pageNo, body.pageSize, body.cursor)
    return await ctx.run(
        lambda c: queries.page(ctx.db, c.developer_id, c.user_id, body, req).to_wire()
    )


@router.post_(
    "/alibaba/order/cancel",
    data=W.CancelOut,
    errors=[40302, 40401, 40901, *MARKET],
    summary="6.7 Cancel an unpaid order",
)
async def cancel_order(body: actions.CancelRequest, ctx: Signed) -> Response:
    return await _as_buyer(ctx, actions.cancel, body)


@router.post_(
    "/alibaba/order/receivegoods",
    data=W.ReceiveOut,
    errors=[40302, 40401, 40901, *MARKET],
    summary="6.10 Confirm receipt of a shipped order",
)
async def receive_goods(body: actions.ReceiveRequest, ctx: Signed) -> Response:
    return await _as_buyer(ctx, actions.receive, body)


@router.get_(
    "/alibaba/order/logistics/trace",
    data=W.TraceOut,
    errors=[40302, 40401, *MARKET],
    summary="6.11 Parcel tracking of an order",
)
async def logistics_trace(q: Annotated[actions.TraceQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: actions.trace(
            ctx.db,
            ctx.marketplace,
            S.Buyer.of(c),
            query=q,
        )
    )


@router.post_(
    "/alibaba/order/batch/create",
    data=WB.BatchCreateOut,
    errors=[40003],
    summary="6.4 Create orders across merchants (one result per merchant)",
)
async def batch_create_order(body: batch_create.BatchCreateRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: batch_create.create_batch(
            ctx.db,
            ctx.marketplace,
            batch_create.acting_buyer(ctx.db, c, body.userId),
            body=body,
            now_ms=ctx.clock.now_ms(),
        )
    )
