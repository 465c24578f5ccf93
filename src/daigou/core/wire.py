"""Field types shared by request schemas (CONTRACT section 5)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints


def _id_as_string(value: Any) -> Any:
    """Ids are sent as strings and accepted as strings or integers (never booleans)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


#: an order, offer, item or line id: 1 to 19 decimal digits, string or integer on input
DecimalId = Annotated[
    str, BeforeValidator(_id_as_string), StringConstraints(pattern=r"^[0-9]{1,19}$")
]
