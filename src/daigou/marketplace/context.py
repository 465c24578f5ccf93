"""Who a marketplace call is made for: a context the gateway sets around its calls.

Real adapters buy with one account and ignore it; the call log records it beside each attempt,
and the sandbox scopes injected faults by it. It is not part of the port (the port's methods
carry what the marketplace needs), so it lives beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ACTING_FOR: ContextVar[str | None] = ContextVar("marketplace_acting_for", default=None)


@contextmanager
def acting_for(develop_id: str | None) -> Iterator[None]:
    """Marks the marketplace calls made inside as made for one developer."""
    token = _ACTING_FOR.set(develop_id)
    try:
        yield
    finally:
        _ACTING_FOR.reset(token)


def acting_developer() -> str | None:
    return _ACTING_FOR.get()
