"""The core's settlers, registered per platform: what the reconciler calls to settle a pay, a
cancel or a create whose outcome is unknown (``(object type, operation) -> settler``)."""

from __future__ import annotations

from daigou.purchasing import actions, creates, payments
from daigou.purchasing.profile import Profile
from daigou.reconcile.service import Settlers


def register(settlers: Settlers, profile: Profile) -> None:
    settlers.register(profile.object_type, "pay", payments.reconcile_pay)
    settlers.register(profile.object_type, "cancel", actions.reconcile_cancel)
    settlers.register(profile.object_type, "create", creates.reconcile_create)
