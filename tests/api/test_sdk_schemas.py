"""The SDK's TypedDicts are generated from the OpenAPI document (`make sdk`) and checked in:
this fails when they no longer match the document (run `make sdk` and commit the result)."""

from __future__ import annotations

from daigou.sdk_schemas import TARGET, document, generate


def test_the_checked_in_sdk_schemas_match_the_document():
    doc = document()
    assert generate(doc) == TARGET.read_text(), "stale: run `make sdk` and commit the result"
    # every answer the SDK types is described in the document it came from
    import daigou_sdk.schemas as S

    for name in ("Order1688", "BulkPayOut", "PayResultItem", "OrderCreated", "TraceOut"):
        assert name in doc["components"]["schemas"] and hasattr(S, name)
