"""Fakes of the marketplace port for tests of what sits around it (the composite, bootstrap)."""

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
    """A fake adapter: implements every port method by recording the call."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _record(self, method: str, *args: Any) -> str:
        self.calls.append((method, args))
        return f"{self.name}:{method}"


for _method in PORT_METHODS:

    def _make(method: str) -> Callable[..., str]:
        def call(self: Recording, *args: Any) -> str:
            return self._record(method, *args)

        return call

    setattr(Recording, _method, _make(_method))
