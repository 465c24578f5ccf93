"""ENDPOINTS 0.1 and 0.2: the caller's balance and ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.responses import Response

from daigou.core.pagination import PageOut, page_request
from daigou.deps import signed_ctx, signed_router
from daigou.http.routing import Ctx
from daigou.wallet import service
from daigou.wallet.schemas import CURRENCY_PATTERN, Balance, LedgerEntryOut, LedgerQuery

router = signed_router(tags=["wallet"])
Signed = Annotated[Ctx, Depends(signed_ctx)]


@router.get_("/open/account/balance", data=Balance, summary="0.1 The caller's wallet")
async def get_balance(
    ctx: Signed,
    currency: Annotated[str, Query(pattern=CURRENCY_PATTERN, description="ISO 4217")] = "CNY",
) -> Response:
    # a plain parameter, not a query model: this is the endpoint clients poll most
    return await ctx.run(lambda caller: service.get_balance(ctx.db, caller.developer_id, currency))


def ledger_filter(
    q: LedgerQuery, developer_id: int | None, user_id: str | None
) -> service.LedgerFilter:
    return service.LedgerFilter(
        developer_id=developer_id,
        user_id=user_id,
        type=q.type,
        order_id=q.orderId,
        refund_id=q.refundId,
        logistics_order_id=q.logisticsOrderId,
        start_time=q.startTime,
        end_time=q.endTime,
    )


@router.get_(
    "/open/account/ledger",
    data=PageOut[LedgerEntryOut],
    summary="0.2 Wallet movements, newest first",
)
async def get_ledger(q: Annotated[LedgerQuery, Query()], ctx: Signed) -> Response:
    page = page_request(q.pageNo, q.pageSize, q.cursor, arity=1)
    return await ctx.run(
        lambda caller: service.list_ledger(
            ctx.db, ledger_filter(q, caller.developer_id, caller.user_id), page
        ).to_wire()
    )
