"""7.2 refund vouchers: a picture uploaded as base64 (JPEG or PNG, at most 5 MB, decoded whole)
or named by an address this gateway serves, kept once per developer, and served back at its
URL on a public route with its content type; nothing is ever fetched from elsewhere."""

from __future__ import annotations

import base64
import io
import random

import pytest
from PIL import Image

from tests.support.api import assert_error, assert_ok, field_names
from tests.support.databases import ONE_BACKEND
from tests.support.refunds1688 import (
    VOUCHER,
    applied,
    entry_ids,
    paid_order,
    refund,
    refund_body,
)

MB = 1024 * 1024


def picture(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), seed: int = 1) -> bytes:
    rng = random.Random(seed)
    im = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(20):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        im.putpixel((x, y), (rng.randrange(256), 0, 0))
    buf = io.BytesIO()
    im.save(buf, format=fmt)
    return buf.getvalue()


def upload(api, dev, data: bytes | None = None, address: str | None = None, **kw):
    body = {}
    if data is not None:
        body["imageBase64"] = base64.b64encode(data).decode()
    if address is not None:
        body["imageAddress"] = address
    return api.call(dev, "POST", VOUCHER, body={**body, **kw})


def fetch(client, url: str, settings):
    return client.get(url.removeprefix(settings.resolved_public_url))


def test_a_picture_uploaded_is_served_back_at_its_url(api, client, dev, settings):
    jpeg, png = picture("JPEG"), picture("PNG", seed=2)
    first = assert_ok(upload(api, dev, jpeg))
    assert first["imageDomain"] == settings.resolved_public_url
    assert first["imageUrl"] == first["imageDomain"] + first["imageRelativeUrl"]
    assert first["imageRelativeUrl"].startswith("/refund/vouchers/")
    assert first["imageRelativeUrl"].endswith(".jpg")
    r = fetch(client, first["imageUrl"], settings)
    assert r.status_code == 200 and r.content == jpeg
    assert r.headers["content-type"] == "image/jpeg"
    assert "max-age" in r.headers["cache-control"] and r.headers["x-request-id"]
    # a data: prefix and line breaks are fine; the same bytes are the same picture
    text = base64.b64encode(jpeg).decode()
    wrapped = "data:image/jpeg;base64," + "\n".join(
        text[i : i + 76] for i in range(0, len(text), 76)
    )
    again = assert_ok(api.call(dev, "POST", VOUCHER, body={"imageBase64": wrapped}))
    assert again == first
    other = assert_ok(upload(api, dev, png))
    assert other["imageRelativeUrl"].endswith(".png") and other["imageUrl"] != first["imageUrl"]
    r = fetch(client, other["imageUrl"], settings)
    assert (r.status_code, r.content, r.headers["content-type"]) == (200, png, "image/png")
    # another developer's copy of the same bytes is its own picture
    someone = api.create_developer()
    theirs = assert_ok(upload(api, someone, jpeg))
    assert theirs["imageUrl"] != first["imageUrl"]
    # the ids are not guessable, and a wrong extension or an unknown id is not found
    image_id = first["imageRelativeUrl"].rsplit("/", 1)[1].split(".")[0]
    assert len(image_id) >= 34
    for path in (
        f"/refund/vouchers/{image_id}.png",
        "/refund/vouchers/rv" + "0" * 32 + ".jpg",
        "/refund/vouchers/..%2F..%2Fetc.jpg",
        "/refund/vouchers/1.jpg",
    ):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.json()["code"] == 40401, path


def test_an_uploaded_voucher_goes_with_a_refund(api, client, dev, settings):
    url = assert_ok(upload(api, dev, picture("PNG", seed=3)))["imageUrl"]
    view = paid_order(api, dev, settings, lines=1)
    order_id, (a,) = view["baseInfo"]["id"], entry_ids(view)
    made = applied(api, dev, refund_body(order_id, [a], 100, vouchers=[url]))
    assert made["vouchers"] == [url]
    assert assert_ok(refund(api, dev, made["refundId"]))["operations"][0]["vouchers"] == [url]


@ONE_BACKEND
@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"imageBase64": "not base64 at all!"}, "imageBase64"),
        ({"imageBase64": ""}, "imageBase64"),
        ({"imageBase64": base64.b64encode(b"GIF89a" + b"\0" * 64).decode()}, "imageBase64"),
        ({"imageBase64": base64.b64encode(picture("GIF")).decode()}, "imageBase64"),
        ({"imageBase64": base64.b64encode(picture("JPEG")[:200]).decode()}, "imageBase64"),
        ({"imageBase64": base64.b64encode(picture("PNG")[:-30]).decode()}, "imageBase64"),
        ({"imageBase64": base64.b64encode(b"\xff\xd8\xff" + b"x" * 500).decode()}, "imageBase64"),
        ({}, "imageBase64"),
        (
            {
                "imageBase64": base64.b64encode(picture("PNG")).decode(),
                "imageAddress": "http://127.0.0.1:8000/sandbox/images/1688/1/0.jpg",
            },
            "imageAddress",
        ),
        ({"imageAddress": "https://img.alicdn.com/imgextra/i1/O1CN01.jpg"}, "imageAddress"),
        ({"imageAddress": "http://169.254.169.254/latest/meta-data"}, "imageAddress"),
        ({"imageAddress": "file:///etc/passwd"}, "imageAddress"),
        ({"imageAddress": "not a url"}, "imageAddress"),
        ({"imageBase64": 12345}, "imageBase64"),
    ],
    ids=[
        "not-base64",
        "empty",
        "gif-magic",
        "gif",
        "truncated-jpeg",
        "truncated-png",
        "jpeg-magic-garbage",
        "neither",
        "both",
        "internet",
        "metadata-address",
        "file",
        "not-a-url",
        "a-number",
    ],
)
def test_what_is_not_a_jpeg_or_png_of_ours_is_refused_by_field(api, dev, body, where):
    r = api.call(dev, "POST", VOUCHER, body=body)
    assert field_names(assert_error(r, 40001)) == [where], r.text


def test_an_address_is_taken_only_when_this_gateway_serves_it(api, client, dev, settings, app):
    mine = assert_ok(upload(api, dev, picture("JPEG", seed=4)))
    # one of its own voucher URLs: the same picture (for another developer, its own copy)
    assert assert_ok(upload(api, dev, address=mine["imageUrl"])) == mine
    someone = api.create_developer()
    copied = assert_ok(upload(api, someone, address=mine["imageUrl"]))
    assert copied["imageUrl"] != mine["imageUrl"]
    assert fetch(client, copied["imageUrl"], settings).content == (
        fetch(client, mine["imageUrl"], settings).content
    )
    unknown = settings.resolved_public_url + "/refund/vouchers/rv" + "0" * 32 + ".jpg"
    r = upload(api, dev, address=unknown)
    assert field_names(assert_error(r, 40001)) == ["imageAddress"]
    # a sandbox picture, as the goods answers name them
    offer = assert_ok(
        api.call(dev, "POST", "/alibaba/product/keywords/query", body={"keyword": "shirt"})
    )["data"][0]
    sandbox = assert_ok(upload(api, dev, address=offer["imageUrl"]))
    served = fetch(client, sandbox["imageUrl"], settings)
    assert served.status_code == 200 and served.content[:3] == b"\xff\xd8\xff"
    # anything else, even on this gateway's host, is to be sent as base64
    r = upload(api, dev, address=settings.resolved_public_url + "/open/account/balance")
    body = assert_error(r, 40001)
    assert field_names(body) == ["imageAddress"] and "imageBase64" in body["msg"]


def test_pictures_over_5_mb_are_refused_and_the_body_limit_is_8_mib(api, dev):
    # 5 MB and a little more: within the route's 8 MiB body, refused by the picture's limit
    over = b"\xff\xd8\xff" + random.Random(5).randbytes(5 * MB + 1024)
    r = upload(api, dev, over)
    body = assert_error(r, 40001)
    assert field_names(body) == ["imageBase64"] and "5 MB" in body["msg"]
    # a body over 8 MiB is refused before it is read whole
    huge = random.Random(6).randbytes(6 * MB + 512 * 1024)
    assert_error(upload(api, dev, huge), 40002)
    # the other routes keep their 1 MiB limit
    r = api.call(dev, "POST", "/alibaba/refund/cancel", body={"refundId": "TQ1", "x": "y" * MB})
    assert_error(r, 40002)
    # a picture near 5 MB is taken (a noisy PNG does not compress)
    noise = Image.frombytes("RGB", (1200, 1200), random.Random(7).randbytes(1200 * 1200 * 3))
    buf = io.BytesIO()
    noise.save(buf, format="PNG", compress_level=0)
    assert 4 * MB < len(buf.getvalue()) < 5 * MB
    assert assert_ok(upload(api, dev, buf.getvalue()))["imageRelativeUrl"].endswith(".png")
