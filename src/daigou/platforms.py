"""The platforms the purchasing and after-sales cores serve, made known to them: each
platform's profiles, and the cores' settlers registered for their operations. Called by the
composition root (and by tools and tests that use the cores without an app); registering twice
is harmless."""

from __future__ import annotations

from daigou.aftersales import profile as refund_profiles
from daigou.aftersales import writes as refund_writes
from daigou.purchasing import profile as profiles
from daigou.purchasing import settlers as core_settlers
from daigou.reconcile.service import Settlers


def register_platforms(settlers: Settlers | None = None) -> Settlers:
    from daigou.orders1688.profile import PROFILE as PROFILE_1688
    from daigou.orderstaobao.profile import PROFILE as PROFILE_TAOBAO
    from daigou.orderstaobao.settlers import reconcile_create as taobao_create
    from daigou.refunds1688.profile import PROFILE as REFUNDS_1688
    from daigou.refundstaobao.profile import PROFILE as REFUNDS_TAOBAO

    settlers = settlers or Settlers()
    for profile in (PROFILE_1688, PROFILE_TAOBAO):
        profiles.register(profile)
    core_settlers.register(settlers, PROFILE_1688)
    # a Taobao shop's create that was never made leaves its purchase order
    core_settlers.register(settlers, PROFILE_TAOBAO, create=taobao_create)
    # their refunds: the after-sales core's profiles, and its settler of every refund write
    for refunds in (REFUNDS_1688, REFUNDS_TAOBAO):
        refund_profiles.register(refunds)
        refund_writes.register(settlers, refunds)
    return settlers
