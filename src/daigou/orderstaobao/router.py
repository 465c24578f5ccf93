"""Taobao order routes (ENDPOINTS 2.1-2.11, 2.5b), the chat link's landing page, and the
operator's voucher routes (12.7, 12.8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx, Router, admin_ctx, public_ctx
from daigou.orders1688.wire import BulkPayOut
from daigou.orderstaobao import actions, create, payments, queries, vouchers
from daigou.orderstaobao import schemas as S
from daigou.orderstaobao import wire as W
from daigou.purchasing import pay_answers
from daigou.purchasing.buyer import Buyer

router = signed_router(tags=["Taobao orders"])
public = Router("public", tags=["Taobao orders"])
admin = Router("admin", tags=["admin"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
Public = Annotated[Ctx, Depends(public_ctx)]
Admin = Annotated[Ctx, Depends(admin_ctx)]
MARKET = [50201, 50401]
MINE = [40302, 40401]


@router.post_(
    "/open/order/render",
    data=W.RenderOut,
    errors=MARKET,
    summary="2.1 Price and check a purchase order (lines from one or several shops)",
)
async def render(body: S.RenderRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: create.render(
            ctx.db,
            ctx.marketplace,
            Buyer.of(c),
            lines=body.orderLineList,
            receiver=body.receiver,
        )
    )


@router.post_(
    "/open/order",
    data=W.TaobaoOrderCreated,
    errors=[40904, *MARKET],
    summary="2.2 Create a purchase order (sellerOrderNumber: idempotent business key)",
)
async def create_order(body: S.CreateRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: create.create(
            ctx.db,
            ctx.marketplace,
            ctx.clock,
            Buyer.of(c),
            lines=body.orderLineList,
            receiver=body.receiver,
            purchase_amount=body.purchaseAmount,
            seller_order_number=body.sellerOrderNumber,
            order_source=body.orderSource,
            remark=body.remark,
        )
    )


@router.get_(
    "/open/order/page",
    data=W.TaobaoOrderPage,
    summary="2.3 Purchase orders, newest first (pageNo or cursor)",
)
async def order_page(q: Annotated[S.PageQuery, Query()], ctx: Signed) -> Response:
    req = page_request(q.pageNo, q.pageSize, q.cursor)
    flt = queries.OrderFilter(
        statuses=q.status_list(),
        seller_order_number=q.sellerOrderNumber,
        sales_order_id=q.salesOrderId,
        order_source=q.orderSource,
        created_from=q.createStartTime,
        created_to=q.createEndTime,
        modified_from=q.modifyStartTime,
        modified_to=q.modifyEndTime,
    )
    return await ctx.run(lambda c: queries.page(ctx.db, Buyer.of(c), flt, req))


@router.get_(
    "/open/order/detail",
    data=W.TaobaoOrderOut,
    errors=MINE,
    summary="2.4 One purchase order, by orderId or sellerOrderNumber",
)
async def order_detail(q: Annotated[S.DetailQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: queries.detail(
            ctx.db, Buyer.of(c), order_id=q.orderId, seller_order_number=q.sellerOrderNumber
        )
    )


@router.post_(
    "/open/order/pay",
    data=W.PayOut,
    errors=[40201, *MINE, 40901, *MARKET],
    summary="2.5 Pay a purchase order from the wallet",
)
async def pay(body: S.OrderIdBody, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: payments.pay_one(ctx.db, ctx.marketplace, ctx.clock, Buyer.of(c), body.orderId)
    )


@router.post_(
    "/open/order/batch/pay",
    data=BulkPayOut,
    errors=[40003],
    summary="2.5b Pay up to 100 purchase orders from the wallet (a result per order)",
)
async def bulk_pay(body: S.BulkPayRequest, ctx: Signed) -> Response:
    english = pay_answers.wants_english(ctx.request.headers.get("accept-language"))
    return await ctx.run(
        lambda c: payments.bulk_pay(
            ctx.db, ctx.marketplace, ctx.clock, Buyer.of(c), body.orderIds, english=english
        )
    )


@router.post_(
    "/open/order/payment/voucher/upload",
    data=W.TaobaoOrderOut,
    errors=[*MINE, 40901],
    summary="2.6 Pay by bank transfer: upload the transfer voucher for review",
)
async def voucher_upload(body: S.VoucherUpload, ctx: Signed) -> Response:
    def run(c: Any) -> Any:
        images = vouchers.images_of(body.transferAccountImgs)
        return vouchers.upload(
            ctx.db,
            Buyer.of(c),
            body.orderId,
            images=images,
            amount=body.amount,
            remark=body.transferAccountRemark,
            now_ms=ctx.clock.now_ms(),
        )

    return await ctx.run(run)


@router.post_(
    "/open/order/cancel",
    data=W.TaobaoOrderOut,
    errors=[*MINE, 40901, *MARKET],
    summary="2.7 Cancel an unpaid purchase order",
)
async def cancel(body: S.CancelRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: actions.cancel(
            ctx.db, ctx.marketplace, ctx.clock, Buyer.of(c), body.orderId, body.cancelReason
        )
    )


@router.post_(
    "/open/order/updateWarehouse",
    data=W.TaobaoOrderOut,
    errors=[*MINE, 40901],
    summary="2.8 Change the consignee before shipment",
)
async def update_warehouse(body: S.UpdateWarehouse, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: actions.update_warehouse(
            ctx.db,
            Buyer.of(c),
            body.orderId,
            warehouse_code=body.warehouseCode,
            receiver=body.receiver,
            remark=body.remark,
            now_ms=ctx.clock.now_ms(),
            warehouses_path=ctx.settings.warehouses,
        )
    )


@router.post_(
    "/open/order/page/link/get",
    data=str,
    errors=[*MINE, *MARKET],
    summary="2.9 A chat link to the seller about an item or an order (valid 10 minutes)",
)
async def chat_link(body: S.ChatLinkRequest, ctx: Signed) -> Response:
    source_type, biz_id = body.target()
    return await ctx.run(
        lambda c: actions.chat_link(
            ctx.db,
            ctx.marketplace,
            Buyer.of(c),
            source_type=source_type,
            biz_id=biz_id,
            public_url=ctx.settings.resolved_public_url,
            secret=ctx.settings.resolved_secret_key,
            now_ms=ctx.clock.now_ms(),
        )
    )


@public.get_(
    "/chat",
    data=W.ChatOut,
    errors=[40001, 40401],
    summary="Where a chat link (2.9) leads: what it is about, while it is valid",
)
async def chat(q: Annotated[S.ChatQuery, Query()], ctx: Public) -> Response:
    payload = actions.read_chat_token(ctx.settings.resolved_secret_key, q.token, ctx.clock.now_ms())
    return ctx.ok(
        {
            "sourceType": payload["sourceType"],
            "bizId": payload["bizId"],
            "sellerOpenId": payload.get("seller"),
            "expiresAt": payload["exp"],
        }
    )


@router.get_(
    "/open/order/logistics/detail/get",
    data=W.LogisticsOut,
    errors=[*MINE, *MARKET],
    summary="2.10 Domestic logistics of a purchase order",
)
async def logistics(q: Annotated[S.OrderIdQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: actions.logistics(ctx.db, ctx.marketplace, Buyer.of(c), q.orderId)
    )


@router.post_(
    "/open/order/receivegoods",
    data=W.TaobaoOrderOut,
    errors=[*MINE, 40901, *MARKET],
    summary="2.11 Confirm receipt of a shipped purchase order",
)
async def receive_goods(body: S.OrderIdBody, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: actions.confirm_receipt(
            ctx.db, ctx.marketplace, ctx.clock, Buyer.of(c), body.orderId
        )
    )


# --- the operator -----------------------------------------------------------------------------
@admin.get_(
    "/admin/finance/voucher/list",
    data=W.VoucherPage,
    summary="12.7 Bank-transfer vouchers of Taobao orders",
)
async def voucher_list(q: Annotated[S.VoucherListQuery, Query()], ctx: Admin) -> Response:
    req = page_request(q.pageNo, q.pageSize, q.cursor)
    flt = vouchers.VoucherFilter(
        review_status=None if q.reviewStatus == "all" else q.reviewStatus,
        develop_id=q.developId,
        created_from=q.createStartTime,
        created_to=q.createEndTime,
    )
    return await ctx.run(lambda _: vouchers.list_vouchers(ctx.db, flt, req))


@admin.post_(
    "/admin/finance/voucher/review",
    data=W.VoucherReviewOut,
    errors=[40401, 40901, *MARKET],
    summary="12.8 Approve (credit and pay) or reject a transfer voucher, once",
)
async def voucher_review(body: S.VoucherReview, ctx: Admin) -> Response:
    return await ctx.run(
        lambda _: vouchers.review(
            ctx.db,
            ctx.marketplace,
            ctx.clock,
            voucher_id=body.voucherId,
            decision=body.decision,
            received_amount=body.receivedAmount,
            reason=body.reason,
            reviewer=body.reviewer or ctx.actor,
            actor=ctx.actor,
            request_id=ctx.request_id,
        )
    )
