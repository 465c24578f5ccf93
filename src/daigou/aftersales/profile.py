"""What makes one marketplace's refunds different: a platform's refund profile.

The life of a refund (applied for, answered by the seller, goods sent back, refunded or closed;
mirrored from the marketplace's views, one message per change, the money credited once) is
written once in this package. A profile names the platform's refund statuses and the neutral
state each maps to, its message types, its operations' object type, and how its wire view is
made. Profiles are registered by the composition root (:func:`register`); this package never
imports a platform's module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from daigou.marketplace import port as P

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from daigou.aftersales.models import RefundRecord

# the neutral states every platform's refund statuses map to (ENDPOINTS S7)
REQUESTED = "requested"  # waiting for the seller (1688 waitselleragree, Taobao 10)
REFUSED = "refused"  # the seller refused: the buyer may modify (waitbuyermodify, -10)
AWAITING_RETURN = "awaiting_return"  # agreed: the buyer sends the goods back (waitbuyersend, 20)
RETURNING = "returning"  # sent back: the seller receives (waitsellerreceive, 30)
SUCCEEDED = "succeeded"  # refunded (refundsuccess, 100): the wallet is credited
CLOSED = "closed"  # withdrawn, or closed by a timeout (refundclose, -20)
OPEN = (REQUESTED, REFUSED, AWAITING_RETURN, RETURNING)
ENDED = (SUCCEEDED, CLOSED)

# (the caller's session, the record, its marketplace view) -> the platform's wire view
ViewFn = Callable[["Session", "RefundRecord", P.MarketRefund], dict[str, Any]]
# (the record, its status before the change or None, its wire view) -> a message body's ids
# and statuses (the refund itself rides beside them)
IdsFn = Callable[["RefundRecord", "str | None", dict[str, Any]], dict[str, Any]]


def ids_1688(row: RefundRecord, previous: str | None, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "refundId": row.refund_id,
        "orderId": row.order_id,
        "currentStatus": row.status,
        "previousStatus": previous,
    }


@dataclass(frozen=True)
class RefundProfile:
    platform: P.Platform
    object_type: str  # of its operations (reconcile), e.g. "refund1688"
    key_prefix: str  # of message keys, e.g. "1688" (a refund's key: 1688:refund:<refundId>)
    states: dict[str, str]  # status -> neutral state
    message_in_sales: str  # a refund applied for before the trade finished
    message_after_sales: str  # after it finished (the same type on platforms with one)
    view: ViewFn
    message_ids: IdsFn = ids_1688
    # the statuses the buyer's writes are allowed in (the marketplace is the judge; these
    # answer 40901 early, without a call)
    modifiable: tuple[str, ...] = (REQUESTED, REFUSED)
    cancellable: tuple[str, ...] = (REQUESTED, REFUSED, AWAITING_RETURN)
    returnable: tuple[str, ...] = (AWAITING_RETURN,)

    @property
    def message_platform(self) -> int:
        return self.platform.message_platform

    def state_of(self, status: str) -> str:
        try:
            return self.states[status]
        except KeyError:
            raise ValueError(f"{self.platform.value}: unknown refund status {status!r}") from None

    def refund_key(self, refund_id: str) -> str:
        """The key messages about one refund are ordered (and numbered) by."""
        return f"{self.key_prefix}:refund:{refund_id}"

    def message_type(self, refund: P.MarketRefund) -> str:
        return self.message_after_sales if refund.after_sale else self.message_in_sales


_BY_PLATFORM: dict[str, RefundProfile] = {}
_BY_OBJECT_TYPE: dict[str, RefundProfile] = {}


def register(profile: RefundProfile) -> RefundProfile:
    """Make a platform's refunds known to the core (the composition root does this at start)."""
    _BY_PLATFORM[profile.platform.value] = profile
    _BY_OBJECT_TYPE[profile.object_type] = profile
    return profile


def of_platform(platform: str | P.Platform) -> RefundProfile:
    key = platform.value if isinstance(platform, P.Platform) else platform
    try:
        return _BY_PLATFORM[key]
    except KeyError:
        raise LookupError(f"no refund profile registered for platform {key!r}") from None


def of_object_type(object_type: str) -> RefundProfile:
    try:
        return _BY_OBJECT_TYPE[object_type]
    except KeyError:
        raise LookupError(f"no refund profile for object type {object_type!r}") from None
