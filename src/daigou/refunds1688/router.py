"""1688 after-sales routes (ENDPOINTS 7.1-7.7) and the public route that serves the refund
vouchers uploaded by 7.2."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import Response

from daigou.aftersales import images
from daigou.core.pagination import page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.envelope import ErrorEnvelope
from daigou.http.routing import Ctx, Router, offload, public_ctx
from daigou.purchasing.buyer import Buyer
from daigou.refunds1688 import queries, service
from daigou.refunds1688 import schemas as S
from daigou.refunds1688 import wire as W

router = signed_router(tags=["1688 after-sales"])
public = Router("public", tags=["1688 after-sales"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
Public = Annotated[Ctx, Depends(public_ctx)]
MARKET = [50201, 50401]
MINE = [40302, 40401]
CACHE_CONTROL = "public, max-age=31536000, immutable"  # a URL names one picture for ever


def _as_buyer(ctx: Ctx, use_case: Callable[..., Any], body: Any) -> Awaitable[Response]:
    """Run a buyer's use case: ``use_case(db, marketplace, buyer, body=, now_ms=)``."""
    return ctx.run(
        lambda c: use_case(
            ctx.db, ctx.marketplace, Buyer.of(c), body=body, now_ms=ctx.clock.now_ms()
        )
    )


@router.post_(
    "/alibaba/refund/reason/list",
    data=W.RefundReasonsOut,
    errors=[*MINE, 40901, *MARKET],
    summary="7.1 Refund reasons for some lines of a paid order, and what may be asked",
)
async def refund_reasons(body: S.RefundReasonsRequest, ctx: Signed) -> Response:
    return await _as_buyer(ctx, service.reasons, body)


@router.post_(
    "/alibaba/refund/voucher/upload",
    data=W.RefundVoucherOut,
    summary="7.2 Upload a refund voucher picture (JPEG or PNG, at most 5 MB)",
    picture=True,
)
async def upload_voucher(body: S.RefundVoucherUpload, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.upload_voucher(
            ctx.db,
            ctx.sandbox,
            ctx.settings,
            Buyer.of(c),
            body=body,
            now_ms=ctx.clock.now_ms(),
        )
    )


@router.post_(
    "/alibaba/refund/detail/create",
    data=W.RefundCreated,
    errors=[*MINE, 40901, *MARKET],
    summary="7.3 Apply for a refund, or a return and refund",
)
async def create_refund(body: S.RefundCreateRequest, ctx: Signed) -> Response:
    return await _as_buyer(ctx, service.create, body)


@router.post_(
    "/alibaba/refund/goods/return",
    data=W.RefundMoved,
    errors=[*MINE, 40901, *MARKET],
    summary="7.4 Report the return shipment (carrier code and waybill)",
)
async def return_goods(body: S.RefundReturnRequest, ctx: Signed) -> Response:
    return await _as_buyer(ctx, service.return_goods, body)


@router.post_(
    "/alibaba/refund/detail/get",
    data=W.RefundDetail1688,
    errors=MINE,
    summary="7.5 One refund with its history",
)
async def refund_detail(body: S.RefundGetRequest, ctx: Signed) -> Response:
    return await ctx.run(lambda c: queries.detail(ctx.db, Buyer.of(c), body))


@router.post_(
    "/alibaba/refund/page",
    data=W.RefundPage1688,
    summary="7.6 Refunds, newest first (pageNo or cursor)",
)
async def refund_page(body: S.RefundPageRequest, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: queries.page(
            ctx.db, Buyer.of(c), body, page_request(body.pageNo, body.pageSize, body.cursor)
        ).to_wire()
    )


@router.post_(
    "/alibaba/refund/cancel",
    data=W.RefundMoved,
    errors=[*MINE, 40901, *MARKET],
    summary="7.7 Withdraw a refund",
)
async def cancel_refund(body: S.RefundCancelRequest, ctx: Signed) -> Response:
    return await _as_buyer(ctx, service.cancel, body)


# --- the vouchers (public) -----------------------------------------------------------------------
def _picture_responses(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": "the picture",
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        404: {"model": ErrorEnvelope, "description": "40401 not found"},
        500: {"model": ErrorEnvelope, "description": "50001 internal error"},
    }


async def _voucher(request: Request, ctx: Ctx, image_id: str, extension: str) -> Response:
    data, content_type = await offload(request, images.read, ctx.db, image_id, extension)
    return Response(
        content=data,
        media_type=content_type,
        headers={"Cache-Control": CACHE_CONTROL, "X-Request-Id": ctx.request_id},
    )


@public.api_route(
    images.PATH + "{image_id}.jpg",
    methods=["GET"],
    response_class=Response,
    responses=_picture_responses("image/jpeg"),
    summary="A refund voucher uploaded by 7.2 (JPEG; public, no signature: its URL is the key)",
)
async def voucher_jpg(image_id: str, request: Request, ctx: Public) -> Response:
    return await _voucher(request, ctx, image_id, "jpg")


@public.api_route(
    images.PATH + "{image_id}.png",
    methods=["GET"],
    response_class=Response,
    responses=_picture_responses("image/png"),
    summary="A refund voucher uploaded by 7.2 (PNG; public, no signature: its URL is the key)",
)
async def voucher_png(image_id: str, request: Request, ctx: Public) -> Response:
    return await _voucher(request, ctx, image_id, "png")
