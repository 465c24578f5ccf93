"""What a pay call answers: PandaPon's two lists with a message for people beside each reason
code (6.9, and Taobao's 2.5b), from the core's per-order :class:`~daigou.purchasing.payments.Item`.
"""

from __future__ import annotations

from typing import Any

from daigou.core.errors import ApiError, validation_error
from daigou.purchasing.payments import (
    ALREADY_PAID,
    BUSY,
    IN_FLIGHT,
    MAX_ORDERS,
    NO_BALANCE,
    NOT_FOUND,
    NOT_PAYABLE,
    NOT_YOURS,
    PAID_ITEM,
    Item,
)

# what a reason code means, for people (PandaPon shows a message in ``errorReason``): Chinese by
# default, English when the caller asks for it (``Accept-Language: en``)
REASON_TEXT: dict[str, tuple[str, str]] = {
    NOT_FOUND: ("订单不存在", "The order does not exist."),
    NOT_YOURS: ("订单属于其他子账号", "The order belongs to another sub-account."),
    NOT_PAYABLE: ("订单当前状态不可支付", "The order's status does not allow payment."),
    ALREADY_PAID: ("订单已支付", "The order is already paid."),
    NO_BALANCE: ("账户额度不足", "The account balance is not enough."),
    IN_FLIGHT: (
        "支付结果未知，请勿重复支付，最终结果将通过回调通知",
        "The payment's outcome is not known yet: do not pay again; its final state follows by "
        "callback.",
    ),
    BUSY: ("订单有其他操作正在进行", "Another operation on the order is in progress."),
    "PRICE_CHANGED": ("订单价格已变更，请刷新后重试", "The order's price changed: read it again."),
}


def reason_text(code: str | None, detail: str, english: bool) -> str:
    """The human message of a reason code (the marketplace's own text for codes it made)."""
    known = REASON_TEXT.get(code or "")
    if known is not None:
        return known[1] if english else known[0]
    if english:
        return f"The marketplace refused the payment: {detail}"
    return f"平台拒绝支付：{detail}"


def wants_english(accept_language: str | None) -> bool:
    """Whether ``Accept-Language`` prefers English over Chinese (the default)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return False
        if tag.startswith("en"):
            return True
    return False


def bulk_answer(items: list[Item], batch_id: str | None, *, english: bool) -> dict[str, Any]:
    """6.9 (and Taobao's 2.5b): every order in exactly one of PandaPon's two lists (an order
    whose outcome is unknown fails with ``PAY_RESULT_UNKNOWN``: do not pay it again, its final
    state follows by callback), and ``results[]`` in input order."""
    return {
        "successOrderIds": [i.order_id for i in items if i.outcome == PAID_ITEM],
        "payFailOrders": [
            {
                "orderId": i.order_id,
                "errorReason": reason_text(i.reason, i.msg, english),
                "errorCode": i.reason,
            }
            for i in items
            if i.outcome != PAID_ITEM
        ],
        "results": [i.wire() for i in items],
        "batchId": batch_id,
    }


def checked_ids(ids: list[str], field: str) -> list[str]:
    """Distinct ids, at most 100 (40003 over the limit, 40001 for a repeat)."""
    if len(ids) > MAX_ORDERS:
        raise ApiError(40003, f"at most {MAX_ORDERS} orders per call")
    seen: set[str] = set()
    for i, oid in enumerate(ids):
        if oid in seen:
            raise validation_error(f"{field}[{i}]", "an order may appear once per call")
        seen.add(oid)
    return ids
