"""The reconciler of a test's app (its marketplace, clock and registered settlers)."""

from __future__ import annotations

from typing import Any

from daigou.reconcile.service import Reconciler


def reconciler_of(app: Any, db: Any) -> Reconciler:
    return Reconciler(db, app.state.marketplace, app.state.clock, app.state.settlers)
