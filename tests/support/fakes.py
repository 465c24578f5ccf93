"""Fakes of the marketplace port for tests of what sits around it (the composite, the guard,
bootstrap), and one call of each port method to drive them with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from daigou.marketplace import port as P

PORT_METHODS = sorted(
    name
    for name, member in vars(P.Marketplace).items()
    if callable(member) and not name.startswith("_")
)


class Recording:
    """A fake adapter: implements every port method by recording the call (its positional and
    keyword arguments) and answering ``"<name>:<method>"``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def _record(self, method: str, *args: Any, **kwargs: Any) -> str:
        self.calls.append((method, args, kwargs))
        return f"{self.name}:{method}"


for _method in PORT_METHODS:

    def _make(method: str) -> Callable[..., str]:
        def call(self: Recording, *args: Any, **kwargs: Any) -> str:
            return self._record(method, *args, **kwargs)

        return call

    setattr(Recording, _method, _make(_method))


def _draft(platform: P.Platform) -> P.OrderDraft:
    return P.OrderDraft(platform, "seller", (P.CargoLine("1", None, 1),), P.Address("n", "m"))


def _refund_draft(platform: P.Platform) -> P.RefundDraft:
    return P.RefundDraft(platform, "o1", ("e1",), "refund", "g", 1, 0, 1, "d")


# one call of each port method for a platform, with every optional argument given (so a
# wrapper that drops one is caught)
PORT_CALLS: dict[str, Callable[[Any, P.Platform], Any]] = {
    "search": lambda m, p: m.search(P.SearchQuery(platform=p, keyword="bag")),
    "offer": lambda m, p: m.offer(p, "1", "en"),
    "categories": lambda m, p: m.categories(p, 0, "en"),
    "offer_activities": lambda m, p: m.offer_activities(p, "1", "en"),
    "preview": lambda m, p: m.preview(_draft(p)),
    "create_order": lambda m, p: m.create_order(_draft(p)),
    "orders_by_out_order_id": lambda m, p: m.orders_by_out_order_id(p, "out-1"),
    "order": lambda m, p: m.order(p, "o1"),
    "cancel_order": lambda m, p: m.cancel_order(p, "o1", "other", "op-1"),
    "pay": lambda m, p: m.pay(p, "o1", 100, "op-2"),
    "confirm_receipt": lambda m, p: m.confirm_receipt(p, "o1", ("e1",)),
    "logistics": lambda m, p: m.logistics(p, "o1"),
    "refund_reasons": lambda m, p: m.refund_reasons(p, "o1", ("e1",), "g"),
    "create_refund": lambda m, p: m.create_refund(_refund_draft(p)),
    "refund": lambda m, p: m.refund(p, "r1"),
    "order_refunds": lambda m, p: m.order_refunds(p, "o1"),
    "cancel_refund": lambda m, p: m.cancel_refund(p, "r1", "op-3"),
    "return_goods": lambda m, p: m.return_goods(
        p, "r1", "SF", "SF1", description="sent", vouchers=("https://v/1.jpg",)
    ),
    "modify_refund": lambda m, p: m.modify_refund(
        p, "r1", 1, 1, "d", goods_status="refundBuyerReceived", vouchers=("https://v/2.jpg",)
    ),
    "refund_notes": lambda m, p: m.refund_notes(p, "r1"),
    "add_refund_note": lambda m, p: m.add_refund_note(p, "r1", "hi", ("https://v/3.jpg",), "op-4"),
    "messages": lambda m, p: m.messages(p, "7", 10),
}
