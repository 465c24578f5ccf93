"""The OpenAPI document is something a client generator and a newcomer can rely on: every
answer's `data` is typed, no operation declares a status the gateway never answers (422), every
operation carries an example, the signing headers and the admin token are security schemes, and
/docs works without the internet (its JavaScript comes from the gateway itself)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from daigou.app import create_app
from tests.support.gateway import make_settings


@pytest.fixture(scope="module")
def client() -> TestClient:
    tmp = Path(tempfile.mkdtemp(prefix="daigou-doc-"))
    app = create_app(
        make_settings(tmp, f"sqlite:///{tmp}/unused.sqlite3", sandbox_load_on_start=False),
        worker=False,
    )
    return TestClient(app)


@pytest.fixture(scope="module")
def doc(client: TestClient) -> dict[str, Any]:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def untyped(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An object that says nothing of its fields (`dict[str, Any]`, `object`), or no type."""
    schema = resolve(doc, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return any(untyped(doc, s) for s in schema[key] if s.get("type") != "null")
    if schema.get("type") == "array":
        return untyped(doc, schema.get("items", {}))
    if schema.get("type") in ("string", "integer", "number", "boolean", "null"):
        return False
    return not schema.get("properties")


def json_ok(op: dict[str, Any]) -> dict[str, Any] | None:
    return op["responses"].get("200", {}).get("content", {}).get("application/json")


def test_every_answer_declares_a_typed_data(doc):
    bad = []
    for method, path, op in operations(doc):
        ok = json_ok(op)
        if ok is None:
            continue  # a picture
        envelope = resolve(doc, ok["schema"])
        data = envelope["properties"]["data"]
        if untyped(doc, data):
            bad.append(f"{method} {path}")
    assert not bad, f"untyped data: {bad}"
    # the 1688 order is described field by field, down to its lines and parcels
    order = doc["components"]["schemas"]["Order1688"]
    assert {"baseInfo", "productItems", "nativeLogistics", "gatewayInfo"} <= set(
        order["properties"]
    )
    pay = doc["components"]["schemas"]["BulkPayOut"]
    assert set(pay["properties"]) == {"successOrderIds", "payFailOrders", "results", "batchId"}
    item = resolve(doc, doc["components"]["schemas"]["PayResultItem"])
    assert {"index", "key", "success", "code", "msg", "orderId", "reasonCode"} <= set(
        item["properties"]
    )
    assert "errorCode" in resolve(doc, doc["components"]["schemas"]["PayFailOrder"])["properties"]


def test_no_operation_declares_a_status_the_gateway_never_answers(doc):
    with_422 = [f"{m} {p}" for m, p, op in operations(doc) if "422" in op["responses"]]
    assert not with_422
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for method, path, op in operations(doc):
        for status, response in op["responses"].items():
            if status == "200":
                continue
            codes = [int(c) for c in re.findall(r"\b(\d{5})\b", response["description"])]
            assert codes, f"{method} {path} {status}: no envelope code named"
            assert all(c // 100 == int(status) for c in codes), (method, path, status)


def test_every_operation_has_an_example_and_examples_match_their_schemas(doc):
    missing = []
    for method, path, op in operations(doc):
        ok = json_ok(op)
        if ok is not None:
            if "example" not in ok:
                missing.append(f"{method} {path}: answer")
                continue
            schema = {**resolve(doc, ok["schema"]), "components": doc["components"]}
            validator = jsonschema_rs.validator_for(schema)
            errors = [e.message for e in validator.iter_errors(ok["example"])]
            assert not errors, f"{method} {path}: example does not match: {errors[:3]}"
        else:
            params = op.get("parameters", [])
            if not params or not all("example" in p for p in params):
                missing.append(f"{method} {path}: parameters")
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            if "example" not in body:
                missing.append(f"{method} {path}: request body")
                continue
            schema = {**resolve(doc, body["schema"]), "components": doc["components"]}
            errors = [
                e.message for e in jsonschema_rs.validator_for(schema).iter_errors(body["example"])
            ]
            assert not errors, f"{method} {path}: request example does not match: {errors[:3]}"
        for status, response in op["responses"].items():
            if status != "200" and "example" not in response["content"]["application/json"]:
                missing.append(f"{method} {path}: {status}")
    assert not missing, missing


def test_the_signing_headers_and_the_admin_token_are_security_schemes(doc):
    schemes = doc["components"]["securitySchemes"]
    headers = {s["name"] for s in schemes.values() if s["type"] == "apiKey"}
    assert headers == {"access-key", "timestamp", "nonce-str", "signature", "user-id"}
    assert schemes["adminToken"] == {**schemes["adminToken"], "type": "http", "scheme": "bearer"}
    for method, path, op in operations(doc):
        names = {name for requirement in op.get("security", []) for name in requirement}
        if path.startswith("/admin/"):
            assert names == {"adminToken"}, (method, path)
        elif path.startswith(("/open/", "/alibaba/")):
            assert {"accessKey", "timestamp", "nonceStr", "signature"} <= names, (method, path)
            assert op["security"][0] == {
                "accessKey": [],
                "timestamp": [],
                "nonceStr": [],
                "signature": [],
            }
        else:
            assert not names, (method, path)
        # the security headers are not repeated as parameters
        params = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
        assert not params & {"access-key", "signature", "authorization", "user-id"}


def test_docs_load_swagger_ui_from_the_gateway_itself(client):
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link type="text/css" rel="stylesheet" href="([^"]+)"', page.text)
    assert sources and styles
    for url in sources + styles:
        assert url.startswith("/"), f"{url} is not served by the gateway"
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 10_000, url
    assert "cdn" not in page.text.lower()
    bundle = client.get(sources[0]).text
    assert "oas31" in bundle.lower() or "OpenAPI31" in bundle, "Swagger UI 5 reads OpenAPI 3.1"
