"""One ``Marketplace`` over one adapter per platform.

The gateway talks to Taobao and 1688 through one port; each platform may be served by its own
adapter (1688's Open Platform client, a PandaPon account, the sandbox). :class:`Composite`
sends each call to the adapter of the platform the call names. It holds no state and adds
nothing: errors, retries and the call log are the adapters' (or their wrappers').
"""

from __future__ import annotations

from collections.abc import Mapping

from daigou.marketplace import port as P


class PlatformNotServed(P.MarketplaceError):
    """No adapter is configured for the platform a call names."""

    def __init__(self, platform: P.Platform) -> None:
        super().__init__("PLATFORM_NOT_SERVED", f"no marketplace adapter serves {platform}")
        self.platform = platform


class Composite:
    """Implements ``Marketplace`` by dispatching each call by platform."""

    def __init__(self, adapters: Mapping[P.Platform, P.Marketplace]) -> None:
        self._adapters = dict(adapters)
        names = dict.fromkeys(a.name for a in self._adapters.values())  # ordered, distinct
        self.name = "+".join(names) or "none"

    @property
    def platforms(self) -> tuple[P.Platform, ...]:
        return tuple(self._adapters)

    def adapter(self, platform: P.Platform) -> P.Marketplace:
        try:
            return self._adapters[platform]
        except KeyError:
            raise PlatformNotServed(platform) from None

    # --- goods ----------------------------------------------------------------------------
    def search(self, query: P.SearchQuery) -> P.SearchPage:
        return self.adapter(query.platform).search(query)

    def offer(self, platform: P.Platform, offer_id: str, language: str) -> P.Offer:
        return self.adapter(platform).offer(platform, offer_id, language)

    def categories(self, platform: P.Platform, parent_id: int, language: str) -> P.Category:
        return self.adapter(platform).categories(platform, parent_id, language)

    def offer_activities(
        self, platform: P.Platform, offer_id: str, language: str
    ) -> tuple[P.Activity, ...]:
        return self.adapter(platform).offer_activities(platform, offer_id, language)

    # --- orders ---------------------------------------------------------------------------
    def preview(self, draft: P.OrderDraft) -> P.Preview:
        return self.adapter(draft.platform).preview(draft)

    def create_order(self, draft: P.OrderDraft) -> P.CreateResult:
        return self.adapter(draft.platform).create_order(draft)

    def orders_by_out_order_id(
        self, platform: P.Platform, out_order_id: str
    ) -> tuple[P.MarketOrder, ...]:
        return self.adapter(platform).orders_by_out_order_id(platform, out_order_id)

    def order(self, platform: P.Platform, order_id: str) -> P.MarketOrder:
        return self.adapter(platform).order(platform, order_id)

    def cancel_order(
        self, platform: P.Platform, order_id: str, reason: str, op_request_id: str
    ) -> P.MarketOrder:
        return self.adapter(platform).cancel_order(platform, order_id, reason, op_request_id)

    def pay(
        self, platform: P.Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> P.PayResult:
        return self.adapter(platform).pay(platform, order_id, amount_fen, op_request_id)

    def confirm_receipt(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...]
    ) -> P.MarketOrder:
        return self.adapter(platform).confirm_receipt(platform, order_id, entry_ids)

    def logistics(self, platform: P.Platform, order_id: str) -> tuple[P.Parcel, ...]:
        return self.adapter(platform).logistics(platform, order_id)

    # --- after-sales ----------------------------------------------------------------------
    def refund_reasons(
        self, platform: P.Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[P.RefundReason, ...]:
        return self.adapter(platform).refund_reasons(platform, order_id, entry_ids, goods_status)

    def create_refund(self, draft: P.RefundDraft) -> P.MarketRefund:
        return self.adapter(draft.platform).create_refund(draft)

    def refund(self, platform: P.Platform, refund_id: str) -> P.MarketRefund:
        return self.adapter(platform).refund(platform, refund_id)

    def order_refunds(self, platform: P.Platform, order_id: str) -> tuple[P.MarketRefund, ...]:
        return self.adapter(platform).order_refunds(platform, order_id)

    def cancel_refund(
        self, platform: P.Platform, refund_id: str, op_request_id: str
    ) -> P.MarketRefund:
        return self.adapter(platform).cancel_refund(platform, refund_id, op_request_id)

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
        return self.adapter(platform).return_goods(
            platform, refund_id, company_no, bill_no, description=description, vouchers=vouchers
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
        return self.adapter(platform).modify_refund(
            platform,
            refund_id,
            apply_payment_fen,
            reason_id,
            description,
            goods_status=goods_status,
            vouchers=vouchers,
        )

    def refund_notes(self, platform: P.Platform, refund_id: str) -> tuple[P.RefundNote, ...]:
        return self.adapter(platform).refund_notes(platform, refund_id)

    def add_refund_note(
        self,
        platform: P.Platform,
        refund_id: str,
        content: str,
        images: tuple[str, ...],
        op_request_id: str,
    ) -> P.RefundNote:
        return self.adapter(platform).add_refund_note(
            platform, refund_id, content, images, op_request_id
        )

    # --- messages -------------------------------------------------------------------------
    def messages(self, platform: P.Platform, cursor: str | None, limit: int) -> P.MessageBatch:
        return self.adapter(platform).messages(platform, cursor, limit)
