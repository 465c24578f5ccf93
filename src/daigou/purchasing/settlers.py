"""The core's settlers, registered per platform: what the reconciler calls to settle a pay, a
cancel or a create whose outcome is unknown (``(object type, operation) -> settler``)."""

from __future__ import annotations

from daigou.purchasing import actions, creates, payments
from daigou.purchasing.profile import Profile
from daigou.reconcile.service import Settler, Settlers


def register(settlers: Settlers, profile: Profile, *, create: Settler | None = None) -> None:
    """The core's settlers of ``profile``'s operations; ``create`` replaces the core's create
    settler (a platform that learns more from a create's outcome wraps it)."""
    settlers.register(profile.object_type, "pay", payments.reconcile_pay)
    settlers.register(profile.object_type, "cancel", actions.reconcile_cancel)
    settlers.register(profile.object_type, "create", create or creates.reconcile_create)
