"""The goods answers of the real-marketplace adapters, read into the port: 1688's
``product.image.upload`` and ``category.translation.getById`` (shapes inferred), PandaPon's
search pages and its picture refusals. A bad answer is a clear ``MarketplaceError`` naming
what is wrong, never a KeyError; a refused picture is a ``ValueError`` as the sandbox's."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from daigou.http.middleware import PICTURE_BODY_BYTES
from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688.adapter import AlibabaMarketplace
from daigou.marketplace.alibaba1688.errors import GatewayRefused
from daigou.marketplace.alibaba1688.mapper import (
    category_from_translation,
    image_id_from_upload,
    search_page,
)
from daigou.marketplace.pandapon import mapper as M

ALI = P.Platform.ALIBABA


def wrapped(payload: Any) -> dict[str, Any]:
    return {"result": {"success": True, "code": "200", "message": None, "result": payload}}


# --- 1688: product.image.upload ----------------------------------------------------------------
def test_an_upload_answers_its_image_id_as_text():
    assert image_id_from_upload(wrapped(1_234_567_890_123)) == "1234567890123"
    assert image_id_from_upload(wrapped("abc-1")) == "abc-1"


@pytest.mark.parametrize(
    "body",
    [{}, {"result": None}, wrapped(None), wrapped(""), wrapped({"imageId": "1"}), wrapped(True)],
)
def test_an_upload_answer_without_an_image_id_is_a_bad_answer(body):
    with pytest.raises(P.MarketplaceError, match="BAD_ANSWER.*product.image.upload"):
        image_id_from_upload(body)


# --- 1688: the search pages (keywordQuery, querySellerOfferList, offerRecommend) ----------------
OFFER = {
    "offerId": 610947572360,
    "subject": "女式 T 恤",
    "subjectTrans": "Women's T-shirt",
    "imageUrl": "https://cbu01.alicdn.com/img/a.jpg",
    "priceInfo": {"price": "12.30", "promotionPrice": 9.9},
    "monthSold": 120,
    "repurchaseRate": "35%",
    "sellerOpenId": "seller-open-1",
}


def test_a_search_page_in_yuan_is_read_in_fen():
    page = search_page(wrapped({"totalRecords": 41, "data": [OFFER]}), "keywordQuery", 20)
    (s,) = page.items
    assert page.total == 41
    assert (s.offer_id, s.price_fen, s.promotion_price_fen) == ("610947572360", 1230, 990)
    assert (s.shop_id, s.seller_open_id, s.month_sold, s.repurchase_rate_pct) == (
        "seller-open-1",
        "seller-open-1",
        120,
        35,
    )
    assert s.title == P.Text("女式 T 恤", "Women's T-shirt")
    assert search_page(wrapped({"totalRecords": 0}), "offerRecommend", 20) == P.SearchPage((), 0)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "no page"),
        (wrapped(None), "no page"),
        (wrapped([OFFER]), "no page"),
        (wrapped({"data": {"offerId": 1}}), "data is not a list"),
        (wrapped({"data": ["610947572360"]}), "not an object"),
        (wrapped({"data": [{**OFFER, "offerId": None}]}), "no offerId"),
        (wrapped({"data": [{k: v for k, v in OFFER.items() if k != "offerId"}]}), "no offerId"),
        (wrapped({"data": [{**OFFER, "priceInfo": "12.30"}]}), "priceInfo"),
        (wrapped({"data": [{**OFFER, "priceInfo": {"price": "12.305"}}]}), "12.305"),
        (wrapped({"data": [{**OFFER, "priceInfo": {"price": "abc"}}]}), "abc"),
    ],
)
def test_a_malformed_search_page_is_a_bad_answer(body, named):
    with pytest.raises(P.MarketplaceError, match="BAD_ANSWER") as raised:
        search_page(body, "product.search.querySellerOfferList", 20)
    assert "querySellerOfferList" in raised.value.message and named in raised.value.message


# --- 1688: category.translation.getById --------------------------------------------------------
CATEGORY = {
    "categoryId": 1031910,
    "chineseName": "女装",
    "translatedName": "Women's clothing",
    "language": "en",
    "leaf": False,
    "level": 1,
    "parentCateId": 0,
    "childCategorys": [
        {"id": 1031911, "chineseName": "T恤", "translatedName": "T-shirts", "leaf": True},
        {"id": "1031912", "chineseName": "连衣裙", "translatedName": None, "leaf": True},
    ],
}


def test_a_category_and_its_children_one_level_below():
    c = category_from_translation(wrapped(CATEGORY))
    assert (c.category_id, c.parent_id, c.level, c.leaf) == (1031910, 0, 1, False)
    assert c.name == P.Text("女装", "Women's clothing")
    assert c.children == (
        P.Category(1031911, 1031910, 2, True, P.Text("T恤", "T-shirts")),
        P.Category(1031912, 1031910, 2, True, P.Text("连衣裙", None)),
    )


def test_a_leaf_without_children_has_none():
    leaf = dict(CATEGORY, leaf=True, childCategorys=None)
    assert category_from_translation(wrapped(leaf)).children == ()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"categoryId": None}, "the category has no id"),
        ({"categoryId": "x1"}, "'x1'"),
        ({"childCategorys": {"id": 1}}, "childCategorys is not a list"),
        ({"childCategorys": [{"chineseName": "无"}]}, "a child category has no id"),
        ({"childCategorys": ["1031911"]}, "a child category has no id"),
    ],
)
def test_a_malformed_category_is_a_bad_answer(change, named):
    with pytest.raises(P.MarketplaceError, match="BAD_ANSWER") as caught:
        category_from_translation(wrapped(dict(CATEGORY, **change)))
    assert named in caught.value.message


def test_an_answer_with_no_category_is_a_bad_answer():
    for body in ({}, wrapped(None), wrapped([CATEGORY])):
        with pytest.raises(P.MarketplaceError, match="BAD_ANSWER"):
            category_from_translation(body)


# --- 1688: the adapter's picture search, over a canned client ----------------------------------
class Canned:
    def __init__(self, upload: Any) -> None:
        self.upload = upload
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def read(self, namespace, name, params, *, version=1, authorised=True):
        self.calls.append(("read", name, dict(params)))
        if name == "product.image.upload":
            if isinstance(self.upload, Exception):
                raise self.upload
            return self.upload
        return wrapped({"totalRecords": 0, "data": []})

    def write(self, namespace, name, params, *, version=1, authorised=True):
        raise AssertionError(f"a picture search writes nothing: {name}")


def test_the_picture_goes_up_as_base64_and_its_id_into_image_query():
    canned = Canned(wrapped("img-7"))
    query = P.SearchQuery(ALI, image=b"\xff\xd8\xffpicture", page=2, page_size=7, language="vi")
    AlibabaMarketplace(canned).search(query)
    (upload, search) = canned.calls
    assert upload[:2] == ("read", "product.image.upload")
    assert base64.b64decode(upload[2]["uploadImageParam"]["imageBase64"]) == b"\xff\xd8\xffpicture"
    assert search[:2] == ("read", "product.search.imageQuery")
    param = search[2]["offerQueryParam"]
    assert param == {"imageId": "img-7", "beginPage": 2, "pageSize": 7, "country": "vi"}


def test_a_refused_upload_is_a_bad_picture_and_a_gateway_refusal_stays_one():
    refused = AlibabaMarketplace(Canned(P.MarketplaceRefused("IMAGE_INVALID", "not an image")))
    with pytest.raises(P.PictureRefused, match="IMAGE_INVALID|not an image") as caught:
        refused.search(P.SearchQuery(ALI, image=b"x"))
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, P.MarketplaceRefused)
    gateway = AlibabaMarketplace(Canned(GatewayRefused("gw.SignatureInvalid", "bad signature")))
    with pytest.raises(GatewayRefused) as caught_gw:
        gateway.search(P.SearchQuery(ALI, image=b"x"))
    assert not isinstance(caught_gw.value, ValueError)


# --- PandaPon: search pages and pictures -------------------------------------------------------
def test_a_pandapon_search_page_is_read():
    page = M.search_page(
        {
            "totalRecords": 41,
            "data": [{"offerId": 610947572360, "subject": "T恤", "priceInfo": {"price": 515}}],
        }
    )
    assert page.total == 41 and [s.offer_id for s in page.items] == ["610947572360"]
    assert page.items[0].price_fen == 515


@pytest.mark.parametrize(
    "page",
    [None, [], {"data": {"offerId": 1}}, {"data": [{"subject": "no id"}]}, {"data": ["x"]}],
)
def test_a_malformed_pandapon_search_page_is_a_bad_answer(page):
    with pytest.raises(P.MarketplaceError, match="BAD_ANSWER"):
        M.search_page(page)


def test_a_picture_over_pandapons_3_mb_is_refused_before_it_is_sent():
    with pytest.raises(P.PictureRefused, match="3 MB") as caught:
        M.picture_base64(b"\xff" * (M.MAX_PICTURE_BYTES + 1))
    assert isinstance(caught.value, ValueError)


def test_a_3_mb_picture_fits_the_upstreams_picture_body_limit():
    """The gateway accepts 3 MB (goods.service); its base64 in a 5.3 body stays under the
    8 MiB PandaPon (and a daigou upstream) takes on picture routes (CONTRACT section 4)."""
    body = {"imageBase64": M.picture_base64(b"\xff" * M.MAX_PICTURE_BYTES), "pageSize": 20}
    assert len(json.dumps(body).encode()) < PICTURE_BODY_BYTES


def test_the_upstreams_40001_on_a_picture_is_a_bad_picture_other_errors_stand():
    refused = M.picture_refusal(P.MarketplaceError("40001", "imageBase64: only JPEG and PNG"))
    assert isinstance(refused, P.PictureRefused) and isinstance(refused, ValueError)
    assert "only JPEG and PNG" in refused.message
    assert M.picture_refusal(P.MarketplaceError("50001", "busy")) is None
    assert M.picture_refusal(P.MarketplaceNotFound("offer", "1")) is None
