"""The marketplace port contract: what ANY adapter must do, whatever is behind it.

Subclass :class:`PortContract` in a test module and give it a ``market`` fixture returning the
adapter under test (tests/integration/test_port_contract_sandbox.py runs it against the sandbox,
the sandbox behind ``GuardedMarketplace`` and the gateway's composite). The tests find their
own goods through the adapter (a search, then the offer), so they need nothing but a catalogue
with a few orderable 1688 offers; each uses fresh keys (``out_order_id``, ``op_request_id``).

What the seller does (ship, answer a refund) is no port call: the after-sales tests that need it
take a ``seller`` fixture, a :class:`~daigou.marketplace.controls.SandboxControls` over the same
marketplace (``ship``, ``refund_act``); the default is None, and those tests are skipped.

Only :meth:`PortContract.test_messages_after_a_cursor` touches ``messages``: when the port's
``messages`` changes (per platform), that one function changes with it.

What differs by platform is said, never skipped: ``statuses`` (1688's names of CONTRACT section
7, or Taobao's numeric codes), the goods statuses a refund is asked with (``goods_received``,
``goods_not_received``), and ``return_vouchers_kept`` (whether the marketplace's return
shipment carries pictures).
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

import pytest

from daigou.config import Settings
from daigou.marketplace import port as P
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import images
from tests.support.gateway import TEST_SHOPS

SANDBOX_SEED = int(Settings.model_fields["sandbox_seed"].default)

ADDRESS = P.Address(
    full_name="张三",
    mobile="13800000000",
    post_code="310000",
    province="浙江省",
    city="杭州市",
    area="西湖区",
    address="文三路 1 号",
)


# the statuses the contract names, as each platform spells them (CONTRACT section 7)
STATUSES_1688 = {
    "unpaid": "waitbuyerpay",
    "shipped": "waitbuyerreceive",
    "cancelled": "cancel",
    "refund_asked": "waitselleragree",
    "refund_refused": "waitbuyermodify",
    "refund_awaiting_return": "waitbuyersend",
    "refund_returning": "waitsellerreceive",
    "refund_closed": "refundclose",
}
STATUSES_TAOBAO = {
    "unpaid": "0",
    "shipped": "11",
    "cancelled": "4",
    "refund_asked": "10",
    "refund_refused": "-10",
    "refund_awaiting_return": "20",
    "refund_returning": "30",
    "refund_closed": "-20",
}


def fresh(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def refused(code: str) -> Any:
    return pytest.raises(P.MarketplaceRefused, match=code)


class PortContract:
    """The behaviours every ``Marketplace`` adapter shows. Needs a ``market`` fixture."""

    platform = P.Platform.ALIBABA
    keyword = ""  # a search that finds orderable offers in the adapter's catalogue
    pages_to_look_at = 5
    offers_have_activities = True  # some offers of a page of search results have activities
    statuses: ClassVar[dict[str, str]] = STATUSES_1688
    goods_received = "refundBuyerReceived"  # Taobao: "2"
    goods_not_received = "refundWaitSellerSend"  # Taobao: "1"
    return_vouchers_kept = True  # the return shipment keeps its pictures (3.10 has none)
    # goods may be said received before the seller shipped (PandaPon's Taobao: only after)
    received_before_shipping = True

    def status(self, name: str) -> str:
        return self.statuses[name]

    # --- helpers (adapters may override how goods are found) -------------------------------
    def orderable(self, market: Any) -> tuple[P.Offer, P.Sku]:
        """An on-sale offer of ``platform`` and a SKU with stock for twice its minimum."""
        for page in range(1, self.pages_to_look_at + 1):
            found = market.search(
                P.SearchQuery(self.platform, keyword=self.keyword, page=page, page_size=20)
            )
            for summary in found.items:
                offer = market.offer(self.platform, summary.offer_id, "en")
                if not offer.on_sale:
                    continue
                for sku in offer.skus:
                    if sku.on_sale and sku.stock >= 2 * offer.min_order_quantity:
                        return offer, sku
        pytest.fail(f"no orderable {self.platform} offer found by searching {self.keyword!r}")

    def query_picture(self, offer: P.Offer) -> bytes:
        """A buyer's photo of ``offer``: its main picture as the sandbox draws and serves it
        (``render_offer_image`` of the offer's seed, JPEG), from the test catalogue every
        adapter under this contract sells from (the sandbox's default seed)."""
        decoded = C.decode_offer_id(SANDBOX_SEED, offer.offer_id)
        assert decoded is not None, f"{offer.offer_id} is no offer of the test catalogue"
        made = C.make_offer(SANDBOX_SEED, decoded[0], decoded[1], shops=TEST_SHOPS)
        drawn = images.render_offer_image(made.image_seed, 0, 400, C.image_hint(made.category_id))
        return images.encode(drawn, "JPEG", quality=88)

    def draft(self, market: Any, out_order_id: str | None = None) -> P.OrderDraft:
        offer, sku = self.orderable(market)
        return P.OrderDraft(
            self.platform,
            offer.seller.seller_open_id,
            (P.CargoLine(offer.offer_id, sku.spec_id, offer.min_order_quantity),),
            ADDRESS,
            out_order_id=out_order_id,
            buyer_ref="contract",
        )

    def created(self, market: Any) -> P.MarketOrder:
        result = market.create_order(self.draft(market, fresh("out")))
        assert result.orders and not result.failures, result
        return result.orders[0]

    def paid(self, market: Any) -> P.MarketOrder:
        order = self.created(market)
        assert market.pay(self.platform, order.order_id, order.total_fen, fresh("pay")).paid
        return market.order(self.platform, order.order_id)

    def refund_of(
        self, market: Any, order: P.MarketOrder, dispute: str = "refund", goods: str = ""
    ) -> P.RefundDraft:
        """A request for half of the order's first line, for a reason that needs no voucher."""
        line = order.lines[0]
        goods = goods or (
            self.goods_received if dispute == "returnRefund" else self.goods_not_received
        )
        reasons = market.refund_reasons(self.platform, order.order_id, (line.entry_id,), goods)
        reason = next(r for r in reasons if not r.need_voucher)
        return P.RefundDraft(
            platform=self.platform,
            order_id=order.order_id,
            entry_ids=(line.entry_id,),
            dispute_request=dispute,
            goods_status=goods,
            apply_payment_fen=max(1, line.amount_fen // 2),
            apply_carriage_fen=0,
            reason_id=reason.reason_id,
            description="contract",
            vouchers=("https://img.example/evidence-1.jpg",),
            op_request_id=fresh("refund"),
        )

    @pytest.fixture
    def seller(self) -> Any:
        """The seller of ``market`` (``SandboxControls``); None: seller-side tests are skipped."""
        return None

    @staticmethod
    def needs(seller: Any) -> Any:
        if seller is None:
            pytest.skip("no seller controls for this adapter")
        return seller

    # --- goods -----------------------------------------------------------------------------
    def test_search_returns_summaries_of_the_asked_platform(self, market):
        page = market.search(P.SearchQuery(self.platform, keyword=self.keyword, page_size=10))
        assert page.items and page.total >= len(page.items)
        assert len(page.items) <= 10
        assert all(isinstance(s, P.OfferSummary) for s in page.items)
        assert {s.platform for s in page.items} == {self.platform}
        assert all(s.offer_id and isinstance(s.price_fen, int) for s in page.items)

    def test_an_offer_found_has_skus_with_spec_ids_and_fen_prices(self, market):
        offer, _ = self.orderable(market)
        again = market.offer(self.platform, offer.offer_id, "en")
        assert again.offer_id == offer.offer_id and again.platform is self.platform
        assert again.skus and again.min_order_quantity >= 1
        for sku in again.skus:
            assert sku.spec_id
            assert isinstance(sku.price_fen, int) and sku.price_fen >= 0
        assert all(isinstance(t.price_fen, int) for t in again.price_tiers)

    def test_offer_activities_price_real_skus_below_their_price(self, market):
        """Any offer may have activities or none; each one's special prices name SKUs of the
        offer and are below their prices, in a window that has not ended."""
        found = market.search(P.SearchQuery(self.platform, keyword=self.keyword, page_size=20))
        seen = 0
        for summary in found.items:
            offer = market.offer(self.platform, summary.offer_id, "en")
            activities = market.offer_activities(self.platform, offer.offer_id, "en")
            assert isinstance(activities, tuple)
            prices = {s.spec_id: s.price_fen for s in offer.skus}
            for activity in activities:
                seen += 1
                assert isinstance(activity, P.Activity) and activity.activity_id
                assert activity.name.original and activity.start_ms < activity.end_ms
                assert activity.limit_quantity >= 1 and activity.stock >= 0
                assert activity.prices
                for p in activity.prices:
                    assert p.spec_id in prices and 1 <= p.price_fen < prices[p.spec_id]
        assert seen or not self.offers_have_activities, "no activity on a page of offers"
        with pytest.raises(P.MarketplaceNotFound):
            market.offer_activities(self.platform, "999999999999", "en")

    def test_a_search_by_picture_finds_the_offer_in_it(self, market):
        offer, _ = self.orderable(market)
        page = market.search(
            P.SearchQuery(self.platform, image=self.query_picture(offer), page_size=10)
        )
        assert {s.platform for s in page.items} == {self.platform}
        assert offer.offer_id in [s.offer_id for s in page.items[:5]], page.items
        assert page.total >= len(page.items)

    def test_a_picture_that_is_no_image_is_refused_clearly(self, market):
        """As the sandbox refuses it: a ValueError (the gateway answers 40001 on the picture's
        field), saying what is wrong; never a search of nothing, never a crash."""
        with pytest.raises(ValueError, match="(?i)jpeg|png|image|picture") as refusal:
            market.search(P.SearchQuery(self.platform, image=b"GIF89a not a picture"))
        assert not isinstance(refusal.value, KeyError | P.MarketplaceTimeout)

    def test_unknown_offer_and_order_are_not_found(self, market):
        with pytest.raises(P.MarketplaceNotFound):
            market.offer(self.platform, "999999999999", "en")
        with pytest.raises(P.MarketplaceNotFound):
            market.order(self.platform, "999999999999999")

    # --- orders ----------------------------------------------------------------------------
    def test_preview_then_create_with_an_out_order_id(self, market):
        key = fresh("out")
        draft = self.draft(market, key)
        preview = market.preview(draft)
        assert preview.orders and not preview.failures
        result = market.create_order(draft)
        assert result.orders and not result.failures and not result.replayed
        assert [o.total_fen for o in result.orders] == [o.total_fen for o in preview.orders]
        for order in result.orders:
            assert order.out_order_id == key and order.platform is self.platform
            assert order.status == self.status("unpaid")
            assert order.total_fen == order.product_fen + order.shipping_fen - order.discount_fen

    def test_create_again_with_the_same_out_order_id_is_replayed(self, market):
        draft = self.draft(market, fresh("out"))
        first = market.create_order(draft)
        again = market.create_order(draft)
        assert again.replayed
        assert [o.order_id for o in again.orders] == [o.order_id for o in first.orders]

    def test_orders_are_found_by_their_out_order_id(self, market):
        key = fresh("out")
        result = market.create_order(self.draft(market, key))
        found = market.orders_by_out_order_id(self.platform, key)
        assert sorted(o.order_id for o in found) == sorted(o.order_id for o in result.orders)
        assert market.orders_by_out_order_id(self.platform, fresh("never")) == ()

    def test_order_round_trips(self, market):
        order = self.created(market)
        read = market.order(self.platform, order.order_id)
        assert read.order_id == order.order_id and read.out_order_id == order.out_order_id
        assert read.total_fen == order.total_fen and read.status == order.status
        assert [ln.entry_id for ln in read.lines] == [ln.entry_id for ln in order.lines]

    def test_pay_twice_with_one_op_request_id_pays_once(self, market):
        order = self.created(market)
        op = fresh("pay")
        first = market.pay(self.platform, order.order_id, order.total_fen, op)
        assert first.paid and first.paid_fen == order.total_fen
        paid = market.order(self.platform, order.order_id)
        assert paid.paid_ms is not None and paid.status != self.status("unpaid")
        again = market.pay(self.platform, order.order_id, order.total_fen, op)
        assert again == first
        assert market.order(self.platform, order.order_id).paid_ms == paid.paid_ms

    def test_an_unpaid_order_can_be_cancelled(self, market):
        order = self.created(market)
        cancelled = market.cancel_order(self.platform, order.order_id, "buyerCancel", fresh("c"))
        assert cancelled.order_id == order.order_id
        assert cancelled.status == self.status("cancelled")
        assert market.order(self.platform, order.order_id).status == self.status("cancelled")

    # --- after-sales -----------------------------------------------------------------------
    def test_order_refunds_lists_every_refund_of_the_order_oldest_first(self, market):
        order = self.paid(market)
        assert market.order_refunds(self.platform, order.order_id) == ()
        first = market.create_refund(self.refund_of(market, order))
        assert first.vouchers == ("https://img.example/evidence-1.jpg",)
        assert market.order_refunds(self.platform, order.order_id) == (first,)
        market.cancel_refund(self.platform, first.refund_id, fresh("cancel"))
        second = market.create_refund(self.refund_of(market, order))
        listed = market.order_refunds(self.platform, order.order_id)
        assert [r.refund_id for r in listed] == [first.refund_id, second.refund_id]
        assert listed[0].status == self.status("refund_closed") and listed[1] == second
        with pytest.raises(P.MarketplaceNotFound):
            market.order_refunds(self.platform, "999999999999999")

    def test_an_unanswered_request_is_modified_and_none_keeps_a_value(self, market, seller):
        order = self.paid(market)
        if not self.received_before_shipping:
            self.needs(seller).ship(self.platform, order.order_id)
        refund = market.create_refund(self.refund_of(market, order))
        amount = refund.apply_payment_fen - 1 or 1
        changed = market.modify_refund(
            self.platform,
            refund.refund_id,
            amount,
            refund.reason_id,
            "changed my mind",
            goods_status=self.goods_received,
            vouchers=("https://img.example/evidence-2.jpg",),
        )
        assert changed.status == self.status("refund_asked")
        assert changed.refund_id == refund.refund_id
        assert (changed.apply_payment_fen, changed.description) == (amount, "changed my mind")
        assert changed.goods_status == self.goods_received
        assert changed.vouchers == ("https://img.example/evidence-2.jpg",)
        again = market.modify_refund(
            self.platform, refund.refund_id, amount, refund.reason_id, "once more"
        )
        assert (again.goods_status, again.vouchers) == (changed.goods_status, changed.vouchers)
        assert market.refund(self.platform, refund.refund_id) == again
        market.cancel_refund(self.platform, refund.refund_id, fresh("cancel"))
        with refused("REFUND_STATUS_ERROR"):
            market.modify_refund(self.platform, refund.refund_id, 1, refund.reason_id, "late")

    def test_a_refused_request_is_modified_and_asked_again(self, market, seller):
        order = self.paid(market)
        refund = market.create_refund(self.refund_of(market, order))
        self.needs(seller).refund_act(self.platform, refund.refund_id, "refuse", "用过了 / used")
        refused_ = market.refund(self.platform, refund.refund_id)
        assert refused_.status == self.status("refund_refused")
        assert refused_.seller_refuse_reason
        seller_notes = [
            n for n in market.refund_notes(self.platform, refund.refund_id) if n.owner == "seller"
        ]
        assert seller_notes[-1].content == refused_.seller_refuse_reason
        asked = market.modify_refund(
            self.platform, refund.refund_id, 1, refund.reason_id, "only one fen then"
        )
        assert asked.status == self.status("refund_asked")
        assert asked.seller_refuse_reason is None
        assert asked.apply_payment_fen == 1

    def test_goods_go_back_only_once_the_seller_agreed_a_return(self, market, seller):
        seller = self.needs(seller)
        order = self.paid(market)
        seller.ship(self.platform, order.order_id)
        refund = market.create_refund(self.refund_of(market, order, "returnRefund"))
        assert refund.return_address is None and refund.seller_agree_describe is None
        with refused("REFUND_STATUS_ERROR"):
            market.return_goods(self.platform, refund.refund_id, "SF", "SF100")
        agreed = seller.refund_act(self.platform, refund.refund_id, "agree")
        assert agreed.status == self.status("refund_awaiting_return")
        assert agreed == market.refund(self.platform, refund.refund_id)
        address = agreed.return_address
        assert address is not None and address.full_name and address.mobile
        assert address.address and agreed.seller_agree_describe
        note = market.refund_notes(self.platform, refund.refund_id)[-1]
        assert note.owner == "seller" and address.mobile in note.content
        sent = market.return_goods(
            self.platform,
            refund.refund_id,
            "SF",
            "SF100",
            description="原包装寄回",
            vouchers=("https://img.example/waybill.jpg",),
        )
        assert sent.status == self.status("refund_returning")
        assert (sent.return_company_no, sent.return_bill_no) == ("SF", "SF100")
        assert sent.return_description == "原包装寄回"
        kept = ("https://img.example/waybill.jpg",) if self.return_vouchers_kept else ()
        assert sent.return_vouchers == kept
        assert sent.return_address == address
        with refused("REFUND_STATUS_ERROR"):
            market.return_goods(self.platform, refund.refund_id, "SF", "SF101")

    def test_notes_are_added_listed_oldest_first_and_refused_once_closed(self, market):
        order = self.paid(market)
        refund = market.create_refund(self.refund_of(market, order))
        first = market.add_refund_note(
            self.platform,
            refund.refund_id,
            "还没发货",
            ("https://img.example/chat.png",),
            fresh("n"),
        )
        assert isinstance(first, P.RefundNote) and first.note_id
        assert (first.refund_id, first.owner, first.content) == (
            refund.refund_id,
            "buyer",
            "还没发货",
        )
        assert first.images == ("https://img.example/chat.png",) and first.created_ms > 0
        second = market.add_refund_note(self.platform, refund.refund_id, "请尽快", (), fresh("n"))
        assert second.note_id != first.note_id

        def buyers() -> list[P.RefundNote]:  # the platform may add notices of its own
            notes = market.refund_notes(self.platform, refund.refund_id)
            assert all(isinstance(n, P.RefundNote) for n in notes)
            return [n for n in notes if n.owner == "buyer"]

        assert buyers() == [first, second]
        market.cancel_refund(self.platform, refund.refund_id, fresh("cancel"))
        with refused("REFUND_STATUS_ERROR"):
            market.add_refund_note(self.platform, refund.refund_id, "too late", (), fresh("n"))
        assert buyers() == [first, second]
        with pytest.raises(P.MarketplaceNotFound):
            market.refund_notes(self.platform, "TQ999")

    def test_a_note_sent_twice_with_one_op_request_id_is_added_once(self, market):
        order = self.paid(market)
        refund = market.create_refund(self.refund_of(market, order))
        op = fresh("note")
        first = market.add_refund_note(self.platform, refund.refund_id, "一次", (), op)
        again = market.add_refund_note(self.platform, refund.refund_id, "一次", (), op)
        assert again == first
        notes = market.refund_notes(self.platform, refund.refund_id)
        assert [n for n in notes if n.owner == "buyer"] == [first]

    # --- messages (the one function to adapt when ``messages`` changes) --------------------
    def test_messages_after_a_cursor(self, market):
        cursor: str | None = None
        for _ in range(100):  # to the end of what is there
            batch = market.messages(self.platform, cursor, 100)
            if not batch.messages:
                break
            cursor = batch.cursor
        end = market.messages(self.platform, cursor, 100)
        assert end.messages == ()
        order = self.created(market)
        after = market.messages(self.platform, cursor, 100)
        assert any(m.order_id == order.order_id for m in after.messages)
        assert after.cursor != cursor
        assert all(isinstance(m, P.MarketMessage) for m in after.messages)
        # each platform has its own stream: the order's pushes are in its platform's only
        assert all(m.platform == self.platform for m in after.messages)
        assert market.messages(self.platform, after.cursor, 100).messages == ()
