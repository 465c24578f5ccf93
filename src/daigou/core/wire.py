"""Field types shared by request schemas (CONTRACT section 5).

Every integer a request carries is bounded (at most a signed 64-bit integer, usually much less),
so no value can overflow a database column or a computation: out of range answers 40001. Query
parameters arrive as text and use the lax types; JSON bodies use the ``Strict`` ones (a float or
a numeric string is refused).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictInt, StringConstraints

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_PAGE_NO = 1_000_000
MAX_PAGE_SIZE = 100

#: any integer of a request, lax (a query parameter): a signed 64-bit integer
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
#: any integer of a JSON body: a signed 64-bit integer, never a float or a string
StrictInt64 = Annotated[StrictInt, Field(ge=INT64_MIN, le=INT64_MAX)]
#: pageNo (1-based) of a query string or a body
PageNo = Annotated[int, Field(ge=1, le=MAX_PAGE_NO)]
StrictPageNo = Annotated[StrictInt, Field(ge=1, le=MAX_PAGE_NO)]
#: pageSize (CONTRACT section 6: at most 100)
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
StrictPageSize = Annotated[StrictInt, Field(ge=1, le=MAX_PAGE_SIZE)]


def _id_as_string(value: Any) -> Any:
    """Ids are sent as strings and accepted as strings or integers (never booleans)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


#: an order, offer, item or line id: 1 to 19 decimal digits, string or integer on input
DecimalId = Annotated[
    str, BeforeValidator(_id_as_string), StringConstraints(pattern=r"^[0-9]{1,19}$")
]


def json_text(value: Any) -> Any:
    """JSON<T>: a JSON string is decoded first; anything else is taken as T itself."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValueError("not valid JSON") from exc
    return value
