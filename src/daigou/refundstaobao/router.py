"""Taobao reverse-order routes (ENDPOINTS 3.1-3.10): thin, each parses and calls one use case
(``forms.render``, ``service``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from starlette.responses import Response

from daigou.aftersales.queries import RefundFilter
from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx
from daigou.purchasing.buyer import Buyer
from daigou.refundstaobao import forms, service
from daigou.refundstaobao import schemas as S
from daigou.refundstaobao import wire as W

router = signed_router(tags=["Taobao after-sales"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
MARKET = [50201, 50401]
MINE = [40302, 40401]
CANCEL_PATH = "/open/order/refund/cancel/{refundId}"


@router.post_(
    "/open/order/refund/render",
    data=W.TaobaoRefundRender,
    errors=[*MINE, 40901, *MARKET],
    summary="3.1 The form to open a reverse order on a sub-order: reasons, fee allowed",
)
async def render(body: S.TaobaoRefundRenderRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: forms.render(
            ctx.db,
            ctx.marketplace,
            Buyer.of(c),
            sub_order_id=body.subOrderId,
            refund_type=body.refundType,
            goods_status=body.goodsStatus,
        )
    )


@router.post_(
    "/open/order/refund/submit",
    data=W.RefundOrderAggregate,
    errors=[*MINE, 40901, *MARKET],
    summary="3.2 Open a reverse order (refund, or return and refund) on a sub-order",
)
async def submit(body: S.TaobaoRefundSubmit, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.submit(
            ctx.db,
            ctx.marketplace,
            ctx.clock,
            Buyer.of(c),
            sub_order_id=body.subOrderId,
            refund_type=body.refundType,
            goods_status=body.goodsStatus,
            reason_id=body.reasonId,
            refund_fee=body.refundFee,
            description=body.refundDesc,
            images=body.refundImages,
        )
    )


@router.post_(
    "/open/order/refund/modify",
    data=W.RefundOrderAggregate,
    errors=[*MINE, 40901, *MARKET],
    summary="3.3 Change a reverse order waiting for the seller or refused",
)
async def modify(body: S.TaobaoRefundModify, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.modify(
            ctx.db,
            ctx.marketplace,
            ctx.clock,
            Buyer.of(c),
            body.refundId,
            goods_status=body.goodsStatus,
            reason_id=body.reasonId,
            refund_fee=body.refundFee,
            description=body.refundDesc,
            images=body.refundImages,
        )
    )


async def _cancel(refund_id: str, ctx: Ctx) -> Response:
    return await ctx.run(
        lambda c: service.cancel(ctx.db, ctx.marketplace, ctx.clock, Buyer.of(c), refund_id)
    )


RefundIdPath = Annotated[S.RefundId, Path()]


@router.get_(
    CANCEL_PATH,
    data=W.TaobaoRefundCancelled,
    errors=[*MINE, 40901, *MARKET],
    summary="3.4 Withdraw a reverse order (10, 20 or -10)",
)
async def cancel(refundId: RefundIdPath, ctx: Signed) -> Response:  # noqa: N803
    return await _cancel(refundId, ctx)


@router.post_(
    CANCEL_PATH,
    data=W.TaobaoRefundCancelled,
    errors=[*MINE, 40901, *MARKET],
    summary="3.4 Withdraw a reverse order (POST, to carry an Idempotency-Key)",
)
async def cancel_post(refundId: RefundIdPath, ctx: Signed) -> Response:  # noqa: N803
    return await _cancel(refundId, ctx)


@router.get_(
    "/open/order/refund/query",
    data=W.TaobaoRefundDetail,
    errors=MINE,
    summary="3.5 One reverse order",
)
async def query(q: Annotated[S.TaobaoRefundIdQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.detail(ctx.db, Buyer.of(c), q.refundId))


@router.post_(
    "/open/order/refund/queryList",
    data=W.RefundOrderAggregatePage,
    summary="3.6 Reverse orders, newest first (pageNo or cursor)",
)
async def query_list(body: S.TaobaoRefundListRequest, ctx: Signed) -> Response:
    req = page_request(body.pageNo, body.pageSize, body.cursor)
    flt = RefundFilter(
        refund_id=body.refundId,
        order_id=body.salesOrderId,
        group_id=body.purchaseOrderId,
        statuses=[str(body.refundStatus)] if body.refundStatus is not None else None,
        created_from=body.refundStartTime,
        created_to=body.refundEndTime,
    )
    return await ctx.run(lambda c: service.page(ctx.db, Buyer.of(c), flt, req))


@router.post_(
    "/open/order/refund/submit/message",
    data=W.TaobaoRefundMessageOut,
    errors=[*MINE, 40901, *MARKET],
    summary="3.7 Leave a message for the seller on a reverse order",
)
async def submit_message(body: S.TaobaoRefundMessageRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.add_message(
            ctx.db,
            ctx.marketplace,
            ctx.clock,
            Buyer.of(c),
            body.refundId,
            content=body.refundMessage,
            images=body.refundImages,
        )
    )


@router.post_(
    "/open/order/refund/message/list",
    data=W.TaobaoRefundNotePage,
    errors=[*MINE, *MARKET],
    summary="3.8 The messages of a reverse order, oldest first",
)
async def message_list(body: S.TaobaoRefundMessageList, ctx: Signed) -> Response:
    req = page_request(body.pageNo, body.pageSize, None)
    return await ctx.run(
        lambda c: service.messages(ctx.db, ctx.marketplace, Buyer.of(c), body.refundId, req)
    )


@router.get_(
    "/open/order/refund/logistics/render",
    data=W.TaobaoReturnLogistics,
    errors=[*MINE, 40901],
    summary="3.9 Where and how to send the goods back (status 20)",
)
async def logistics_render(q: Annotated[S.TaobaoRefundIdQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.return_logistics(ctx.db, Buyer.of(c), q.refundId))


@router.post_(
    "/open/order/refund/logistics/submit",
    data=W.RefundOrderAggregate,
    errors=[*MINE, 40901, *MARKET],
    summary="3.10 Report the goods sent back (20 -> 30)",
)
async def logistics_submit(body: S.TaobaoReturnSubmit, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.return_goods(
            ctx.db,
            ctx.marketplace,
            ctx.clock,
            Buyer.of(c),
            body.refundId,
            company_code=body.logisticsCompanyCode,
            bill_no=body.logisticsNo,
            buyer_phone=body.buyerPhone,
            description=body.returnGoodsDesc,
        )
    )
