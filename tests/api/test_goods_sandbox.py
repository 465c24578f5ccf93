"""The sandbox's goods: pictures (public route), search by picture, and the operator's product
changes (ENDPOINTS 12.19) as detail, search and the batch check see them."""

from __future__ import annotations

import base64
import importlib.util
import io
import json

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.support.api import assert_error, assert_ok, field_names

UPDATE = "/admin/sandbox/product/update"
ITEM_GET = "/open/product/get"
BATCH = "/open/product/batch/check"
ITEM_SEARCH = "/open/product/item/search"
IMAGE_SEARCH = "/open/product/image/search"
DETAIL = "/alibaba/product/detail/get"
KEYWORDS = "/alibaba/product/keywords/query"
IMAGE_QUERY = "/alibaba/product/image/query"

HAS_IMAGE_INDEX = importlib.util.find_spec("daigou.marketplace.sandbox.image_index") is not None


def post(api, dev, path, body):
    return api.call(dev, "POST", path, body=body)


def taobao_hit(api, dev, keyword="shirt"):
    page = assert_ok(post(api, dev, ITEM_SEARCH, {"keyword": keyword, "pageSize": 1}))
    return page["data"][0]


def item(api, dev, item_id):
    return assert_ok(api.call(dev, "GET", ITEM_GET, params={"itemId": item_id}))


def local_path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


# --- pictures ----------------------------------------------------------------------------------


def test_the_picture_route_serves_a_decodable_jpeg_of_the_offer(api, dev, client):
    offer = item(api, dev, taobao_hit(api, dev)["itemId"])
    r = client.get(local_path(offer["picUrls"][0]))  # public: no signature
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/jpeg"
    assert "max-age" in r.headers["cache-control"]
    assert r.headers["x-request-id"]
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.format == "JPEG" and im.size == (400, 400)
    again = client.get(local_path(offer["picUrls"][0]))
    assert again.content == r.content  # deterministic
    png = client.get(local_path(offer["picUrls"][0]).replace(".jpg", ".png"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as im:
        assert im.format == "PNG"
    for sku in offer["skuList"]:
        assert client.get(local_path(sku["picUrl"])).status_code == 200


def test_unknown_pictures_answer_40401(client):
    for path in (
        "/sandbox/images/taobao/700000000000/0.jpg",
        "/sandbox/images/amazon/700000000000/0.jpg",
        "/sandbox/images/taobao/abc/0.jpg",
        "/sandbox/images/taobao/700000000000/x.jpg",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["code"] == 40401


def test_unreadable_or_foreign_pictures_answer_40001(api, dev):
    cases = [
        ({"imageBase64": "not base64 at all!"}, "imageBase64"),
        ({"imageBase64": base64.b64encode(b"GIF89a not a jpeg").decode()}, "imageBase64"),
        ({"imageAddress": "https://example.com/a.jpg"}, "imageAddress"),
        ({"imageAddress": "http://127.0.0.1:1/sandbox/images/1688/1/0.jpg"}, "imageAddress"),
        ({}, "imageBase64"),
    ]
    for path in (IMAGE_SEARCH, IMAGE_QUERY):
        for body, field in cases:
            out = assert_error(post(api, dev, path, body), 40001)
            assert field_names(out) == [field], (body, out)


@pytest.mark.skipif(not HAS_IMAGE_INDEX, reason="sandbox image_index not built yet")
def test_search_by_the_offers_own_picture_finds_the_offer_first(api, dev, client):
    page = assert_ok(post(api, dev, KEYWORDS, {"keyword": "bag", "pageSize": 1}))
    hit = page["data"][0]
    picture = client.get(local_path(hit["imageUrl"])).content
    by_bytes = assert_ok(
        post(api, dev, IMAGE_QUERY, {"imageBase64": base64.b64encode(picture).decode()})
    )
    assert by_bytes["data"][0]["offerId"] == hit["offerId"]
    by_address = assert_ok(post(api, dev, IMAGE_QUERY, {"imageAddress": hit["imageUrl"]}))
    assert by_address["data"][0]["offerId"] == hit["offerId"]

    tb = taobao_hit(api, dev, "bag")
    tb_picture = client.get(local_path(tb["picUrl"])).content
    found = assert_ok(
        post(api, dev, IMAGE_SEARCH, {"imageBase64": base64.b64encode(tb_picture).decode()})
    )
    assert found["data"][0]["itemId"] == tb["itemId"]


# --- 12.19 -------------------------------------------------------------------------------------


def update(api, **body):
    return api.admin("POST", UPDATE, body)


def test_price_and_stock_changes_show_in_detail_search_and_batch_check(api, dev, db):
    hit = taobao_hit(api, dev)
    item_id = hit["itemId"]
    before = item(api, dev, item_id)

    changed = assert_ok(update(api, platform=0, itemId=item_id, price=123_456))
    assert changed["itemId"] == item_id and changed["price"] == 123_456
    after = item(api, dev, item_id)
    assert after["price"] == 123_456
    assert {s["price"] for s in after["skuList"]} == {123_456}
    # search sees the new list price
    found = assert_ok(post(api, dev, ITEM_SEARCH, {"keyword": "shirt", "priceStart": 123_456}))
    assert [i["itemId"] for i in found["data"]] == [item_id]
    assert found["data"][0]["price"] == 123_456

    # one SKU out of stock; then all of them
    sku = before["skuList"][0]["skuId"]
    assert_ok(update(api, platform=0, itemId=item_id, skuId=sku, stock=0))
    after = item(api, dev, item_id)
    assert next(s for s in after["skuList"] if s["skuId"] == sku)["quantity"] == 0
    check = assert_ok(post(api, dev, BATCH, {"params": [{"itemId": item_id, "skuIds": [sku]}]}))
    assert check["results"][0]["purchasable"] is False
    assert check["results"][0]["reason"] == "OUT_OF_STOCK"
    assert_ok(update(api, platform=0, itemId=item_id, stock=0, minOrderQuantity=3))
    after = item(api, dev, item_id)
    assert after["quantity"] == 0 and after["beginAmount"] == 3
    check = assert_ok(post(api, dev, BATCH, {"params": [{"itemId": item_id}]}))
    assert check["noMpProductItemIds"] == [item_id]

    # the change is audit-logged
    with db.engine.connect() as conn:
        actions = conn.execute(sa.text("SELECT action FROM audit_log")).scalars().all()
    assert actions.count("sandbox.product.update") == 3


def test_taking_an_offer_off_sale_hides_it_from_search(api, dev):
    page = assert_ok(post(api, dev, KEYWORDS, {"keyword": "shirt", "pageSize": 100}))
    hit = page["data"][0]
    offer = assert_ok(update(api, platform=1, itemId=int(hit["offerId"]), onSale=False))
    assert offer["offerId"] == hit["offerId"] and offer["status"] == "expired"
    detail = assert_ok(post(api, dev, DETAIL, {"offerId": hit["offerId"]}))
    assert detail["status"] == "expired"
    again = assert_ok(post(api, dev, KEYWORDS, {"keyword": "shirt", "pageSize": 100}))
    assert again["totalRecords"] == page["totalRecords"] - 1
    assert hit["offerId"] not in {i["offerId"] for i in again["data"]}

    assert_ok(update(api, platform=1, itemId=hit["offerId"], onSale=True, price=1))
    back = assert_ok(post(api, dev, KEYWORDS, {"keyword": "shirt", "sort": {"price": "asc"}}))
    assert back["data"][0]["offerId"] == hit["offerId"]
    assert back["data"][0]["priceInfo"]["price"] == 1
    detail = assert_ok(post(api, dev, DETAIL, {"offerId": hit["offerId"]}))
    assert detail["productSaleInfo"]["priceRangeList"][0]["price"] == 1
    assert {s["price"] for s in detail["productSkuInfos"]} == {1}


def test_taobao_off_sale_item_is_reported_by_the_batch_check(api, dev):
    item_id = taobao_hit(api, dev)["itemId"]
    assert_ok(update(api, platform=0, itemId=item_id, onSale=False))
    assert item(api, dev, item_id)["status"] == "inactive"
    check = assert_ok(post(api, dev, BATCH, {"params": json.dumps([{"itemId": item_id}])}))
    result = check["results"][0]
    assert result["success"] is True and result["purchasable"] is False
    assert result["reason"] == "OFF_SALE"


def test_product_update_validates_and_answers_40401_for_unknown_items(api, dev):
    item_id = taobao_hit(api, dev)["itemId"]
    for body, field in (
        ({"platform": 0, "itemId": item_id, "price": 0}, "price"),
        ({"platform": 0, "itemId": item_id, "price": 9.9}, "price"),
        ({"platform": 0, "itemId": item_id, "stock": -1}, "stock"),
        ({"platform": 0, "itemId": item_id, "minOrderQuantity": 0}, "minOrderQuantity"),
        ({"platform": 2, "itemId": item_id}, "platform"),
    ):
        out = assert_error(update(api, **body), 40001)
        assert field in field_names(out), out
    assert_error(update(api, platform=0, itemId="700000000000", price=100), 40401)
    assert_error(update(api, platform=1, itemId=item_id, price=100), 40401)  # wrong platform
    assert_error(update(api, platform=0, itemId=item_id, skuId="1", price=100), 40401)
    r = api.http.post(UPDATE, json={"platform": 0, "itemId": item_id})
    assert_error(r, 40100)
