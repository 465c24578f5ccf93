"""States, moves, labels and message topics of the sandbox seller (see ``orders``)."""

from __future__ import annotations

from typing import Any

from daigou.marketplace import port as P

# --- states ----------------------------------------------------------------------------------
WAIT_PAY = "waitbuyerpay"
WAIT_SEND = "waitsellersend"
WAIT_RECEIVE = "waitbuyerreceive"
CONFIRMED = "confirm_goods"
SUCCESS = "success"
CANCEL = "cancel"
TERMINATED = "terminated"

ORDER_MOVES: dict[str, frozenset[str]] = {
    WAIT_PAY: frozenset({WAIT_SEND, CANCEL}),
    WAIT_SEND: frozenset({WAIT_RECEIVE, TERMINATED}),
    WAIT_RECEIVE: frozenset({CONFIRMED, SUCCESS, TERMINATED}),  # SUCCESS: Taobao only
    CONFIRMED: frozenset({SUCCESS, TERMINATED}),
    SUCCESS: frozenset(),
    CANCEL: frozenset(),
    TERMINATED: frozenset(),
}

R_WAIT_AGREE = "waitselleragree"
R_WAIT_MODIFY = "waitbuyermodify"
R_WAIT_SEND = "waitbuyersend"
R_WAIT_RECEIVE = "waitsellerreceive"
R_SUCCESS = "refundsuccess"
R_CLOSED = "refundclose"

# waitselleragree -> waitselleragree: the buyer changes a request the seller has not answered
# yet (a move of its own: it is pushed, and the seller's time to answer starts again)
REFUND_MOVES: dict[str, frozenset[str]] = {
    R_WAIT_AGREE: frozenset({R_WAIT_AGREE, R_SUCCESS, R_WAIT_SEND, R_WAIT_MODIFY, R_CLOSED}),
    R_WAIT_MODIFY: frozenset({R_WAIT_AGREE, R_CLOSED}),
    R_WAIT_SEND: frozenset({R_WAIT_RECEIVE, R_CLOSED}),
    R_WAIT_RECEIVE: frozenset({R_SUCCESS, R_WAIT_MODIFY}),
    R_SUCCESS: frozenset(),
    R_CLOSED: frozenset(),
}
REFUND_OPEN = frozenset({R_WAIT_AGREE, R_WAIT_MODIFY, R_WAIT_SEND, R_WAIT_RECEIVE})

TAOBAO_ORDER = {
    WAIT_PAY: "0",
    WAIT_SEND: "10",
    WAIT_RECEIVE: "11",
    CONFIRMED: "11",
    SUCCESS: "20",
    CANCEL: "4",
    TERMINATED: "4",
}
TAOBAO_REFUND = {
    R_WAIT_AGREE: "10",
    R_WAIT_SEND: "20",
    R_WAIT_RECEIVE: "30",
    R_SUCCESS: "100",
    R_WAIT_MODIFY: "-10",
    R_CLOSED: "-20",
}

# --- 1688 message topics (CONTRACT section 9) and the Taobao equivalents ----------------------
T_MAKE = "ORDER_BUYER_VIEW_BUYER_MAKE"
T_PAY = "ORDER_BUYER_VIEW_ORDER_PAY"
T_SEND = "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS"
T_CONFIRM = "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS"
T_SUCCESS = "ORDER_BUYER_VIEW_ORDER_SUCCESS"
T_BUYER_CLOSE = "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"
T_SELLER_CLOSE = "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
T_PRICE = "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
T_REFUND_IN = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
T_REFUND_AFTER = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
T_TRACE = "LOGISTICS_BUYER_VIEW_TRACE"
TB_STATUS = "TAOBAO_ORDER_STATUS_CHANGE"
TB_PRICE = "TAOBAO_ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
TB_REFUND = "TAOBAO_ORDER_REFUND"
TB_TRACE = "TAOBAO_LOGISTICS_TRACE"

LOGISTICS_COMPANIES = ("中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运")
LOGISTICS_CODES = ("ZTO", "YTO", "YUNDA", "STO", "SF")
TRACE_STEPS = ("快件已揽收", "快件已到达转运中心", "快件正在派送中")
DELIVERED_REMARK = "快件已签收"

REFUND_REASONS: tuple[P.RefundReason, ...] = (
    P.RefundReason(1, "不想要了 / no longer wanted", False, True),
    P.RefundReason(2, "未按约定时间发货 / not shipped in time", False, False),
    P.RefundReason(3, "商品破损 / damaged", True, False),
    P.RefundReason(4, "质量问题 / quality problem", True, False),
    P.RefundReason(5, "少件/漏发 / missing items", True, False),
    P.RefundReason(6, "与描述不符 / not as described", True, False),
)
RECEIVED_ONLY = {3, 4, 5, 6}
NOT_RECEIVED_ONLY = {2}


def order_status_label(platform: str, status: str) -> str:
    return TAOBAO_ORDER[status] if platform == P.Platform.TAOBAO else status


def refund_status_label(platform: str, status: str) -> str:
    return TAOBAO_REFUND[status] if platform == P.Platform.TAOBAO else status


def refused(code: str, message: str, stock: bool = False) -> P.MarketplaceRefused:
    return P.MarketplaceRefused(code, message, stock_problem=stock)


def move(kind: str, obj: dict[str, Any], new: str) -> str:
    """Move an order or a refund along its arrows; anything else is refused."""
    moves = ORDER_MOVES if kind == "order" else REFUND_MOVES
    old = str(obj["status"])
    if new not in moves[old] or (
        kind == "order" and old == WAIT_RECEIVE and new == SUCCESS and obj["platform"] != "taobao"
    ):
        code = "ORDER_STATUS_ERROR" if kind == "order" else "REFUND_STATUS_ERROR"
        raise refused(code, f"the {kind} is {old}: it cannot become {new}")
    obj["status"] = new
    return old


def make_id(n: int, lead: str, digits: int = 18) -> str:
    """A stable, unguessable-looking id from counter value ``n``: a permutation of the space."""
    return lead + f"{(n * 2_654_435_761) % 10**digits:0{digits}d}"
