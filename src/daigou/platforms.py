"""The platforms the purchasing core serves, made known to it: each platform's profile, and the
core's settlers registered for its operations. Called by the composition root (and by tools and
tests that use the core without an app); registering twice is harmless."""

from __future__ import annotations

from daigou.purchasing import profile as profiles
from daigou.purchasing import settlers as core_settlers
from daigou.reconcile.service import Settlers


def register_platforms(settlers: Settlers | None = None) -> Settlers:
    from daigou.orders1688.profile import PROFILE as PROFILE_1688
    from daigou.orderstaobao.profile import PROFILE as PROFILE_TAOBAO
    from daigou.orderstaobao.settlers import reconcile_create as taobao_create

    settlers = settlers or Settlers()
    for profile in (PROFILE_1688, PROFILE_TAOBAO):
        profiles.register(profile)
    core_settlers.register(settlers, PROFILE_1688)
    # a Taobao shop's create that was never made leaves its purchase order
    core_settlers.register(settlers, PROFILE_TAOBAO, create=taobao_create)
    return settlers
