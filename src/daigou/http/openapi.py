"""The OpenAPI document and the docs page.

- The signing headers (CONTRACT section 2) and the operator's bearer token are security schemes;
  each route names the ones it takes (``security_for``), so Swagger UI's "Authorize" and any
  generated client know them.
- Every answer is the envelope; an error is an envelope code (``Router(errors=...)``), never
  FastAPI's 422 (validation answers 40001 as HTTP 400), so no operation declares 422.
- Every operation carries an example: the answer's model's own ``examples`` when it has them,
  else one derived from its schema (``example_from_schema``); request bodies alike.
- ``/docs`` is Swagger UI served by the gateway itself from an installed package
  (``fastapi-offline`` ships Swagger UI 5's files), so it works offline.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from daigou.core.errors import ERROR_CODES

DOCS_STATIC = "/docs-static"
REQUEST_ID = "8f14e45fceea167a5a36dedd4bea2543"
DEVELOP_ID = "5498130872856765060"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "accessKey": {
        "type": "apiKey",
        "in": "header",
        "name": "access-key",
        "description": "the developer's key: 32 lowercase hex (CONTRACT section 2)",
    },
    "timestamp": {
        "type": "apiKey",
        "in": "header",
        "name": "timestamp",
        "description": "Unix time in milliseconds, within 600 s of the server's clock",
    },
    "nonceStr": {
        "type": "apiKey",
        "in": "header",
        "name": "nonce-str",
        "description": "8 to 64 of [A-Za-z0-9_-], never reused (pandapon dialect: optional, "
        "default `nonce-str`, never reused with the same timestamp)",
    },
    "signature": {
        "type": "apiKey",
        "in": "header",
        "name": "signature",
        "description": "uppercase hex: MD5 of the system parameters, or HMAC-SHA256 of method, "
        "path, query and body (CONTRACT section 2; header sign-method)",
    },
    "userId": {
        "type": "apiKey",
        "in": "header",
        "name": "user-id",
        "description": "optional: the main account's userId (or absent), or one of its "
        "sub-accounts to act as",
    },
    "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "the operator's token (DAIGOU_ADMIN_TOKEN; var/admin-token in dev mode)",
    },
}
SIGNED: dict[str, list[str]] = {"accessKey": [], "timestamp": [], "nonceStr": [], "signature": []}


def security_for(kind: str) -> list[dict[str, list[str]]]:
    """The security requirement of a route kind: signed (optionally as a sub-account), the
    operator's token, or none."""
    if kind == "signed":
        return [SIGNED, {**SIGNED, "userId": []}]
    if kind == "admin":
        return [{"adminToken": []}]
    return []


def error_example(code: int) -> dict[str, Any]:
    data: dict[str, Any] | None = None
    if code == 40001:
        data = {"errors": [{"field": "cargoParamList[0].quantity", "message": "must be >= 1"}]}
    elif code == 50201:
        data = {"upstreamCode": "ORDER_STATUS_ERROR", "upstreamMessage": "订单状态不允许此操作"}
    return {
        "requestId": REQUEST_ID,
        "code": code,
        "developId": None if code in (40100, 40101, 40102) else DEVELOP_ID,
        "msg": ERROR_CODES[code],
        "data": data,
    }


# --- examples derived from a schema -----------------------------------------------------------
NAMED: dict[str, Any] = {
    "currency": "CNY",
    "country": "en",
    "language": "en",
    "requestId": REQUEST_ID,
    "developId": DEVELOP_ID,
    "accessKey": "68e379b27d872c0d9b7ed1c3eddba82c",
    "platform": "1688",
    "offer_id": "612345678901",
    "variant": "0",
    "webSite": "1688",
    "keyword": "shirt",
    "sign-method": "HMAC-SHA256",
    "Idempotency-Key": "5f0c7d1e-3b7a-4c61-9d0e-2a8b6f4e1c93",
    "userName": "shop-vn",
    "fullName": "Lin Wei",
    "mobile": "13800000000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "余杭区",
    "address": "文一西路 969 号",
    "specId": "b3c5f0a1e2d4c6b8a0f1e2d3c4b5a697",
    "sellerOpenId": "b2b-221234567890abcdef",
    "reference": "BANK-2026-0001",
    "remark": "bank fee",
    "name": "Acme Trading",
    "callbackUrl": "https://erp.example.com/daigou/callbacks",
    "cancelReason": "buyerCancel",
    "messageId": "msg_01jb3k9q7w8x",
    "outOrderId": "my-first",
    "refundId": "TQ3893213748262019374",
}
ADDRESS = {
    "fullName": "Lin Wei",
    "mobile": "13800000000",
    "provinceText": "浙江省",
    "cityText": "杭州市",
    "areaText": "余杭区",
    "address": "文一西路 969 号",
}
LINE = {"offerId": "612345678901", "specId": "b3c5f0a1e2d4c6b8a0f1e2d3c4b5a697", "quantity": 2}
# the request bodies of the tour's calls, written out (others are derived from their schemas)
REQUEST_EXAMPLES: dict[tuple[str, str], Any] = {
    ("post", "/alibaba/order/create"): {
        "flow": "general",
        "addressParam": ADDRESS,
        "outOrderId": "my-first",
        "cargoParamList": [LINE],
    },
    ("post", "/alibaba/order/create/preview"): {
        "flow": "general",
        "addressParam": ADDRESS,
        "cargoParamList": [LINE],
    },
    ("post", "/alibaba/order/batch/create"): {
        "flow": "general",
        "addressParam": ADDRESS,
        "cargoParamList": [{**LINE, "sellerOpenId": "b2b-221234567890abcdef"}],
    },
    ("post", "/alibaba/order/batch/submit/to/pay"): {"orderIds": ["3893213748262019372"]},
    ("post", "/alibaba/order/pay/url"): {"orderIds": ["3893213748262019372"]},
    ("post", "/alibaba/order/detail"): {"orderId": "3893213748262019372"},
    ("post", "/alibaba/order/cancel"): {
        "orderId": "3893213748262019372",
        "cancelReason": "buyerCancel",
    },
    ("post", "/alibaba/order/receivegoods"): {"orderId": "3893213748262019372"},
    ("post", "/alibaba/product/keywords/query"): {
        "keyword": "shirt",
        "country": "en",
        "pageSize": 3,
    },
    ("post", "/alibaba/product/detail/get"): {"offerId": "612345678901", "country": "en"},
    ("post", "/open/product/item/search"): {"keyword": "shirt", "language": "en", "pageSize": 3},
    ("post", "/open/subaccount/addOrUpdate"): {"userName": "shop-vn"},
    ("post", "/alibaba/cart/add"): LINE,
    ("post", "/admin/wallet/adjust"): {
        "developId": DEVELOP_ID,
        "type": "adjustment",
        "amount": -1500,
        "reference": "FIX-1",
        "remark": "bank fee",
    },
    ("post", "/admin/sandbox/order/ship"): {"platform": 1, "orderId": "3893213748262019372"},
}
NO_EXAMPLE = {"cursor", "nextCursor"}  # an invented cursor is no cursor


def _named(name: str | None, kind: str) -> Any:
    if name is None:
        return None
    if name in NAMED:
        value = NAMED[name]
        return value if kind == "string" and isinstance(value, str) else None
    low = name.lower()
    if kind == "integer":
        if low.endswith("time") or low.endswith("_ms") or low.endswith("at"):
            return 1765000000000
        if "amount" in low or "fee" in low or "price" in low or "payment" in low:
            return 5980
        return None
    if kind == "string":
        if low.endswith("orderid"):
            return "3893213748262019372"
        if low.endswith("offerid") or low == "itemid":
            return "612345678901"
        if low.endswith("url"):
            return "http://127.0.0.1:8000/sandbox/images/1688/612345678901/0.jpg"
        if low.endswith("id"):
            return "1001"
    return None


class _Synth:
    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 20:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
            seen += 1
        return schema

    def value(
        self,
        schema: dict[str, Any],
        name: str | None = None,
        depth: int = 0,
        required_only: bool = False,
    ) -> Any:
        """An example of ``schema``: its own examples, else one made from its parts (a request's
        example keeps the required fields only: ``required_only``)."""
        if name in NO_EXAMPLE:
            return None
        own = schema
        for key in ("examples", "example"):
            if key in own:
                return own[key][0] if key == "examples" and own[key] else own[key]
        schema = self.resolve(schema)
        if "examples" in schema and schema["examples"]:
            return schema["examples"][0]
        if "example" in schema:
            return schema["example"]
        if "const" in schema:
            return schema["const"]
        if schema.get("default") is not None:
            return schema["default"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [b for b in schema[key] if self.resolve(b).get("type") != "null"]
                return self.value(branches[0], name, depth, required_only) if branches else None
        if "allOf" in schema:
            return self.value(schema["allOf"][0], name, depth, required_only)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if depth > 8:
                return {}
            wanted = set(schema.get("required", ())) if required_only else None
            return {
                prop: self.value(sub, prop, depth + 1, required_only)
                for prop, sub in schema.get("properties", {}).items()
                if wanted is None or prop in wanted
            }
        if kind == "array":
            if depth > 8:
                return []
            items = schema.get("items")
            singular = name[:-1] if name and name.endswith("s") else None  # orderIds: orderId
            return [self.value(items, singular, depth + 1, required_only)] if items else []
        named = _named(name, kind or "")
        if named is not None:
            return named
        if kind == "integer":
            return max(int(schema.get("minimum", 1)), 1) if "minimum" in schema else 1
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        if kind == "string":
            if schema.get("format") == "binary":
                return None
            literal = re.fullmatch(r"\^(\w+)\$", schema.get("pattern", ""))
            if literal:
                return literal.group(1)
            length = max(int(schema.get("minLength", 0)), 6)
            return "sample"[:length].ljust(length, "x")
        return None


def example_from_schema(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    return _Synth(components).value(schema)


def _envelope_example(data: Any) -> dict[str, Any]:
    return {
        "requestId": REQUEST_ID,
        "code": 200,
        "developId": DEVELOP_ID,
        "msg": "success",
        "data": data,
    }


def finish_document(doc: dict[str, Any]) -> dict[str, Any]:
    """422s out, security schemes in, an example on every operation."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    synth = _Synth(schemas)
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            op["responses"].pop("422", None)
            for param in op.get("parameters", []):
                if "example" not in param and "examples" not in param:
                    value = synth.value(param.get("schema", {}), param.get("name"))
                    if value is not None:
                        param["example"] = value
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "example" not in body and "examples" not in body:
                written = REQUEST_EXAMPLES.get((method, path))
                schema = body.get("schema", {})
                body["example"] = written or synth.value(schema, required_only=True)
            for status, response in op["responses"].items():
                error = response.get("content", {}).get("application/json")
                codes = re.findall(r"\b(\d{5})\b", response.get("description", ""))
                if status != "200" and error is not None and "example" not in error and codes:
                    error["example"] = error_example(int(codes[0]))
            ok = op["responses"].get("200", {}).get("content", {}).get("application/json")
            if ok is not None and "example" not in ok and "examples" not in ok:
                envelope = synth.resolve(ok.get("schema", {}))
                data = envelope.get("properties", {}).get("data", {})
                ok["example"] = _envelope_example(synth.value(data, "data"))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def install_openapi(app: FastAPI) -> None:
    """The app's /openapi.json is the finished document (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish_document(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def swagger_static_dir() -> Path:
    """Swagger UI's files from the installed ``fastapi-offline`` package."""
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("fastapi-offline is not installed (pip install fastapi-offline)")
    return Path(spec.origin).parent / "static"


def install_docs(app: FastAPI, docs_url: str = "/docs") -> None:
    """Swagger UI at ``docs_url``, its JavaScript and CSS served by the gateway itself."""
    app.mount(DOCS_STATIC, StaticFiles(directory=swagger_static_dir()), name="docs-static")

    @app.get(docs_url, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API reference",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
        )
