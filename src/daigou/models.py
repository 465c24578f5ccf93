"""Every table of the gateway, for Alembic and for tools that need the whole metadata."""

from __future__ import annotations

from sqlalchemy import MetaData

from daigou.db.base import Base


def import_all_models() -> MetaData:
    """Import every module that declares tables; return the complete metadata."""
    import daigou.addresses.models  # noqa: F401
    import daigou.aftersales.models  # noqa: F401
    import daigou.cart1688.models  # noqa: F401
    import daigou.carttaobao.models  # noqa: F401
    import daigou.developers.models  # noqa: F401
    import daigou.feed.models  # noqa: F401
    import daigou.http.models  # noqa: F401
    import daigou.marketplace.alibaba1688.inbox  # noqa: F401
    import daigou.marketplace.alibaba1688.tokens  # noqa: F401
    import daigou.marketplace.calls  # noqa: F401
    import daigou.marketplace.pandapon.inbox  # noqa: F401
    import daigou.marketplace.sandbox.image_index  # noqa: F401
    import daigou.marketplace.sandbox.models  # noqa: F401
    import daigou.marketplace.sandbox.seller_models  # noqa: F401
    import daigou.messages.models  # noqa: F401
    import daigou.orderstaobao.models  # noqa: F401
    import daigou.purchasing.models  # noqa: F401
    import daigou.rates.models  # noqa: F401
    import daigou.reconcile.models  # noqa: F401
    import daigou.wallet.models  # noqa: F401
    import daigou.warehouse.models  # noqa: F401

    return Base.metadata
