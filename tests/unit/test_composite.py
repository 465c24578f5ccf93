"""The composite marketplace (``daigou.marketplace.composite``): every port call goes to the
adapter of the platform it names, and only there."""

from __future__ import annotations

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.composite import Composite, PlatformNotServed
from tests.support.fakes import PORT_CALLS, PORT_METHODS, Recording

A, T = P.Platform.ALIBABA, P.Platform.TAOBAO


def test_every_port_method_has_a_call_to_drive_it():
    assert sorted(PORT_CALLS) == PORT_METHODS


def test_the_composite_is_a_marketplace():
    assert isinstance(Composite({A: Recording("a")}), P.Marketplace)


@pytest.mark.parametrize("method", PORT_METHODS)
def test_each_call_goes_to_its_platforms_adapter_only(method):
    alibaba, taobao = Recording("alibaba"), Recording("taobao")
    market = Composite({A: alibaba, T: taobao})
    assert PORT_CALLS[method](market, A) == f"alibaba:{method}"
    assert [c[0] for c in alibaba.calls] == [method] and taobao.calls == []
    assert PORT_CALLS[method](market, T) == f"taobao:{method}"
    assert [c[0] for c in taobao.calls] == [method] and len(alibaba.calls) == 1
    # the adapter gets the call's own arguments, unchanged
    direct = Recording("direct")
    PORT_CALLS[method](direct, A)
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
