"""Goods endpoints: Taobao goods (ENDPOINTS 1.1-1.6), 1688 goods (5.1-5.8), and the public
picture route the sandbox's offers point at."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.responses import Response

from daigou.core.pagination import PageOut
from daigou.deps import signed_ctx, signed_router
from daigou.goods import schemas as S
from daigou.goods import service
from daigou.http.envelope import ErrorEnvelope
from daigou.http.routing import Ctx, Router, develop_id_of, offload, public_ctx
from daigou.marketplace import port as P

router = signed_router(tags=["goods"])
Signed = Annotated[Ctx, Depends(signed_ctx)]
Public = Annotated[Ctx, Depends(public_ctx)]

# every goods call reaches the marketplace (50201, 50401); most name an object (40401)
MARKET = [50201, 50401]
NAMED = [40401, *MARKET]


# --- Taobao ------------------------------------------------------------------------------------


@router.get_("/open/product/get", data=S.TaobaoItem, errors=NAMED, summary="1.1 One Taobao item")
async def get_item(q: Annotated[S.ItemQuery, Query()], ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.get_item(ctx.marketplace, develop_id_of(c), q))


@router.post_(
    "/open/product/batch/check",
    data=S.BatchCheckOut,
    errors=[40003, *MARKET],
    summary="1.2 Check up to 50 items for purchasability",
)
async def batch_check(body: S.BatchCheck, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.batch_check(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/open/product/source/get",
    data=S.TaobaoSourceItem,
    errors=NAMED,
    summary="1.3 One Taobao item fresh from the marketplace, original text kept",
)
async def source_item(body: S.SourceGet, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.source_item(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/open/product/item/search",
    data=PageOut[S.TaobaoSearchItem],
    errors=MARKET,
    summary="1.4 Taobao keyword search",
)
async def item_search(body: S.ItemSearch, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.item_search(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/open/product/image/search",
    data=PageOut[S.TaobaoSearchItem],
    errors=MARKET,
    summary="1.5 Taobao search by picture",
    picture=True,
)
async def image_search(body: S.ImageSearch, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.image_search(
            ctx.marketplace, ctx.sandbox, ctx.settings, develop_id_of(c), body
        )
    )


@router.post_(
    "/open/product/shop/search",
    data=PageOut[S.TaobaoSearchItem],
    errors=NAMED,
    summary="1.6 Search inside one Taobao shop",
)
async def shop_search(body: S.ShopSearch, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.shop_search(ctx.marketplace, develop_id_of(c), body))


# --- 1688 --------------------------------------------------------------------------------------


@router.post_(
    "/alibaba/product/detail/get", data=S.Offer1688, errors=NAMED, summary="5.1 One 1688 offer"
)
async def offer_detail(body: S.OfferDetailGet, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.offer_detail(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/alibaba/product/keywords/query",
    data=PageOut[S.OfferListItem1688],
    errors=MARKET,
    summary="5.2 1688 keyword search",
)
async def keyword_query(body: S.KeywordQuery, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.keyword_query(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/alibaba/product/image/query",
    data=PageOut[S.OfferListItem1688],
    errors=MARKET,
    summary="5.3 1688 search by picture",
    picture=True,
)
async def image_query(body: S.ImageQuery, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.image_query(
            ctx.marketplace, ctx.sandbox, ctx.settings, develop_id_of(c), body
        )
    )


@router.post_(
    "/alibaba/product/query/selleroffer",
    data=PageOut[S.OfferListItem1688],
    errors=NAMED,
    summary="5.4 Search inside one 1688 store",
)
async def seller_offers(body: S.SellerOfferQuery, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.seller_offers(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/alibaba/product/category/get",
    data=S.CategoryOut,
    errors=NAMED,
    summary="5.5 A category and its children, translated",
)
async def category(body: S.CategoryGet, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.category(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/alibaba/product/recommend/query",
    data=PageOut[S.OfferListItem1688],
    errors=MARKET,
    summary="5.6 Offers recommended for an end user (outMemberId)",
)
async def recommend(body: S.RecommendQuery, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.recommend(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/alibaba/product/productRelatedRecommendQuery",
    data=PageOut[S.OfferListItem1688],
    errors=NAMED,
    summary="5.7 Offers related to one offer (same category)",
)
async def related(body: S.RelatedQuery, ctx: Signed) -> Response:
    return await ctx.run(lambda c: service.related(ctx.marketplace, develop_id_of(c), body))


@router.post_(
    "/alibaba/product/wangwang/decrypt",
    data=S.Wangwang,
    errors=NAMED,
    summary="5.8 A seller's open id to its Wangwang nickname and URL",
)
async def wangwang(body: S.WangwangDecrypt, ctx: Signed) -> Response:
    return await ctx.run(
        lambda c: service.wangwang(ctx.marketplace, P.Platform.ALIBABA, develop_id_of(c), body)
    )


# --- pictures (public) -------------------------------------------------------------------------

pictures = Router("public", tags=["goods"])
CACHE_CONTROL = "public, max-age=31536000, immutable"


def _picture_responses(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": "the picture",
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        404: {"model": ErrorEnvelope, "description": "40401 not found"},
        500: {"model": ErrorEnvelope, "description": "50001 internal error"},
    }


async def _picture(
    request: Request, ctx: Ctx, platform: str, offer_id: str, variant: str, fmt: str
) -> Response:
    data, content_type = await offload(
        request, service.picture, ctx.sandbox, platform, offer_id, variant, fmt
    )
    return Response(
        content=data,
        media_type=content_type,
        headers={"Cache-Control": CACHE_CONTROL, "X-Request-Id": ctx.request_id},
    )


@pictures.api_route(
    "/sandbox/images/{platform}/{offer_id}/{variant}.jpg",
    methods=["GET"],
    response_class=Response,
    responses=_picture_responses("image/jpeg"),
    summary="An offer's picture (JPEG; public, no signature)",
)
async def picture_jpg(
    platform: str, offer_id: str, variant: str, request: Request, ctx: Public
) -> Response:
    return await _picture(request, ctx, platform, offer_id, variant, "jpg")


@pictures.api_route(
    "/sandbox/images/{platform}/{offer_id}/{variant}.png",
    methods=["GET"],
    response_class=Response,
    responses=_picture_responses("image/png"),
    summary="An offer's picture (PNG; public, no signature)",
)
async def picture_png(
    platform: str, offer_id: str, variant: str, request: Request, ctx: Public
) -> Response:
    return await _picture(request, ctx, platform, offer_id, variant, "png")
