"""Paying 1688 orders from the wallet: 6.8 pay URL (password-free) and 6.9 bulk pay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import Field
from starlette.responses import Response

from daigou.core.errors import validation_error
from daigou.core.wire import DecimalId
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx
from daigou.orders1688 import payments
from daigou.orders1688 import schemas as S
from daigou.orders1688 import wire as W
from daigou.purchasing.pay_answers import checked_ids

router = signed_router(tags=["1688 orders"])
Signed = Annotated[Ctx, Depends(signed_ctx)]


class BulkPayRequest(S.RequestBody):
    orderIds: list[DecimalId] = Field(min_length=1)


class PayUrlQuery(S.RequestBody):
    orderId: str = Field(
        min_length=1, max_length=2000, description="one id, or up to 100 comma-separated"
    )


class PayUrlBody(S.RequestBody):
    orderIds: list[DecimalId] = Field(min_length=1)


def _split(raw: str) -> list[str]:
    ids = [part.strip() for part in raw.split(",")]
    for i, oid in enumerate(ids):
        if not oid.isdigit() or len(oid) > 19 or not oid.isascii():
            raise validation_error(
                f"orderId[{i}]", "an order id is a decimal string of up to 19 digits"
            )
    return ids


@router.post_(
    "/alibaba/order/batch/submit/to/pay",
    data=W.BulkPayOut,
    errors=[40003],
    summary="6.9 Pay up to 100 orders from the wallet (a result per order, in input order)",
)
async def bulk_pay(body: BulkPayRequest, ctx: Signed) -> Response:
    def run(c: Any) -> dict[str, Any]:
        ids = checked_ids(body.orderIds, "orderIds")
        items, batch_id = payments.pay_orders(
            ctx.db, ctx.marketplace, ctx.clock, S.Buyer.of(c), ids, batch=True
        )
        english = payments.wants_english(ctx.request.headers.get("accept-language"))
        return payments.bulk_answer(items, batch_id, english=english)

    return await ctx.run(run)


async def _pay_url(ctx: Ctx, ids_of: Callable[[], list[str]]) -> Response:
    """The ids are read inside the use case: after the signature is checked."""

    def run(c: Any) -> Any:
        items, _ = payments.pay_orders(
            ctx.db, ctx.marketplace, ctx.clock, S.Buyer.of(c), ids_of(), batch=False
        )
        return payments.pay_url_answer(items)

    return await ctx.run(run)


PAY_URL_ERRORS = [40003, 40201, 40302, 40401, 40901, 50201, 50401]


@router.get_(
    "/alibaba/order/pay/url",
    data=W.PayUrlOut,
    errors=PAY_URL_ERRORS,
    summary="6.8 Pay orders password-free from the wallet (no cashier: payUrl is null)",
)
async def pay_url(q: Annotated[PayUrlQuery, Query()], ctx: Signed) -> Response:
    return await _pay_url(ctx, lambda: checked_ids(_split(q.orderId), "orderId"))


@router.post_(
    "/alibaba/order/pay/url",
    data=W.PayUrlOut,
    errors=PAY_URL_ERRORS,
    summary="6.8 Pay orders password-free from the wallet ({orderIds}, ours)",
)
async def pay_url_post(body: PayUrlBody, ctx: Signed) -> Response:
    return await _pay_url(ctx, lambda: checked_ids(body.orderIds, "orderIds"))
