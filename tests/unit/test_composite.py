"""The composite marketplace (``daigou.marketplace.composite``): every port call goes to the
adapter of the platform it names, and only there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.composite import Composite, PlatformNotServed
from tests.support.fakes import PORT_METHODS, Recording

A, T = P.Platform.ALIBABA, P.Platform.TAOBAO


def draft(platform: P.Platform) -> P.OrderDraft:
    return P.OrderDraft(platform, "seller", (P.CargoLine("1", None, 1),), P.Address("n", "m"))


def refund_draft(platform: P.Platform) -> P.RefundDraft:
    return P.RefundDraft(platform, "o1", ("e1",), "refund", "g", 1, 0, 1, "d")


# one call of each port method, for a platform
CALLS: dict[str, Callable[[Any, P.Platform], Any]] = {
    "search": lambda m, p: m.search(P.SearchQuery(platform=p, keyword="bag")),
    "offer": lambda m, p: m.offer(p, "1", "en"),
    "categories": lambda m, p: m.categories(p, 0, "en"),
    "offer_activities": lambda m, p: m.offer_activities(p, "1", "en"),
    "preview": lambda m, p: m.preview(draft(p)),
    "create_order": lambda m, p: m.create_order(draft(p)),
    "orders_by_out_order_id": lambda m, p: m.orders_by_out_order_id(p, "out-1"),
    "order": lambda m, p: m.order(p, "o1"),
    "cancel_order": lambda m, p: m.cancel_order(p, "o1", "other", "op-1"),
    "pay": lambda m, p: m.pay(p, "o1", 100, "op-2"),
    "confirm_receipt": lambda m, p: m.confirm_receipt(p, "o1", ("e1",)),
    "logistics": lambda m, p: m.logistics(p, "o1"),
    "refund_reasons": lambda m, p: m.refund_reasons(p, "o1", ("e1",), "g"),
    "create_refund": lambda m, p: m.create_refund(refund_draft(p)),
    "refund": lambda m, p: m.refund(p, "r1"),
    "cancel_refund": lambda m, p: m.cancel_refund(p, "r1", "op-3"),
    "return_goods": lambda m, p: m.return_goods(p, "r1", "SF", "SF1"),
    "modify_refund": lambda m, p: m.modify_refund(p, "r1", 1, 1, "d"),
    "messages": lambda m, p: m.messages(p, "7", 10),
}


def test_every_port_method_has_a_dispatch_case_here():
    assert sorted(CALLS) == PORT_METHODS


def test_the_composite_is_a_marketplace():
    assert isinstance(Composite({A: Recording("a")}), P.Marketplace)


@pytest.mark.parametrize("method", PORT_METHODS)
def test_each_call_goes_to_its_platforms_adapter_only(method):
    alibaba, taobao = Recording("alibaba"), Recording("taobao")
    market = Composite({A: alibaba, T: taobao})
    assert CALLS[method](market, A) == f"alibaba:{method}"
    assert [m for m, _ in alibaba.calls] == [method] and taobao.calls == []
    assert CALLS[method](market, T) == f"taobao:{method}"
    assert [m for m, _ in taobao.calls] == [method] and len(alibaba.calls) == 1
    # the adapter gets the call's own arguments, unchanged
    direct = Recording("direct")
    CALLS[method](direct, A)
    assert alibaba.calls == direct.calls


def test_a_platform_without_an_adapter_is_an_error_the_caller_can_read():
    market = Composite({A: Recording("alibaba")})
    assert market.platforms == (A,)
    with pytest.raises(PlatformNotServed) as raised:
        market.order(T, "o1")
    assert isinstance(raised.value, P.MarketplaceError)
    assert raised.value.code == "PLATFORM_NOT_SERVED"


def test_the_name_says_which_adapters_serve():
    same = Recording("sandbox")
    assert Composite({A: same, T: same}).name == "sandbox"
    assert Composite({A: Recording("alibaba1688"), T: Recording("pandapon")}).name == (
        "alibaba1688+pandapon"
    )
