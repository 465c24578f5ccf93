"""The sandbox marketplace: a simulated Taobao and 1688 behind the `Marketplace` port.

It keeps its own state in the gateway's database, in `sandbox_*` tables the gateway's own code
never reads: the catalogue (``store``), product overrides and goods (``goods``), the seller's
orders and refunds (``orders``), the timers that move them on the sandbox clock (``clock``),
the messages it pushes (``orders``) and injected faults (``faults``); offers' marketing
activities are derived, not stored (``activities``). Every port method passes
through :meth:`SandboxMarketplace._call`, where injected faults apply. What only the sandbox
has (its clock, its seller's actions, faults, pictures) is in ``controls`` (``SandboxOperator``),
not here: the port is what every marketplace offers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from daigou.config import Settings
from daigou.db.session import Database
from daigou.marketplace import port as P
from daigou.marketplace.context import acting_developer
from daigou.marketplace.sandbox import activities, faults, goods, orders, store, word_index
from daigou.marketplace.sandbox.clock import SandboxClock

T = TypeVar("T")


class SandboxMarketplace:
    name = "sandbox"

    def __init__(self, db: Database, settings: Settings, clock: SandboxClock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.seller = orders.Seller(db, settings, clock, self)
        self._catalogue_ready = False
        self._catalogue_lock = threading.Lock()
        # The sandbox runs in the gateway's process, on its database and connection pool.
        # Its work is this process's CPU (the GIL): a few operations at once go as fast as
        # many, and many at once only contend. A seller operation may also take a second
        # connection while it holds one (the clock's offset, an offer), so a request fanning
        # out 100 calls must not start 100 of them: at most DAIGOU_SANDBOX_CONCURRENCY run at
        # once (never more than half the pool). Injected latency is spent outside this gate, as
        # a remote marketplace's would be.
        limit = min(settings.sandbox_concurrency, max(1, settings.db_pool_size // 2))
        self._gate = threading.BoundedSemaphore(limit)

    # --- plumbing --------------------------------------------------------------------------
    def ensure_catalogue(self) -> None:
        """Load the configured catalogue once (idempotent; a no-op when already loaded)."""
        if self._catalogue_ready:
            return
        with self._catalogue_lock:
            if not self._catalogue_ready:
                s = self.settings
                store.load_catalogue(
                    self.db,
                    seed=s.sandbox_seed,
                    shops=s.sandbox_shops,
                    offers_1688=s.sandbox_offers_1688,
                    offers_taobao=s.sandbox_offers_taobao,
                )
                word_index.warm(self.db)  # the first keyword search is then fast too
                self._catalogue_ready = True

    def _call(self, operation: str, action: Callable[[], T], *, write: bool = False) -> T:
        """Run one marketplace operation under the injected faults that match it."""

        def gated() -> T:
            with self._gate:
                return action()

        return faults.apply(self.db, self.clock, operation, acting_developer(), gated, write)

    # --- goods -----------------------------------------------------------------------------
    def search(self, query: P.SearchQuery) -> P.SearchPage:
        self.ensure_catalogue()
        kind = "image" if query.image is not None else "search"
        return self._call(
            f"{query.platform}.product.{kind}",
            lambda: goods.search(self.db, self.settings, query),
        )

    def offer(self, platform: P.Platform, offer_id: str, language: str) -> P.Offer:
        self.ensure_catalogue()
        return self._call(
            f"{platform}.product.get",
            lambda: goods.offer(self.db, self.settings, platform, offer_id, language),
        )

    def categories(self, platform: P.Platform, parent_id: int, language: str) -> P.Category:
        return self._call(
            f"{platform}.category.get", lambda: goods.categories(platform, parent_id, language)
        )

    def offer_activities(
        self, platform: P.Platform, offer_id: str, language: str
    ) -> tuple[P.Activity, ...]:
        self.ensure_catalogue()

        def run() -> tuple[P.Activity, ...]:
            offer = goods.offer(self.db, self.settings, platform, offer_id, language)
            return activities.offer_activities(offer, self.clock.now_ms(), language)

        return self._call(f"{platform}.product.activity", run)

    # --- orders ----------------------------------------------------------------------------
    def preview(self, draft: P.OrderDraft) -> P.Preview:
        self.ensure_catalogue()
        return self._call(f"{draft.platform}.order.preview", lambda: self.seller.preview(draft))

    def create_order(self, draft: P.OrderDraft) -> P.CreateResult:
        self.ensure_catalogue()
        return self._call(
            f"{draft.platform}.order.create", lambda: self.seller.create(draft), write=True
        )

    def orders_by_out_order_id(
        self, platform: P.Platform, out_order_id: str
    ) -> tuple[P.MarketOrder, ...]:
        return self._call(
            f"{platform}.order.get",
            lambda: self.seller.orders_by_out_order_id(platform, out_order_id),
        )

    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        return self._call(f"{platform}.order.get", lambda: self.seller.order(platform, order_id))

    def cancel_order(
        self, platform: P.Platform, order_id: str, reason: str, op_request_id: str
    ) -> P.MarketOrder:
        return self._call(
            f"{platform}.order.cancel",
            lambda: self.seller.buyer_cancel(platform, order_id, reason, op_request_id),
            write=True,
        )

    def pay(
        self, platform: P.Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> P.PayResult:
        return self._call(
            f"{platform}.order.pay",
            lambda: self.seller.pay(platform, order_id, amount_fen, op_request_id),
            write=True,
        )

    def confirm_receipt(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...]
    ) -> P.MarketOrder:
        return self._call(
            f"{platform}.order.confirm",
            lambda: self.seller.confirm_receipt(platform, order_id, entry_ids),
            write=True,
        )

    def logistics(self, platform: P.Platform, order_id: str) -> tuple[P.Parcel, ...]:
        return self._call(
            f"{platform}.logistics.get", lambda: self.seller.order(platform, order_id).parcels
        )

    # --- after-sales -----------------------------------------------------------------------
    def refund_reasons(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        return self._call(
            f"{platform}.refund.reasons",
            lambda: self.seller.refund_reasons(platform, order_id, entry_ids, goods_status),
        )

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        return self._call(
            f"{draft.platform}.refund.create", lambda: self.seller.create_refund(draft), write=True
        )

    def refund(self, platform: P.Platform, refund_id: str) -> P.MarketRefund:
        return self._call(f"{platform}.refund.get", lambda: self.seller.refund(platform, refund_id))

    def order_refunds(self, platform: P.Platform, order_id: str) -> tuple[P.MarketRefund, ...]:
        return self._call(
            f"{platform}.refund.list", lambda: self.seller.order_refunds(platform, order_id)
        )

    def cancel_refund(
        self, platform: P.Platform, refund_id: str, op_request_id: str
    ) -> P.MarketRefund:
        return self._call(
            f"{platform}.refund.cancel",
            lambda: self.seller.buyer_cancel_refund(platform, refund_id, op_request_id),
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
            f"{platform}.refund.return",
            lambda: self.seller.return_goods(
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
            f"{platform}.refund.modify",
            lambda: self.seller.modify_refund(
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
            f"{platform}.refund.notes", lambda: self.seller.refund_notes(platform, refund_id)
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
            f"{platform}.refund.note.add",
            lambda: self.seller.add_refund_note(
                platform, refund_id, content, images, op_request_id
            ),
            write=True,
        )

    # --- messages --------------------------------------------------------------------------
    def messages(self, platform: P.Platform, cursor: str | None, limit: int) -> P.MessageBatch:
        """One platform's pushes (each platform is its own stream; the cursor is the last
        push's place in the sandbox's one sequence, so it never repeats across platforms)."""
        return self._call(
            f"{platform}.messages", lambda: self.seller.messages(cursor, limit, platform)
        )
