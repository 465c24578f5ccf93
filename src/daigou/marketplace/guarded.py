"""A marketplace adapter wrapped in what every real upstream needs: limits, retries, a log.

``GuardedMarketplace(inner, limiter, recorder)`` implements the whole ``Marketplace`` port by
passing each call to ``inner``, and around each attempt:

- takes a slot of the upstream's :class:`~daigou.marketplace.limits.Limiter` (calls per second,
  calls at once; none within the wait bound: ``MarketplaceNotSent``, nothing sent);
- times it, classifies its outcome (ok, refused, not_found, not_sent, rate_limited, unknown,
  error) and records it in the call log (``marketplace/calls.py``) with the key it carried and
  the developer it was made for (``acting_developer()``);
- **reads** (search, offer, categories, offer_activities, image, preview, order,
  orders_by_out_order_id, logistics, refund, order_refunds, refund_reasons, refund_notes,
  messages) are tried again on ``MarketplaceNotSent`` and ``MarketplaceRateLimited``
  (honouring ``retry_after_s``) on a bounded schedule with jitter (:class:`RetrySchedule`);
  **writes** (create_order, pay, cancel_order, confirm_receipt, create_refund, cancel_refund,
  return_goods, modify_refund, add_refund_note) are sent once, never again: a lost answer is
  reconciled by querying (CONTRACT section 8).

:func:`guard` builds one from the settings; the composition root wraps every adapter with it
and calls :meth:`GuardedMarketplace.close` at shutdown (it writes the buffered call log).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from daigou.config import Settings
from daigou.core.clock import wall_ms
from daigou.db.session import Database
from daigou.marketplace import calls
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_developer
from daigou.marketplace.fanout import configure as configure_fan_out
from daigou.marketplace.limits import Limiter, limiter_for

T = TypeVar("T")
ALL_PLATFORMS = "all"  # the platform recorded for a call that names none (messages)


# --- the retry schedule of reads --------------------------------------------------------------
@dataclass(frozen=True)
class RetrySchedule:
    """When to try a read again: only after ``MarketplaceNotSent`` or
    ``MarketplaceRateLimited`` (nothing happened upstream), at most ``attempts`` tries in all,
    never past ``total_seconds`` since the first try. Waits are "full jitter" exponential
    (uniform in 0..min(cap, base * 2^n)), at least the upstream's ``retry_after_s``."""

    attempts: int = 3
    base_seconds: float = 0.1
    cap_seconds: float = 2.0
    total_seconds: float = 10.0

    @staticmethod
    def retryable(exc: BaseException) -> bool:
        return isinstance(exc, P.MarketplaceNotSent | P.MarketplaceRateLimited)

    def delay(
        self, tries: int, exc: BaseException, elapsed_s: float, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before the next try, after ``tries`` tries that took ``elapsed_s``
        and ended in ``exc``; None: give up (raise ``exc``)."""
        if not self.retryable(exc) or tries >= self.attempts:
            return None
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (tries - 1))
        wait = (rng or random).uniform(0, ceiling)
        if isinstance(exc, P.MarketplaceRateLimited):
            wait = max(wait, exc.retry_after_s)
        if elapsed_s + wait > self.total_seconds:
            return None
        return wait


NO_RETRY = RetrySchedule(attempts=1)


# --- the wrapper ------------------------------------------------------------------------------
class GuardedMarketplace:
    """Limits, retries (reads only) and a call log around one adapter (see the module)."""

    def __init__(
        self,
        inner: P.Marketplace,
        limiter: Limiter,
        recorder: calls.CallRecorder,
        *,
        platform: P.Platform | None = None,
        retry: RetrySchedule = RetrySchedule(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.limiter = limiter
        self.recorder = recorder
        self.platform = platform  # the one platform ``inner`` serves, if only one
        self.retry = retry
        self._sleep = sleep
        self._clock = clock

    def close(self) -> None:
        """Write the buffered call log (at shutdown)."""
        self.recorder.close()

    def _attempt(self, operation: str, platform: str, key: str | None, fn: Callable[[], T]) -> T:
        started_wall = wall_ms()
        started = self._clock()
        result: Any = None
        error: BaseException | None = None
        try:
            with self.limiter.slot():
                started = self._clock()  # the call's own time, not the wait for a slot
                result = fn()
            return result  # type: ignore[no-any-return]
        except BaseException as exc:
            error = exc
            raise
        finally:
            outcome, code = calls.classify(result, error)
            self.recorder.record(
                calls.Attempt(
                    platform=platform,
                    operation=operation,
                    key=key,
                    develop_id=acting_developer(),
                    started_at=started_wall,
                    duration_ms=max(0, round((self._clock() - started) * 1000)),
                    outcome=outcome,
                    error_code=code,
                    snippet=calls.snippet(error if error is not None else result),
                )
            )

    def _call(
        self,
        operation: str,
        platform: P.Platform | None,
        key: str | None,
        fn: Callable[[], T],
        *,
        write: bool = False,
    ) -> T:
        name = str(platform or self.platform or ALL_PLATFORMS)
        if write:
            return self._attempt(operation, name, key, fn)
        first = self._clock()
        tries = 0
        while True:
            tries += 1
            try:
                return self._attempt(operation, name, key, fn)
            except (P.MarketplaceNotSent, P.MarketplaceRateLimited) as exc:
                wait = self.retry.delay(tries, exc, self._clock() - first)
                if wait is None:
                    raise
            self._sleep(wait)

    # --- goods -------------------------------------------------------------------------------
    def search(self, query: P.SearchQuery) -> P.SearchPage:
        key = query.shop_id or query.keyword or ("<image>" if query.image else None)
        return self._call("search", query.platform, key, lambda: self.inner.search(query))

    def offer(self, platform: P.Platform, offer_id: str, language: str) -> P.Offer:
        return self._call(
            "offer", platform, offer_id, lambda: self.inner.offer(platform, offer_id, language)
        )

    def categories(self, platform: P.Platform, parent_id: int, language: str) -> P.Category:
        return self._call(
            "categories",
            platform,
            str(parent_id),
            lambda: self.inner.categories(platform, parent_id, language),
        )

    def offer_activities(
        self, platform: P.Platform, offer_id: str, language: str
    ) -> tuple[P.Activity, ...]:
        return self._call(
            "offer_activities",
            platform,
            offer_id,
            lambda: self.inner.offer_activities(platform, offer_id, language),
        )

    # --- orders ------------------------------------------------------------------------------
    def preview(self, draft: P.OrderDraft) -> P.Preview:
        key = draft.out_order_id or draft.seller_open_id
        return self._call("preview", draft.platform, key, lambda: self.inner.preview(draft))

    def create_order(self, draft: P.OrderDraft) -> P.CreateResult:
        return self._call(
            "create_order",
            draft.platform,
            draft.out_order_id,
            lambda: self.inner.create_order(draft),
            write=True,
        )

    def orders_by_out_order_id(
        self, platform: P.Platform, out_order_id: str
    ) -> tuple[P.MarketOrder, ...]:
        return self._call(
            "orders_by_out_order_id",
            platform,
            out_order_id,
            lambda: self.inner.orders_by_out_order_id(platform, out_order_id),
        )

    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        return self._call("order", platform, order_id, lambda: self.inner.order(platform, order_id))

    def cancel_order(
        self, platform: P.Platform, order_id: str, reason: str, op_request_id: str
    ) -> P.MarketOrder:
        return self._call(
            "cancel_order",
            platform,
            op_request_id,
            lambda: self.inner.cancel_order(platform, order_id, reason, op_request_id),
            write=True,
        )

    def pay(
        self, platform: P.Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> P.PayResult:
        return self._call(
            "pay",
            platform,
            op_request_id,
            lambda: self.inner.pay(platform, order_id, amount_fen, op_request_id),
            write=True,
        )

    def confirm_receipt(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...]
    ) -> P.MarketOrder:
        return self._call(
            "confirm_receipt",
            platform,
            order_id,
            lambda: self.inner.confirm_receipt(platform, order_id, entry_ids),
            write=True,
        )

    def logistics(self, platform: P.Platform, order_id: str) -> tuple[P.Parcel, ...]:
        return self._call(
            "logistics", platform, order_id, lambda: self.inner.logistics(platform, order_id)
        )

    # --- after-sales -------------------------------------------------------------------------
    def refund_reasons(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        return self._call(
            "refund_reasons",
            platform,
            order_id,
            lambda: self.inner.refund_reasons(platform, order_id, entry_ids, goods_status),
        )

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        return self._call(
            "create_refund",
            draft.platform,
            draft.op_request_id or draft.order_id,
            lambda: self.inner.create_refund(draft),
            write=True,
        )

    def refund(self, platform: P.Platform, refund_id: str) -> P.MarketRefund:
        return self._call(
            "refund", platform, refund_id, lambda: self.inner.refund(platform, refund_id)
        )

    def order_refunds(self, platform: P.Platform, order_id: str) -> tuple[P.MarketRefund, ...]:
        return self._call(
            "order_refunds",
            platform,
            order_id,
            lambda: self.inner.order_refunds(platform, order_id),
        )

    def cancel_refund(
        self, platform: P.Platform, refund_id: str, op_request_id: str
    ) -> P.MarketRefund:
        return self._call(
            "cancel_refund",
            platform,
            op_request_id,
            lambda: self.inner.cancel_refund(platform, refund_id, op_request_id),
            write=True,
        )

    def return_goods(
        self,
        platform: P.Platform,
        refund_id: str,
        company_no: str,
        bill_no: str,
        *,
        description: str = "",
        vouchers: tuple[str, ...] = (),
    ) -> P.MarketRefund:
        return self._call(
            "return_goods",
            platform,
            refund_id,
            lambda: self.inner.return_goods(
                platform, refund_id, company_no, bill_no, description=description, vouchers=vouchers
            ),
            write=True,
        )

    def modify_refund(
        self,
        platform: P.Platform,
        refund_id: str,
        apply_payment_fen: int,
        reason_id: int,
        description: str,
        *,
        goods_status: str | None = None,
        vouchers: tuple[str, ...] | None = None,
    ) -> P.MarketRefund:
        return self._call(
            "modify_refund",
            platform,
            refund_id,
            lambda: self.inner.modify_refund(
                platform,
                refund_id,
                apply_payment_fen,
                reason_id,
                description,
                goods_status=goods_status,
                vouchers=vouchers,
            ),
            write=True,
        )

    def refund_notes(self, platform: P.Platform, refund_id: str) -> tuple[P.RefundNote, ...]:
        return self._call(
            "refund_notes",
            platform,
            refund_id,
            lambda: self.inner.refund_notes(platform, refund_id),
        )

    def add_refund_note(
        self,
        platform: P.Platform,
        refund_id: str,
        content: str,
        images: tuple[str, ...],
        op_request_id: str,
    ) -> P.RefundNote:
        return self._call(
            "add_refund_note",
            platform,
            op_request_id,
            lambda: self.inner.add_refund_note(platform, refund_id, content, images, op_request_id),
            write=True,
        )

    # --- messages ----------------------------------------------------------------------------
    def messages(self, platform: P.Platform, cursor: str | None, limit: int) -> P.MessageBatch:
        return self._call(
            "messages", platform, cursor, lambda: self.inner.messages(platform, cursor, limit)
        )


def guard(
    inner: P.Marketplace,
    settings: Settings,
    db: Database,
    *,
    platform: P.Platform | None = None,
    recorder: calls.CallRecorder | None = None,
) -> GuardedMarketplace:
    """``inner`` behind the process's limiter of its upstream (by ``inner.name``), logging its
    calls to ``db``; also sizes the process's shared call pool from the settings."""
    configure_fan_out(settings.marketplace_concurrency)
    return GuardedMarketplace(
        inner,
        limiter_for(inner.name, settings),
        recorder or calls.CallRecorder(db),
        platform=platform,
    )


if TYPE_CHECKING:  # the wrapper is a whole Marketplace (checked by mypy)

    def _is_a_marketplace(market: GuardedMarketplace) -> P.Marketplace:
        return market
