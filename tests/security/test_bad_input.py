"""Bad input never answers 500 and always answers the envelope: integers past 64 bits on every
integer field of every route (built from the OpenAPI document), LIKE wildcards in searches,
HEAD, trailing slashes, unknown methods, bodies that are not JSON."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from daigou.core.wire import INT64_MAX, INT64_MIN
from tests.support import signing
from tests.support.api import assert_envelope, assert_error, assert_ok, field_names
from tests.support.gateway import ADMIN_TOKEN

BIG = [2**63, 2**64, -(2**63) - 1]


@pytest.fixture
def rich(api):
    return api.create_developer(topup=100_000, rateLimitPerMinute=1_000_000)


# --- the four reported ones ---------------------------------------------------------------------
@pytest.mark.parametrize("value", BIG)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/alibaba/product/keywords/query", {"keyword": "shirt"}),
        ("/alibaba/product/query/selleroffer", {"sellerOpenId": "x"}),
        ("/alibaba/product/recommend/query", {}),
        ("/alibaba/product/category/get", {}),
    ],
)
def test_a_category_id_past_64_bits_answers_40001(api, rich, path, body, value):
    for category in (value, str(value)):
        r = api.call(rich, "POST", path, body={**body, "categoryId": category})
        assert field_names(assert_error(r, 40001)) == ["categoryId"], r.text


@pytest.mark.parametrize("value", BIG)
def test_page_no_past_64_bits_answers_40001_on_the_reconcile_list(api, value):
    r = api.admin("GET", "/admin/reconcile/list", params={"pageNo": value})
    assert field_names(assert_error(r, 40001)) == ["pageNo"]


# --- every integer field of every route, from the OpenAPI document ------------------------------
def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _variants(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(doc, schema)
    subs = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if subs:
        return [v for sub in subs for v in _variants(doc, sub)]
    return [schema]


def _example(doc: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A small value the schema accepts (good enough to get past validation mostly)."""
    variants = [v for v in _variants(doc, schema) if v.get("type") != "null"] or [{}]
    s = variants[0]
    if "enum" in s:
        return s["enum"][0]
    if "const" in s:
        return s["const"]
    kind = s.get("type")
    if kind == "integer":
        return max(int(s.get("minimum", 1)), 1) if s.get("minimum", 1) <= 1 else int(s["minimum"])
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "string":
        pattern = s.get("pattern", "")
        if pattern and not re.fullmatch(pattern, "1"):
            return None
        return "1" * max(1, int(s.get("minLength", 1)))
    if kind == "array":
        return [_example(doc, s.get("items", {}), depth + 1)] * int(s.get("minItems", 0))
    if kind == "object" or "properties" in s:
        if depth > 4:
            return {}
        return {
            name: _example(doc, sub, depth + 1)
            for name, sub in s.get("properties", {}).items()
            if name in s.get("required", [])
        }
    return "1"


def _integer_paths(doc, schema, path=()):
    """Every JSON path (tuple of names, '[]' for an array item) to an integer in `schema`."""
    for s in _variants(doc, schema):
        kind = s.get("type")
        if kind == "integer" and "enum" not in s:
            yield path
        elif kind == "array":
            yield from _integer_paths(doc, s.get("items", {}), (*path, "[]"))
        elif (kind == "object" or "properties" in s) and len(path) < 5:
            for name, sub in s.get("properties", {}).items():
                yield from _integer_paths(doc, sub, (*path, name))


def _put(body: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "[]":
        inner = body[0] if isinstance(body, list) and body else {}
        return [_put(inner, rest, value)]
    out = dict(body) if isinstance(body, dict) else {}
    out[head] = _put(out.get(head, {}), rest, value)
    return out


def _cases(doc: dict[str, Any]) -> list[tuple[str, str, str, tuple[str, ...], dict[str, Any]]]:
    cases = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                if param.get("in") == "query":
                    for p in _integer_paths(doc, param.get("schema", {})):
                        cases.append((method.upper(), path, "query", (param["name"], *p), {}))
            content = (op.get("requestBody") or {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema:
                base = _example(doc, schema)
                for p in dict.fromkeys(_integer_paths(doc, schema)):
                    cases.append((method.upper(), path, "body", p, base))
    return cases


def test_every_integer_field_carries_64_bit_bounds_in_the_openapi_document(app):
    doc = app.openapi()
    unbounded = []
    for method, path, where, field, _ in _cases(doc):
        op = doc["paths"][path][method.lower()]
        schemas = [p.get("schema", {}) for p in op.get("parameters", []) if p["name"] == field[0]]
        if where == "body":
            schemas = [op["requestBody"]["content"]["application/json"]["schema"]]
        for s in schemas:
            for integer in _integer_schemas(doc, s, field if where == "body" else field[1:]):
                low, high = integer.get("minimum"), integer.get("maximum")
                if low is None or high is None or low < INT64_MIN or high > INT64_MAX + 1:
                    unbounded.append(f"{method} {path} {'.'.join(field)}")
    assert unbounded == [], unbounded


def _integer_schemas(doc, schema, path):
    for s in _variants(doc, schema):
        if not path:
            if s.get("type") == "integer":
                yield s
            continue
        head, rest = path[0], path[1:]
        if head == "[]" and s.get("type") == "array":
            yield from _integer_schemas(doc, s.get("items", {}), rest)
        elif head in s.get("properties", {}):
            yield from _integer_schemas(doc, s["properties"][head], rest)


def test_integers_past_64_bits_on_every_route_answer_an_envelope_never_500(app, api, rich):
    doc = app.openapi()
    cases = _cases(doc)
    assert len(cases) > 20
    failures = []
    for method, path, where, field, base in cases:
        if "{" in path:
            continue
        for value in BIG:
            if where == "query":
                params = {field[0]: value}
                r = _call(api, rich, method, path, params=params)
            else:
                r = _call(api, rich, method, path, body=_put(base, field, value))
            body = assert_envelope(r)
            if r.status_code >= 500 or body["code"] >= 50000:
                failures.append((method, path, ".".join(field), value, r.text[:200]))
    assert failures == [], failures


def _call(api, dev, method, path, params=None, body=None):
    if path.startswith("/admin/"):
        return api.admin(method, path, body=body, params=params)
    if path in ("/healthz", "/readyz"):
        return api.http.request(method, path, params=params)
    return api.call(dev, method, path, params=params, body=body)


# --- LIKE wildcards -------------------------------------------------------------------------
def test_the_operators_developer_search_matches_wildcards_literally(api):
    for name in ("alpha_one", "beta%two", "gamma\\three", "delta"):
        api.create_developer(name=name)

    def found(keyword):
        page = assert_ok(api.admin("GET", "/admin/developer/list", params={"keyword": keyword}))
        return sorted(d["name"] for d in page["data"])

    assert found("_") == ["alpha_one"]
    assert found("%") == ["beta%two"]
    assert found("\\") == ["gamma\\three"]
    assert found("a_o") == ["alpha_one"]
    assert found("ta") == ["beta%two", "delta"]


# --- HTTP edges --------------------------------------------------------------------------------
def test_head_is_served_for_get_routes_without_a_body(client, api, rich):
    r = client.head("/healthz")
    assert r.status_code == 200 and r.content == b"" and r.headers["x-request-id"]
    headers = signing.headers(rich.access_key, rich.secret, "HEAD", "/open/account/balance")
    r = client.head("/open/account/balance", headers=headers)
    assert r.status_code == 200 and r.content == b""
    # signed as GET but sent as HEAD: the signature covers the method actually used
    headers = signing.headers(rich.access_key, rich.secret, "GET", "/open/account/balance")
    assert client.head("/open/account/balance", headers=headers).status_code == 401


def test_a_trailing_slash_reaches_the_same_route_signed_as_sent(client, api, rich):
    assert_ok(client.get("/healthz/"))
    headers = signing.headers(rich.access_key, rich.secret, "GET", "/open/account/balance/")
    data = assert_ok(client.get("/open/account/balance/", headers=headers))
    assert "availableAmount" in str(data)
    r = client.get("/open/no/such/thing/")
    assert_error(r, 40401)


@pytest.mark.parametrize("method", ["PROPFIND", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_an_unknown_or_untaken_method_answers_the_envelope(client, method):
    r = client.request(method, "/healthz")
    assert r.status_code != 500
    assert_error(r, 40401)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_json_sent_as_another_content_type_answers_40002_not_a_validation_error(
    client, content_type
):
    r = client.post(
        "/admin/developer/create",
        content=b'{"name": "x"}',
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "content-type": content_type},
    )
    body = assert_error(r, 40002)
    assert "application/json" in body["msg"]


def test_json_content_types_with_parameters_or_suffixes_are_accepted(client):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        r = client.post(
            "/admin/developer/create",
            content=b'{"name": "x"}',
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "content-type": content_type},
        )
        assert_ok(r)


def test_invalid_json_still_answers_40002(client):
    r = client.post(
        "/admin/developer/create",
        content=b'{"name": ',
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"},
    )
    assert_error(r, 40002)


def test_wrong_admin_tokens_are_throttled_per_client_address(app):
    wrong = {"Authorization": "Bearer " + "w" * 40}
    right = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    limit = app.state.settings.admin_auth_failures_per_minute
    # no `with`: both clients share the app without running its lifespan twice
    attacker = TestClient(app, client=("203.0.113.7", 5000))
    for _ in range(limit):
        assert_error(attacker.get("/admin/developer/list", headers=wrong), 40101)
    r = attacker.get("/admin/developer/list", headers=wrong)
    body = assert_error(r, 42901)
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert body["data"]["retryAfter"] == int(r.headers["retry-after"])
    # while blocked, even the right token is refused: guessing gains nothing
    assert_error(attacker.get("/admin/developer/list", headers=right), 42901)
    operator = TestClient(app, client=("198.51.100.9", 5000))
    assert_ok(operator.get("/admin/developer/list", headers=right))
