"""Goods endpoints through the signed API (ENDPOINTS 1.1-1.6, 5.1-5.8): shapes, search relevance
in every language, paging, sorting, price filters, language validation, unknown ids."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.support.api import assert_error, assert_ok, field_names

ITEM_GET = "/open/product/get"
BATCH = "/open/product/batch/check"
SOURCE = "/open/product/source/get"
ITEM_SEARCH = "/open/product/item/search"
SHOP_SEARCH = "/open/product/shop/search"
DETAIL = "/alibaba/product/detail/get"
KEYWORDS = "/alibaba/product/keywords/query"
SELLER = "/alibaba/product/query/selleroffer"
CATEGORY = "/alibaba/product/category/get"
RECOMMEND = "/alibaba/product/recommend/query"
RELATED = "/alibaba/product/productRelatedRecommendQuery"
WANGWANG = "/alibaba/product/wangwang/decrypt"

PAGE_KEYS = {"totalRecords", "totalPage", "pageSize", "currentPage", "data", "nextCursor"}
LIST_ITEM_KEYS = {
    "offerId", "imageUrl", "subject", "subjectTrans", "priceInfo", "monthSold",
    "repurchaseRate", "isJxhy",
}  # fmt: skip
SEARCH_ITEM_KEYS = {
    "itemId", "title", "titleTrans", "picUrl", "price", "promotionPrice", "shopId", "shopName",
    "sales", "currency",
}  # fmt: skip
TAOBAO_ITEM_KEYS = {
    "itemId", "mpId", "title", "titleTrans", "description", "picUrls", "price", "promotionPrice",
    "quantity", "beginAmount", "status", "itemType", "productUnit", "categoryId", "categoryName",
    "categoryPath", "shopId", "shopName", "userNick", "currency", "skuList",
}  # fmt: skip
OFFER_KEYS = {
    "offerId", "categoryId", "categoryName", "subject", "subjectTrans", "description",
    "mainVideo", "productImage", "productAttribute", "productSkuInfos", "productSaleInfo",
    "productShippingInfo", "isJxhy", "sellerOpenId", "minOrderQuantity", "batchNumber", "status",
    "traceInfo", "companyName", "currency",
}  # fmt: skip


def post(api, dev, path, body):
    return api.call(dev, "POST", path, body=body)


def page_of(r):
    page = assert_ok(r)
    assert set(page) == PAGE_KEYS, page
    assert page["nextCursor"] is None
    return page


def search_1688(api, dev, **body):
    return page_of(post(api, dev, KEYWORDS, body))


def search_taobao(api, dev, **body):
    return page_of(post(api, dev, ITEM_SEARCH, body))


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "keyword"),
    [
        ("en", "shirt"),
        ("zh", "T恤"),
        ("vi", "áo"),
        ("es", "camiseta"),
        ("th", "เสื้อ"),
        ("en", "bag"),
    ],
)
def test_1688_keyword_search_finds_offers_whose_translated_title_holds_the_keyword(
    api, dev, language, keyword
):
    page = search_1688(api, dev, keyword=keyword, country=language, pageSize=50)
    assert page["totalRecords"] > 0
    assert page["currentPage"] == 1 and page["pageSize"] == 50
    for item in page["data"]:
        assert set(item) == LIST_ITEM_KEYS
        assert keyword.lower() in item["subjectTrans"].lower(), item
        assert has_cjk(item["subject"])  # the Chinese original is kept beside
        assert isinstance(item["priceInfo"]["price"], int)
        assert item["repurchaseRate"].endswith("%")
        assert item["imageUrl"].endswith(f"/sandbox/images/1688/{item['offerId']}/0.jpg")


@pytest.mark.parametrize(
    ("language", "keyword"), [("en", "shirt"), ("vi", "áo"), ("es", "camiseta"), ("en", "bag")]
)
def test_taobao_keyword_search_is_relevant_in_each_language(api, dev, language, keyword):
    page = search_taobao(api, dev, keyword=keyword, language=language, pageSize=40)
    assert page["totalRecords"] > 0
    for item in page["data"]:
        assert set(item) == SEARCH_ITEM_KEYS
        assert keyword.lower() in item["titleTrans"].lower()
        assert item["currency"] == "CNY"


def test_pages_do_not_overlap_and_sorting_and_price_filters_hold(api, dev):
    first = search_1688(api, dev, keyword="shirt", pageSize=5, beginPage=1)
    second = search_1688(api, dev, keyword="shirt", pageSize=5, beginPage=2)
    assert first["totalRecords"] == second["totalRecords"] > 10
    assert second["currentPage"] == 2
    assert first["totalPage"] == -(-first["totalRecords"] // 5)
    ids1 = {i["offerId"] for i in first["data"]}
    ids2 = {i["offerId"] for i in second["data"]}
    assert len(ids1) == len(ids2) == 5 and not ids1 & ids2

    # sort: JSON<obj> as an object or as a JSON string
    for sort in ({"price": "asc"}, json.dumps({"price": "asc"})):
        prices = [
            i["priceInfo"]["price"]
            for i in search_1688(api, dev, keyword="shirt", sort=sort)["data"]
        ]
        assert prices == sorted(prices) and len(prices) > 1
    prices = [
        i["priceInfo"]["price"]
        for i in search_1688(api, dev, keyword="shirt", sort={"price": "desc"})["data"]
    ]
    assert prices == sorted(prices, reverse=True)
    sold = [
        i["monthSold"]
        for i in search_1688(api, dev, keyword="shirt", sort={"monthSold": "desc"})["data"]
    ]
    assert sold == sorted(sold, reverse=True)

    taobao = search_taobao(api, dev, keyword="shirt", sort="price_asc", pageSize=40)["data"]
    assert [i["price"] for i in taobao] == sorted(i["price"] for i in taobao)

    # price filters are fen, inclusive
    everything = search_1688(api, dev, keyword="shirt", pageSize=100)["data"]
    prices = sorted(i["priceInfo"]["price"] for i in everything)
    low, high = prices[len(prices) // 4], prices[3 * len(prices) // 4]
    filtered = search_1688(api, dev, keyword="shirt", priceStart=low, priceEnd=high, pageSize=100)
    assert 0 < filtered["totalRecords"] < len(everything)
    assert all(low <= i["priceInfo"]["price"] <= high for i in filtered["data"])
    tb = search_taobao(api, dev, keyword="shirt", priceStart=low, priceEnd=high)["data"]
    assert all(low <= i["price"] <= high for i in tb)


def test_search_input_is_validated(api, dev):
    cases = [
        (KEYWORDS, {"keyword": "shirt", "priceStart": 12.5}, "priceStart"),
        (KEYWORDS, {"keyword": "shirt", "priceStart": "633.69"}, "priceStart"),
        (KEYWORDS, {"keyword": "shirt", "priceStart": 500, "priceEnd": 100}, "priceEnd"),
        (KEYWORDS, {"keyword": "shirt", "sort": {"colour": "asc"}}, "sort"),
        (KEYWORDS, {"keyword": "shirt", "sort": "{not json"}, "sort"),
        (KEYWORDS, {"keyword": "shirt", "pageSize": 101}, "pageSize"),
        (KEYWORDS, {"keyword": "shirt", "beginPage": 0}, "beginPage"),
        (KEYWORDS, {}, "keyword"),
        (ITEM_SEARCH, {"keyword": "shirt", "pageSize": 41}, "pageSize"),
        (ITEM_SEARCH, {"keyword": "shirt", "sort": "newest"}, "sort"),
    ]
    for path, body, field in cases:
        out = assert_error(post(api, dev, path, body), 40001)
        assert field in field_names(out), (body, out)


def test_language_and_country_are_checked(api, dev):
    out = assert_error(post(api, dev, KEYWORDS, {"keyword": "shirt", "country": "fr"}), 40001)
    assert field_names(out) == ["country"]
    out = assert_error(post(api, dev, ITEM_SEARCH, {"keyword": "shirt", "language": "de"}), 40001)
    assert field_names(out) == ["language"]
    both = {"keyword": "shirt", "language": "en", "country": "vi"}
    assert_error(post(api, dev, KEYWORDS, both), 40001)
    # the same value twice is fine, and the default is English
    same = search_1688(api, dev, keyword="áo", language="vi", country="VI")
    assert same["totalRecords"] > 0
    default = search_1688(api, dev, keyword="shirt")
    assert all("shirt" in i["subjectTrans"].lower() for i in default["data"])


# --- detail ------------------------------------------------------------------------------------


def first_taobao_item(api, dev, keyword="shirt"):
    return search_taobao(api, dev, keyword=keyword, pageSize=1)["data"][0]


def test_taobao_item_detail_has_the_taobaoitem_shape_in_the_requested_language(api, dev):
    hit = first_taobao_item(api, dev)
    r = api.call(dev, "GET", ITEM_GET, params={"itemId": hit["itemId"], "language": "vi"})
    item = assert_ok(r)
    assert set(item) == TAOBAO_ITEM_KEYS
    assert item["itemId"] == hit["itemId"] and item["mpId"] == "2048" + hit["itemId"]
    assert has_cjk(item["title"]) and not has_cjk(item["titleTrans"])
    assert item["price"] == min(s["price"] for s in item["skuList"])
    assert item["quantity"] == sum(s["quantity"] for s in item["skuList"])
    assert item["status"] == "active" and item["beginAmount"] >= 1
    assert "->" in item["categoryPath"]
    assert item["picUrls"][0].endswith(f"/sandbox/images/taobao/{item['itemId']}/0.jpg")
    sku = item["skuList"][0]
    assert set(sku) == {
        "skuId", "mpSkuId", "picUrl", "quantity", "price", "promotionPrice", "postFee",
        "status", "properties",
    }  # fmt: skip
    assert sku["skuId"].startswith(item["itemId"]) and sku["properties"]
    assert set(sku["properties"][0]) == {"propId", "propName", "valueId", "valueName"}
    # an integer id is accepted too, and so is the mpId
    assert (
        assert_ok(api.call(dev, "GET", ITEM_GET, params={"itemId": item["mpId"]}))["itemId"]
        == (item["itemId"])
    )
    r = post(api, dev, SOURCE, {"itemId": int(item["itemId"]), "language": "vi"})
    source = assert_ok(r)
    assert source["titleTrans"] == item["titleTrans"]
    resource = source["itemResource"]
    assert resource["title"] == item["title"] and has_cjk(resource["description"])
    assert not has_cjk(source["description"])
    assert has_cjk(resource["skuList"][0]["properties"][0]["propName"])


def test_1688_offer_detail_has_the_offer1688_shape(api, dev):
    hit = search_1688(api, dev, keyword="shirt", pageSize=1)["data"][0]
    offer = assert_ok(post(api, dev, DETAIL, {"offerId": int(hit["offerId"]), "country": "es"}))
    assert set(offer) == OFFER_KEYS
    assert offer["offerId"] == hit["offerId"]
    assert offer["subject"] == hit["subject"]
    assert not has_cjk(offer["subjectTrans"])
    assert offer["sellerOpenId"].startswith("BBB")
    assert offer["productImage"]["images"][0] == hit["imageUrl"]
    sale = offer["productSaleInfo"]
    assert sale["priceRangeList"][0]["startQuantity"] == offer["minOrderQuantity"]
    assert sale["unitInfo"] == {"unit": "件", "transUnit": "pieza"}
    assert sale["amountOnSale"] == sum(s["amountOnSale"] for s in offer["productSkuInfos"])
    sku = offer["productSkuInfos"][0]
    assert len(sku["specId"]) == 32 and sku["skuAttributes"]
    attr = sku["skuAttributes"][0]
    assert has_cjk(attr["attributeName"]) and not has_cjk(attr["attributeNameTrans"])
    assert offer["productAttribute"]
    shipping = offer["productShippingInfo"]
    assert shipping["weight"] > 0 and shipping["sendGoodsAddressText"]
    assert offer["status"] == "published"


def test_unknown_ids_answer_40401(api, dev):
    assert_error(api.call(dev, "GET", ITEM_GET, params={"itemId": "123"}), 40401)
    # a well-formed id of the other platform is not an item of this one
    hit = search_1688(api, dev, keyword="shirt", pageSize=1)["data"][0]
    assert_error(api.call(dev, "GET", ITEM_GET, params={"itemId": hit["offerId"]}), 40401)
    assert_error(post(api, dev, DETAIL, {"offerId": "699999999999"}), 40401)
    assert_error(post(api, dev, SOURCE, {"itemId": "700000000000"}), 40401)
    assert_error(post(api, dev, CATEGORY, {"categoryId": 999}), 40401)
    assert_error(post(api, dev, WANGWANG, {"sellerOpenId": "BBBnobody"}), 40401)
    assert_error(post(api, dev, SELLER, {"sellerOpenId": "BBBnobody"}), 40401)
    assert_error(post(api, dev, SHOP_SEARCH, {"shopId": "1"}), 40401)
    assert_error(post(api, dev, RELATED, {"offerId": "1"}), 40401)
    out = assert_error(api.call(dev, "GET", ITEM_GET, params={"itemId": "12ab"}), 40001)
    assert field_names(out) == ["itemId"]


# --- batch check -------------------------------------------------------------------------------


def test_batch_check_answers_per_item_in_input_order(api, dev):
    items = search_taobao(api, dev, keyword="shirt", pageSize=2)["data"]
    good, other = items[0]["itemId"], items[1]["itemId"]
    detail = assert_ok(api.call(dev, "GET", ITEM_GET, params={"itemId": other}))
    sku = detail["skuList"][0]["skuId"]
    params = [
        {"itemId": good},
        {"itemId": "700000000001"},
        {"itemId": other, "skuIds": [sku]},
        {"itemId": other, "skuIds": ["99999999999999"]},
    ]
    # PandaPon sends params as a JSON string; the list itself works too
    for sent in (json.dumps(params), params):
        data = assert_ok(post(api, dev, BATCH, {"params": sent}))
        results = data["results"]
        assert [r["index"] for r in results] == [0, 1, 2, 3]
        assert [r["key"] for r in results] == [p["itemId"] for p in params]
        assert [r["success"] for r in results] == [True, False, True, False]
        assert [r["code"] for r in results] == [200, 40401, 200, 40401]
        assert results[0]["purchasable"] is True
        assert [p["itemId"] for p in data["mpProducts"]] == [good, other]
        assert [s["skuId"] for s in data["mpProducts"][1]["skuList"]] == [sku]
        assert data["noMpProductItemIds"] == ["700000000001", other]
        assert [r["reason"] for r in data["noMpReasonList"]] == ["NOT_FOUND", "SKU_NOT_FOUND"]


def test_batch_check_limits(api, dev):
    items = [{"itemId": "700000000001"}] * 51
    assert_error(post(api, dev, BATCH, {"params": items}), 40003)
    assert_error(post(api, dev, BATCH, {"params": []}), 40001)
    assert_error(post(api, dev, BATCH, {"params": "[{"}), 40001)
    data = assert_ok(post(api, dev, BATCH, {"params": items[:50]}))
    assert len(data["results"]) == 50


# --- categories, shops, recommendations ---------------------------------------------------------


def test_categories_come_translated_from_the_top_level_down(api, dev):
    root = assert_ok(post(api, dev, CATEGORY, {"categoryId": 0, "country": "th"}))
    assert root["categoryId"] == "0" and root["language"] == "th" and not root["leaf"]
    assert len(root["children"]) == 10
    apparel = root["children"][0]
    assert apparel["chineseName"] == "服装" and apparel["translatedName"] == "เสื้อผ้า"
    node = assert_ok(post(api, dev, CATEGORY, {"categoryId": apparel["categoryId"]}))
    assert node["translatedName"] == "Apparel" and node["level"] == 1
    assert node["parentCateId"] == "0"
    assert {c["translatedName"] for c in node["children"]} >= {"T-shirts", "Dresses"}
    leaf = assert_ok(post(api, dev, CATEGORY, {"categoryId": node["children"][0]["categoryId"]}))
    assert leaf["leaf"] is True and leaf["children"] == [] and leaf["level"] == 2


def test_shop_and_seller_searches_stay_inside_the_store(api, dev):
    item = first_taobao_item(api, dev)
    page = page_of(post(api, dev, SHOP_SEARCH, {"shopId": item["shopId"]}))
    assert page["totalRecords"] > 0
    assert {i["shopId"] for i in page["data"]} == {item["shopId"]}

    hit = search_1688(api, dev, keyword="shirt", pageSize=1)["data"][0]
    offer = assert_ok(post(api, dev, DETAIL, {"offerId": hit["offerId"]}))
    page = page_of(post(api, dev, SELLER, {"sellerOpenId": offer["sellerOpenId"], "pageSize": 5}))
    assert page["totalRecords"] > 0
    for listed in page["data"][:3]:
        other = assert_ok(post(api, dev, DETAIL, {"offerId": listed["offerId"]}))
        assert other["sellerOpenId"] == offer["sellerOpenId"]


def test_recommendations_are_stable_per_end_user_and_related_offers_share_the_category(api, dev):
    def recommend(member):
        page = page_of(post(api, dev, RECOMMEND, {"outMemberId": member, "pageSize": 5}))
        return [i["offerId"] for i in page["data"]]

    assert recommend("user-1") == recommend("user-1")
    assert len({tuple(recommend(f"user-{n}")) for n in range(8)}) > 1

    hit = search_1688(api, dev, keyword="shirt", pageSize=1)["data"][0]
    offer = assert_ok(post(api, dev, DETAIL, {"offerId": hit["offerId"]}))
    page = page_of(post(api, dev, RELATED, {"offerId": hit["offerId"], "pageSize": 5}))
    assert page["totalRecords"] > 0
    assert hit["offerId"] not in {i["offerId"] for i in page["data"]}
    for listed in page["data"][:3]:
        other = assert_ok(post(api, dev, DETAIL, {"offerId": listed["offerId"]}))
        assert other["categoryId"] == offer["categoryId"]


def test_wangwang_decrypt_gives_the_sellers_nick_and_chat_url(api, dev):
    hit = search_1688(api, dev, keyword="bag", pageSize=1)["data"][0]
    offer = assert_ok(post(api, dev, DETAIL, {"offerId": hit["offerId"]}))
    data = assert_ok(post(api, dev, WANGWANG, {"sellerOpenId": offer["sellerOpenId"]}))
    assert data["wangwangNick"]
    assert data["wangwangUrl"].startswith("https://amos.alicdn.com/getcid.aw?")
    assert quote(data["wangwangNick"]) in data["wangwangUrl"]
    same = assert_ok(
        post(api, dev, WANGWANG, {"openUid": offer["sellerOpenId"], "offerId": hit["offerId"]})
    )
    assert same == data
