"""Body size limits per route (CONTRACT section 4): routes that take a picture as base64 (1.5,
5.3) accept bodies up to 8 MiB, so PandaPon's documented 3 MB (search) and 5 MB (voucher)
pictures fit; every other route keeps 1 MiB. Over its limit a body answers 40002 in the
envelope, before anything else runs."""

from __future__ import annotations

import base64
import io
import json
import os

import numpy as np
from PIL import Image

from tests.support.api import assert_error, assert_ok, field_names

MIB = 1024 * 1024
IMAGE_SEARCH = "/open/product/image/search"
IMAGE_QUERY = "/alibaba/product/image/query"
VOUCHER_UPLOAD = "/alibaba/refund/voucher/upload"  # 7.2: pictures up to 5 MB
ITEM_SEARCH = "/open/product/item/search"


def photo_jpeg(min_bytes: int) -> bytes:
    """A noisy photo-like JPEG of at least `min_bytes` (noise does not compress)."""
    rng = np.random.default_rng(7)
    side = 1000
    while True:
        pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "JPEG", quality=90)
        if len(out.getvalue()) >= min_bytes:
            return out.getvalue()
        side += 250


def padded(body: dict, size: int) -> bytes:
    """`body` as JSON, padded with spaces to exactly `size` bytes."""
    raw = json.dumps(body).encode()
    assert len(raw) <= size
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


def test_a_2_mb_photo_is_searched_on_both_picture_routes(api, dev):
    picture = photo_jpeg(2_000_000)
    body = {"imageBase64": base64.b64encode(picture).decode()}
    assert len(json.dumps(body)) > 2 * MIB  # was refused with 40002 under a 1 MiB limit
    for path in (IMAGE_SEARCH, IMAGE_QUERY):
        page = assert_ok(api.call(dev, "POST", path, body=body))
        assert page["currentPage"] == 1, (path, page)


def test_a_7_mb_body_passes_the_door_of_a_picture_route(api, dev):
    """A 5 MB picture (PandaPon's voucher size) is a 7 MB body: the picture route reads it and
    its own check answers (search pictures are at most 3 MB: 40001, not 40002)."""
    text = base64.b64encode(os.urandom(5_250_000)).decode()
    body = json.dumps({"imageBase64": text}).encode()
    assert 6_900_000 < len(body) < 8 * MIB
    for path in (IMAGE_SEARCH, IMAGE_QUERY):
        out = assert_error(api.call(dev, "POST", path, raw=body), 40001)
        assert field_names(out) == ["imageBase64"] and "3 MB" in out["msg"], out
    # exactly 8 MiB still passes the door
    exact = padded({"imageBase64": text}, 8 * MIB)
    out = assert_error(api.call(dev, "POST", IMAGE_SEARCH, raw=exact), 40001)
    assert field_names(out) == ["imageBase64"]


def test_over_8_mib_is_refused_on_picture_routes_and_over_1_mib_elsewhere(api, dev):
    over = padded({"imageBase64": "AAAA"}, 8 * MIB + 1)
    for path in (IMAGE_SEARCH, IMAGE_QUERY):
        out = assert_error(api.call(dev, "POST", path, raw=over), 40002)
        assert str(8 * MIB) in out["msg"]
    # any other route keeps 1 MiB, signed or not
    one_and_half = padded({"keyword": "shirt"}, MIB + MIB // 2)
    out = assert_error(api.call(dev, "POST", ITEM_SEARCH, raw=one_and_half), 40002)
    assert str(MIB) in out["msg"]
    r = api.admin("POST", "/admin/developer/create", None)  # a small body still works
    assert_error(r, 40001)
    r = api.http.post(
        "/admin/developer/create",
        content=padded({"name": "x"}, MIB + MIB // 2),
        headers={"content-type": "application/json", **admin_headers()},
    )
    assert_error(r, 40002)
    # 1 MiB exactly is still accepted on an ordinary route
    assert assert_ok(api.call(dev, "POST", ITEM_SEARCH, raw=padded({"keyword": "shirt"}, MIB)))


def test_the_openapi_document_marks_the_picture_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    marked = {
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if isinstance(operation, dict) and operation.get("x-body-limit") == "picture"
    }
    assert marked == {IMAGE_SEARCH, IMAGE_QUERY, VOUCHER_UPLOAD}


def admin_headers() -> dict[str, str]:
    from tests.support.gateway import ADMIN_TOKEN

    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
