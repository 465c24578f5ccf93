"""What makes one marketplace's orders different, and nothing more: a platform's profile.

The life cycle (create with a business key, hold -> pay -> capture or release, cancel, confirm,
mirroring the marketplace's newer views with one message per step) is written once in this
package. A profile names the platform's statuses and how far along each is (``rank``), the
neutral state each maps to, the statuses the core moves an order to, its message types, the keys
it uses, and how its wire view and its per-step messages are made. Profiles are registered by the
composition root (:func:`register`); the core looks them up by platform or by the object type of
an operation, and never imports a platform's module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from daigou.marketplace import port as P

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from daigou.purchasing.models import PurchaseOrder

# the neutral lifecycle states every platform's statuses map to
UNPAID, PAID, SHIPPED, RECEIVED, COMPLETED = "unpaid", "paid", "shipped", "received", "completed"
CANCELLED, REFUNDED, OTHER = "cancelled", "refunded", "other"


@dataclass
class Step:
    """One message a change of an order records: what happened at ``at`` (ties break by
    ``rank``); ``status`` is the status it moved the order to (None: the status stayed)."""

    at: int
    rank: int
    message_type: str
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# (status before, the stored view, the newer view) -> the steps between them, in order, or
# None when the newer view is not ahead of the stored one (behind it, or off the arrows)
StepsFn = Callable[[str, P.MarketOrder, P.MarketOrder], "list[Step] | None"]
# (the record, its marketplace view) -> the platform's wire view of the order
ViewFn = Callable[["PurchaseOrder", P.MarketOrder], dict[str, Any]]


@dataclass(frozen=True)
class Change:
    """One step of one or more records that the core would report as a message: what the
    platform's :data:`ReportFn` is handed instead, when it reports changes its own way."""

    message_type: str
    rows: list[PurchaseOrder]
    previous: list[str | None]  # each row's status before the step
    current: str | None  # the status the step reached (None: each row's own)
    extra: dict[str, Any]
    now_ms: int


# (the caller's session, the change) -> records the platform's messages about it. A platform
# whose orders are parts of something larger (a Taobao purchase order, one marketplace order
# per shop) reports the larger thing, once per change of it, instead of each part.
ReportFn = Callable[["Session", Change], None]


@dataclass(frozen=True)
class Profile:
    platform: P.Platform
    object_type: str  # of its operations (reconcile), e.g. "order1688"
    key_prefix: str  # of hold keys and message order keys, e.g. "1688"
    key_name: str  # the caller's business key on the wire: outOrderId, sellerOrderNumber
    rank: dict[str, int]  # how far along the arrows of CONTRACT section 7 a status is
    states: dict[str, str]  # status -> neutral state
    unpaid: str  # the status an order may be paid and cancelled in
    paid: str  # the status a payment the gateway made moves the order to
    cancelled: str
    shipped: str  # the status receipt may be confirmed in
    message_on_create: str
    message_on_pay: str
    message_batch_pay: str
    view: ViewFn
    steps: StepsFn
    report: ReportFn | None = None  # None: one message per record and step (1688)

    @property
    def message_platform(self) -> int:
        return self.platform.message_platform

    def state_of(self, status: str) -> str:
        return self.states.get(status, OTHER)

    def order_key(self, order_id: str) -> str:
        """The key messages about one order are ordered by."""
        return f"{self.key_prefix}:{order_id}"

    def hold_key(self, order_id: str, attempt: int) -> str:
        return f"{self.key_prefix}:{order_id}:pay:{attempt}"


_BY_PLATFORM: dict[str, Profile] = {}
_BY_OBJECT_TYPE: dict[str, Profile] = {}


def register(profile: Profile) -> Profile:
    """Make a platform known to the core (the composition root does this at start)."""
    _BY_PLATFORM[profile.platform.value] = profile
    _BY_OBJECT_TYPE[profile.object_type] = profile
    return profile


def of_platform(platform: str | P.Platform) -> Profile:
    key = platform.value if isinstance(platform, P.Platform) else platform
    try:
        return _BY_PLATFORM[key]
    except KeyError:
        raise LookupError(f"no purchasing profile registered for platform {key!r}") from None


def of_object_type(object_type: str) -> Profile:
    try:
        return _BY_OBJECT_TYPE[object_type]
    except KeyError:
        raise LookupError(f"no purchasing profile for object type {object_type!r}") from None
