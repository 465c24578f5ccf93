"""CONTRACT sections 1 and 4: the envelope on success and on every error, validation (40001 with
JSON-path fields), malformed and oversized bodies (40002), unknown routes (40401), internal
errors (50001) and that no trace ever reaches a response."""

from __future__ import annotations

import asyncio
import json

from tests.support.api import (
    REQUEST_ID_RE,
    assert_envelope,
    assert_error,
    assert_ok,
    field_names,
    plain_logs,
)
from tests.support.gateway import ADMIN_TOKEN

MIB = 1_048_576
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}


def test_success_envelope_has_the_five_fields_and_the_request_id_header(api, dev):
    r = api.call(dev, "GET", "/open/account/balance")
    data = assert_ok(r)
    body = r.json()
    assert body["developId"] == dev.develop_id
    assert data["availableAmount"] == 100_000
    assert r.headers["content-type"].startswith("application/json")
    # public and admin endpoints: developId is null
    r = api.http.get("/healthz")
    assert assert_ok(r) == {"status": "ok"} and r.json()["developId"] is None
    r = api.admin("GET", "/admin/developer/list")
    assert_ok(r)
    assert r.json()["developId"] is None


def test_every_response_gets_a_fresh_request_id(api, dev):
    ids = {
        assert_envelope(api.call(dev, "GET", "/open/account/balance"))["requestId"]
        for _ in range(3)
    }
    ids |= {assert_envelope(api.http.get("/nowhere"))["requestId"] for _ in range(2)}
    assert len(ids) == 5 and all(REQUEST_ID_RE.match(i) for i in ids)


def test_validation_errors_are_40001_with_json_path_fields(api, dev):
    cases = [
        ("/admin/developer/create", {"name": "n" * 129}, "name"),
        ("/admin/developer/create", {}, "name"),
        (
            "/admin/developer/create",
            {"name": "x", "rateLimitPerMinute": "10"},
            "rateLimitPerMinute",
        ),
        ("/admin/developer/create", {"name": "x", "hmacOnly": "yes"}, "hmacOnly"),
        ("/admin/developer/create", {"name": "x", "contactEmail": "not-an-email"}, "contactEmail"),
    ]
    base = {"developId": dev.develop_id, "type": "topup", "reference": "r-1"}
    for amount in (633.69, "633.69", 633.0, "63369", None, True):
        cases.append(("/admin/wallet/adjust", {**base, "amount": amount}, "amount"))
    cases.append(("/admin/wallet/adjust", {**base, "amount": 1, "type": "gift"}, "type"))
    for path, payload, field in cases:
        r = api.admin("POST", path, payload)
        assert r.json()["code"] == 40001, (path, payload, r.text)
        body = assert_error(r, 40001)
        assert field in field_names(body), (payload, body)
        assert all(isinstance(e["message"], str) and e["message"] for e in body["data"]["errors"])
    # nothing was moved by the refused amounts
    assert assert_ok(api.call(dev, "GET", "/open/account/balance"))["availableAmount"] == 100_000


def test_query_validation_on_a_signed_endpoint_names_the_parameter(api, dev):
    for params, field in (
        ({"pageSize": 101}, "pageSize"),
        ({"pageSize": "ten"}, "pageSize"),
        ({"type": "bogus"}, "type"),
        ({"orderId": "12ab"}, "orderId"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ):
        r = api.call(dev, "GET", "/open/account/ledger", params=params)
        assert r.json()["code"] == 40001, (params, r.text)
        assert field in field_names(assert_error(r, 40001)), (params, r.text)
    # auth failures are answered before query validation
    r = api.call(dev, "GET", "/open/account/ledger", params={"pageSize": 101}, timestamp="1")
    assert_error(r, 40103)


def test_body_that_is_not_an_object_is_40001_at_the_root(api):
    r = api.admin("POST", "/admin/developer/create", ["name"])
    body = assert_error(r, 40001)
    assert field_names(body) == ["$"]


def test_malformed_json_answers_40002(api, dev):
    for raw in (b"{not json", b'{"name": "x",}', b"\xff\xfe", b'{"name": "x"'):
        r = api.http.post("/admin/developer/create", content=raw, headers=ADMIN)
        assert r.json()["code"] == 40002, (raw, r.text)
        assert_error(r, 40002)
    # on a signed endpoint too (correctly signed bytes that are not JSON)
    r = api.call(dev, "POST", "/open/subaccount/addOrUpdate", raw=b"{oops")
    assert_error(r, 40002)


def _padded_create(size: int) -> bytes:
    head = b'{"name": "big", "remark": "r"}'
    return head[:-1] + b" " * (size - len(head)) + b"}"


def test_body_over_one_mib_answers_40002_with_content_length(api):
    r = api.http.post("/admin/developer/create", content=_padded_create(MIB + 1), headers=ADMIN)
    assert_error(r, 40002)
    # exactly the limit is accepted
    r = api.http.post("/admin/developer/create", content=_padded_create(MIB), headers=ADMIN)
    assert assert_ok(r)["developId"]


def test_body_over_one_mib_answers_40002_without_content_length(app):
    """Chunked upload, no content-length: the limit is enforced while reading."""

    async def run(chunks: list[bytes]) -> tuple[int, dict[str, str], bytes]:
        pending = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
        pending.append({"type": "http.request", "body": b"", "more_body": False})
        sent: list[dict] = []

        async def receive():
            return pending.pop(0) if pending else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/admin/developer/create",
            "raw_path": b"/admin/developer/create",
            "query_string": b"",
            "root_path": "",
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
            "headers": [
                (b"host", b"testserver"),
                (b"content-type", b"application/json"),
                (b"transfer-encoding", b"chunked"),
                (b"authorization", f"Bearer {ADMIN_TOKEN}".encode()),
            ],
        }
        await app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], headers, body

    payload = _padded_create(MIB + 10)
    chunks = [payload[i : i + 65_536] for i in range(0, len(payload), 65_536)]
    status, headers, raw = asyncio.run(run(chunks))
    body = json.loads(raw)
    assert (status, body["code"]) == (400, 40002)
    assert headers["x-request-id"] == body["requestId"]
    # the same, just under the limit, is accepted
    payload = _padded_create(MIB)
    status, _, raw = asyncio.run(
        run([payload[i : i + 65_536] for i in range(0, len(payload), 65_536)])
    )
    assert (status, json.loads(raw)["code"]) == (200, 200)


def test_unknown_path_or_method_answers_40401(api, dev):
    for r in (
        api.http.get("/nowhere"),
        api.http.get("/open/no/such/endpoint"),
        api.http.post("/admin/nothing", content=b"{}", headers=ADMIN),
        api.http.delete("/open/account/balance"),
        api.http.get("/open/subaccount/addOrUpdate"),
    ):
        assert r.json()["code"] == 40401, (r.request.url, r.text)
        body = assert_error(r, 40401)
        assert body["developId"] is None


def test_internal_error_answers_50001_without_a_trace(api, dev, monkeypatch, capsys):
    import daigou.developers.service as developers
    import daigou.wallet.service as wallet

    def boom(*args, **kwargs):
        raise RuntimeError("SECRET-DETAIL in /work/main/src/daigou: SELECT * FROM api_key")

    monkeypatch.setattr(wallet, "get_balance", boom)
    monkeypatch.setattr(developers, "list_developers", boom)
    with plain_logs():
        responses = [
            api.call(dev, "GET", "/open/account/balance"),
            api.admin("GET", "/admin/developer/list"),
        ]
    for r in responses:
        body = assert_error(r, 50001)  # also checks no "Traceback"/"RuntimeError" in the text
        assert "SECRET-DETAIL" not in r.text and "SELECT" not in r.text and "/work" not in r.text
        assert body["data"] is None
    # the details are in the server log, under each request's id
    captured = capsys.readouterr()
    lines = [
        json.loads(line)
        for line in (captured.out + captured.err).splitlines()
        if line.startswith("{")
    ]
    for r in responses:
        rid = r.json()["requestId"]
        assert any(
            line.get("request_id") == rid and "SECRET-DETAIL" in line.get("exception", "")
            for line in lines
        ), rid
    # the app keeps serving
    monkeypatch.undo()
    assert_ok(api.call(dev, "GET", "/open/account/balance"))


def test_error_responses_never_echo_the_secret(api, dev):
    from tests.support.gateway import Dev

    wrong = Dev(dev.develop_id, dev.access_key, dev.secret[::-1])
    for r in (
        api.call(wrong, "GET", "/open/account/balance"),
        api.call(dev, "GET", "/open/account/balance", timestamp="1"),
    ):
        assert dev.secret not in r.text and dev.secret[::-1] not in r.text
        assert_envelope(r)
