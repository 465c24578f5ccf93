"""The marketplace port: what the gateway asks of Taobao and 1688, in our own DTOs.

The gateway never speaks a marketplace's wire format; adapters do (sandbox, alibaba1688,
taobao), each `client` (HTTP and signing) -> `mapper` (raw JSON to these DTOs) -> `adapter`
(implements `Marketplace`). The shapes follow the real platforms
(../shared/reference/marketplaces-and-practice.md):

- 1688 offers have SKUs addressed by `spec_id` (what orders take) and `sku_id`; prices fall in
  quantity tiers; an offer has a minimum order quantity; one order has one seller
  (`seller_open_id`), and one create may split into several orders or fail some lines.
- Writes carry the caller's deduplication keys: `out_order_id` on create, `op_request_id` on
  pay, cancel, a refund's create and cancel, and a negotiation note. A write whose answer is
  lost raises `MarketplaceTimeout`; the gateway then records the outcome as unknown and
  reconciles by querying (`orders_by_out_order_id`, `order`, `order_refunds`,
  `refund_notes`), never by sending the write again (CONTRACT section 8).
- Money is integer fen (CNY); times are epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

LANGUAGES = ("zh", "en", "vi", "th", "es")


class Platform(StrEnum):
    TAOBAO = "taobao"
    ALIBABA = "1688"

    @property
    def message_platform(self) -> int:
        """CONTRACT section 9: 0 Taobao, 1 1688."""
        return 0 if self is Platform.TAOBAO else 1


# --- errors -----------------------------------------------------------------------------------
class MarketplaceError(Exception):
    """The marketplace answered with an error (the gateway answers 50201 with both fields)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class MarketplaceRefused(MarketplaceError):
    """A business refusal the caller can act on: out of stock, below the minimum quantity, off
    sale (40904), or a state that does not allow the operation (40901)."""

    def __init__(self, code: str, message: str, *, stock_problem: bool = False) -> None:
        super().__init__(code, message)
        self.stock_problem = stock_problem


class Unsupported(MarketplaceRefused):
    """The marketplace has no call for what the port asks (1688 has no buyer API to modify a
    refund request, PandaPon no Taobao category tree): refused, never emulated, so the gateway
    answers 40901 with ``upstreamCode`` UNSUPPORTED (docs/decisions/0016, point 8)."""

    def __init__(self, message: str) -> None:
        super().__init__("UNSUPPORTED", message)


class PictureRefused(MarketplaceRefused, ValueError):
    """The marketplace refused a query picture (not an image, too large, a format it does not
    read). Also a ``ValueError``, as the sandbox's unreadable picture is, so the gateway
    answers 40001 on the picture's field whichever adapter refused it (goods.service)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


class MarketplaceNotFound(MarketplaceError):
    """The marketplace has no such offer, order or refund (the gateway answers 40401)."""

    def __init__(self, what: str, ident: str) -> None:
        super().__init__("NOT_FOUND", f"no {what} {ident}")
        self.what = what
        self.ident = ident


class MarketplaceNotSent(MarketplaceError):
    """The call certainly did not reach the marketplace (no connection, no slot in the
    upstream's limiter): nothing happened there, so it is safe to send again."""


class MarketplaceRateLimited(MarketplaceError):
    """The marketplace refused the call for its rate limit: nothing happened there; it may be
    sent again after ``retry_after_s`` seconds."""

    def __init__(self, code: str, message: str, *, retry_after_s: float = 1.0) -> None:
        super().__init__(code, message)
        self.retry_after_s = retry_after_s


class MarketplaceTimeout(Exception):
    """No answer in time: the outcome is unknown. For a write it stays unknown until the
    reconciler settles it by querying (50401); it is never sent again blindly."""

    def __init__(self, operation: str, wrote: bool | None = None) -> None:
        super().__init__(f"{operation}: no answer from the marketplace")
        self.operation = operation
        self.wrote = wrote  # adapters never know; the sandbox's fault injection may say


MarketplaceOutcomeUnknown = MarketplaceTimeout  # the name that says what the caller may do


# --- goods ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """An original (Chinese) text and its translation into the requested language."""

    original: str
    translated: str | None = None


@dataclass(frozen=True)
class PriceTier:
    start_quantity: int
    price_fen: int


@dataclass(frozen=True)
class SkuAttribute:
    name: Text
    value: Text
    image_url: str | None = None


@dataclass(frozen=True)
class Sku:
    sku_id: str
    spec_id: str
    attributes: tuple[SkuAttribute, ...]
    price_fen: int
    promotion_price_fen: int | None
    stock: int
    image_url: str | None = None
    on_sale: bool = True


@dataclass(frozen=True)
class Seller:
    seller_open_id: str
    shop_id: str
    name: Text
    wangwang_nick: str
    province: str = ""
    city: str = ""


@dataclass(frozen=True)
class Shipping:
    send_from: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    first_fee_fen: int  # freight for the first unit
    extra_fee_fen: int  # per further unit


@dataclass(frozen=True)
class Offer:
    """One item (Taobao) or offer (1688) with its SKUs."""

    platform: Platform
    offer_id: str
    category_id: int
    category_name: Text
    title: Text
    description: str
    images: tuple[str, ...]
    skus: tuple[Sku, ...]
    price_tiers: tuple[PriceTier, ...]
    min_order_quantity: int
    shipping: Shipping
    seller: Seller
    on_sale: bool
    month_sold: int = 0
    repurchase_rate_pct: int = 0
    currency: str = "CNY"
    attributes: tuple[SkuAttribute, ...] = ()  # the offer's own (material, style, origin...)

    def sku_by_spec(self, spec_id: str | None) -> Sku | None:
        if spec_id is None and len(self.skus) == 1:
            return self.skus[0]
        return next((s for s in self.skus if s.spec_id == spec_id or s.sku_id == spec_id), None)

    def unit_price(self, quantity: int, sku: Sku) -> int:
        """The tier price for `quantity` (1688), or the SKU's (promotion) price."""
        tiered = [t.price_fen for t in self.price_tiers if quantity >= t.start_quantity]
        if tiered:
            return min(tiered[-1], sku.price_fen) if sku.price_fen else tiered[-1]
        return sku.promotion_price_fen or sku.price_fen


@dataclass(frozen=True)
class OfferSummary:
    platform: Platform
    offer_id: str
    title: Text
    image_url: str
    price_fen: int
    promotion_price_fen: int | None
    shop_id: str
    seller_open_id: str
    shop_name: str
    month_sold: int
    repurchase_rate_pct: int
    currency: str = "CNY"


@dataclass(frozen=True)
class Category:
    category_id: int
    parent_id: int
    level: int
    leaf: bool
    name: Text
    children: tuple[Category, ...] = ()


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    SALES_DESC = "sale_desc"


@dataclass(frozen=True)
class SearchQuery:
    platform: Platform
    keyword: str = ""
    language: str = "en"
    page: int = 1
    page_size: int = 20
    sort: Sort = Sort.RELEVANCE
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    category_id: int | None = None
    shop_id: str | None = None  # Taobao shop, or 1688 sellerOpenId
    image: bytes | None = None  # search by picture instead of keyword


@dataclass(frozen=True)
class SearchPage:
    items: tuple[OfferSummary, ...]
    total: int


@dataclass(frozen=True)
class ActivityPrice:
    spec_id: str
    price_fen: int  # the special price, below the SKU's own


@dataclass(frozen=True)
class Activity:
    """A marketing activity of one offer (1688: a special price for some SKUs for a while),
    running now or announced to start later."""

    activity_id: str
    name: Text
    start_ms: int
    end_ms: int
    prices: tuple[ActivityPrice, ...]
    limit_quantity: int  # pieces one buyer may buy at the special price
    stock: int  # pieces left at the special price


# --- orders -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Address:
    full_name: str
    mobile: str
    phone: str = ""
    post_code: str = ""
    province: str = ""
    city: str = ""
    area: str = ""
    town: str = ""
    address: str = ""
    district_code: str = ""


@dataclass(frozen=True)
class CargoLine:
    offer_id: str
    spec_id: str | None
    quantity: int


@dataclass(frozen=True)
class OrderDraft:
    """Lines of ONE seller, as 1688's preview and create take them."""

    platform: Platform
    seller_open_id: str
    lines: tuple[CargoLine, ...]
    address: Address
    out_order_id: str | None = None  # the marketplace deduplicates creates by it
    message: str = ""
    flow: str = "general"
    shop_promotion_id: str | None = None
    buyer_ref: str = ""  # the developer (and sub-account) the order is for


@dataclass(frozen=True)
class LineFailure:
    offer_id: str
    spec_id: str | None
    code: str
    message: str


@dataclass(frozen=True)
class Promotion:
    promotion_id: str
    name: str
    discount_fen: int
    selected: bool


@dataclass(frozen=True)
class PricedLine:
    offer_id: str
    spec_id: str | None
    quantity: int
    unit_price_fen: int


@dataclass(frozen=True)
class PreviewOrder:
    """One order the marketplace would create (a preview may split like a create)."""

    lines: tuple[PricedLine, ...]
    product_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    promotions: tuple[Promotion, ...] = ()


@dataclass(frozen=True)
class Preview:
    orders: tuple[PreviewOrder, ...]
    failures: tuple[LineFailure, ...] = ()


@dataclass(frozen=True)
class LogisticsStep:
    time_ms: int
    remark: str


@dataclass(frozen=True)
class Parcel:
    logistics_id: str
    bill_no: str
    company_name: str
    entry_ids: tuple[str, ...]
    shipped_ms: int
    steps: tuple[LogisticsStep, ...] = ()
    delivered_ms: int | None = None


@dataclass(frozen=True)
class OrderLine:
    entry_id: str  # 1688 subItemID / orderEntryId; Taobao sub-order id
    offer_id: str
    spec_id: str | None
    sku_id: str | None
    title: Text
    image_url: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    status: str
    logistics_status: int = 1  # 1 not sent, 2 sent, 3 received
    refund_status: str | None = None


@dataclass(frozen=True)
class MarketOrder:
    """An order as the marketplace holds it; the gateway mirrors it (never the reverse)."""

    platform: Platform
    order_id: str
    out_order_id: str | None
    status: str  # 1688: CONTRACT section 7 strings; Taobao: the marketplace's own
    seller_open_id: str
    seller_name: str
    lines: tuple[OrderLine, ...]
    product_fen: int
    shipping_fen: int
    discount_fen: int
    total_fen: int
    created_ms: int
    modified_ms: int
    pay_timeout_s: int = 43_200
    paid_ms: int | None = None
    shipped_ms: int | None = None
    received_ms: int | None = None
    completed_ms: int | None = None
    close_reason: str | None = None
    close_operate_type: str | None = None
    parcels: tuple[Parcel, ...] = ()
    refund_status: str | None = None
    currency: str = "CNY"
    message: str = ""  # the buyer's remark
    flow: str | None = None
    address: Address | None = None  # where it ships


@dataclass(frozen=True)
class CreateResult:
    """1688 may split one draft into several orders, or order some lines and fail others."""

    orders: tuple[MarketOrder, ...]
    failures: tuple[LineFailure, ...] = ()
    replayed: bool = False  # the out_order_id had been used: these are the existing orders


@dataclass(frozen=True)
class PayResult:
    order_id: str
    paid: bool
    paid_fen: int
    code: str | None = None  # e.g. ORDER_STATUS_ERROR, PRICE_CHANGED
    message: str | None = None


# --- after-sales ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefundReason:
    reason_id: int
    name: str
    need_voucher: bool
    no_refund_carriage: bool
    tip: str = ""


@dataclass(frozen=True)
class RefundDraft:
    platform: Platform
    order_id: str
    entry_ids: tuple[str, ...]
    dispute_request: str  # refund | returnRefund
    goods_status: str
    apply_payment_fen: int
    apply_carriage_fen: int
    reason_id: int
    description: str
    vouchers: tuple[str, ...] = ()
    op_request_id: str | None = None
    # part quantities (1688 ``orderEntryCountList``): (entry id, count) of the lines refunded
    # only in part; a line not named is refunded whole
    quantities: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class MarketRefund:
    platform: Platform
    refund_id: str
    order_id: str
    entry_ids: tuple[str, ...]
    status: str  # 1688: CONTRACT section 7 refund statuses
    dispute_request: str
    goods_status: str
    apply_payment_fen: int
    apply_carriage_fen: int
    refund_payment_fen: int
    refund_carriage_fen: int
    reason_id: int
    reason: str
    description: str
    created_ms: int
    modified_ms: int
    timeout_ms: int | None = None
    completed_ms: int | None = None
    seller_refuse_reason: str | None = None
    return_company_no: str | None = None
    return_bill_no: str | None = None
    after_sale: bool = False
    vouchers: tuple[str, ...] = ()  # the buyer's evidence (image URLs)
    # set when the seller agrees a returnRefund: where, and how, the goods go back
    return_address: Address | None = None
    seller_agree_describe: str | None = None
    return_description: str = ""  # what the buyer wrote when sending the goods back
    return_vouchers: tuple[str, ...] = ()  # and the pictures it sent with them (the waybill)
    quantities: tuple[tuple[str, int], ...] = ()  # part quantities, as the draft asked them


@dataclass(frozen=True)
class RefundNote:
    """One message of a refund's negotiation (Taobao 3.7/3.8; 1688's refund history): the
    buyer's and the seller's words and pictures, and the platform's own notices (a refund
    closed for lack of an answer). A write of its own, apart from the refund's moves."""

    note_id: str
    refund_id: str
    owner: str  # buyer | seller | platform
    content: str
    images: tuple[str, ...]
    created_ms: int


# --- messages ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarketMessage:
    """A push from the marketplace (1688 topic names, CONTRACT section 9; Taobao equivalents).

    Pushes can repeat and arrive out of order: `occurred_ms` and the carried status let the
    gateway ignore what is older than its own record (CONTRACT section 7)."""

    message_id: str
    platform: Platform
    topic: str
    occurred_ms: int
    order_id: str | None = None
    refund_id: str | None = None
    status: str | None = None
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageBatch:
    messages: tuple[MarketMessage, ...]
    cursor: str  # pass back to get the messages after these


# --- the port ---------------------------------------------------------------------------------
@runtime_checkable
class Marketplace(Protocol):
    """Everything the gateway asks of a marketplace. Reads may be retried by the adapter on
    transient failures; writes never are (a lost answer raises MarketplaceTimeout)."""

    name: str

    # goods
    def search(self, query: SearchQuery) -> SearchPage: ...
    def offer(self, platform: Platform, offer_id: str, language: str) -> Offer: ...
    def categories(self, platform: Platform, parent_id: int, language: str) -> Category: ...
    def offer_activities(
        self, platform: Platform, offer_id: str, language: str
    ) -> tuple[Activity, ...]: ...

    # orders
    def preview(self, draft: OrderDraft) -> Preview: ...
    def create_order(self, draft: OrderDraft) -> CreateResult: ...
    def orders_by_out_order_id(
        self, platform: Platform, out_order_id: str
    ) -> tuple[MarketOrder, ...]: ...
    def order(self, platform: Platform, order_id: str) -> MarketOrder: ...
    def cancel_order(
        self, platform: Platform, order_id: str, reason: str, op_request_id: str
    ) -> MarketOrder: ...
    def pay(
        self, platform: Platform, order_id: str, amount_fen: int, op_request_id: str
    ) -> PayResult: ...
    def confirm_receipt(
        self, platform: Platform, order_id: str, entry_ids: tuple[str, ...]
    ) -> MarketOrder: ...
    def logistics(self, platform: Platform, order_id: str) -> tuple[Parcel, ...]: ...

    # after-sales
    def refund_reasons(
        self, platform: Platform, order_id: str, entry_ids: tuple[str, ...], goods_status: str
    ) -> tuple[RefundReason, ...]: ...
    def create_refund(self, draft: RefundDraft) -> MarketRefund: ...
    def refund(self, platform: Platform, refund_id: str) -> MarketRefund: ...
    # every refund of an order, oldest first: how a create whose answer was lost is settled
    def order_refunds(self, platform: Platform, order_id: str) -> tuple[MarketRefund, ...]: ...
    def cancel_refund(
        self, platform: Platform, refund_id: str, op_request_id: str
    ) -> MarketRefund: ...
    def return_goods(
        self,
        platform: Platform,
        refund_id: str,
        company_no: str,
        bill_no: str,
        *,
        description: str = "",
        vouchers: tuple[str, ...] = (),
    ) -> MarketRefund: ...
    # an open request before the seller answers, or a refused one; None keeps a value
    def modify_refund(
        self,
        platform: Platform,
        refund_id: str,
        apply_payment_fen: int,
        reason_id: int,
        description: str,
        *,
        goods_status: str | None = None,
        vouchers: tuple[str, ...] | None = None,
    ) -> MarketRefund: ...
    # the negotiation: its messages oldest first, and the buyer's own (deduplicated by
    # ``op_request_id`` like every write; refused once the refund is over)
    def refund_notes(self, platform: Platform, refund_id: str) -> tuple[RefundNote, ...]: ...
    def add_refund_note(
        self,
        platform: Platform,
        refund_id: str,
        content: str,
        images: tuple[str, ...],
        op_request_id: str,
    ) -> RefundNote: ...

    # messages (1688 push / Taobao TMC): what happened on one platform since `cursor`; each
    # platform is its own stream with its own cursor
    def messages(self, platform: Platform, cursor: str | None, limit: int) -> MessageBatch: ...
