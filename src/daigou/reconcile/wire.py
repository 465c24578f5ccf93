"""The answers of the operator's reconciliation routes (12.13, 12.14) for the OpenAPI document
(the service builds the same fields as dicts: ``operation_out``, ``Settled``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from daigou.core.pagination import PageOut


class OperationOut(BaseModel):
    """A marketplace write whose outcome is unknown (CONTRACT section 8)."""

    operationId: str
    objectType: str = Field(description="order1688, orderTaobao, payment or refund")
    objectId: str
    operation: str = Field(description="create, pay or cancel")
    developId: str | None = None
    state: str
    startedTime: int
    attempts: int
    nextCheckTime: int
    lastError: str | None = None


class OperationPage(PageOut[OperationOut]):
    """12.13: open operations, oldest first."""


class ReconcileRunOut(BaseModel):
    """12.14: what the marketplace said, and the object as it now stands."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"outcome": "succeeded", "object": None}]}
    )
    outcome: str = Field(description="succeeded, failed or unknown")
    object: dict[str, Any] | None = Field(
        default=None, description="the settled object's wire view (e.g. Order1688)"
    )
