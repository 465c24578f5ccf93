"""ENDPOINTS 10.5 (the area tree, one level per call, S1 pages) and 10.4 (address parsing)
through the signed API."""

from __future__ import annotations

from tests.support.api import assert_error, assert_ok, field_names

AREAS = "/open/area/list"
PARSE = "/open/address/parse"


def areas(api, dev, **params):
    return assert_ok(api.call(dev, "GET", AREAS, params=params))


def test_the_provinces_come_first_in_code_order_with_english_names(api, dev):
    page = areas(api, dev)
    assert (page["totalRecords"], page["totalPage"], page["pageSize"], page["currentPage"]) == (
        31,
        2,
        20,
        1,
    )
    assert page["nextCursor"] is None and len(page["data"]) == 20
    beijing = page["data"][0]
    assert beijing == {
        "code": "110000",
        "name": "北京市",
        "nameEn": "Beijing Shi",
        "level": 1,
        "parentCode": None,
        "leaf": False,
    }
    rest = areas(api, dev, pageNo=2)
    codes = [a["code"] for a in page["data"] + rest["data"]]
    assert len(codes) == 31 and codes == sorted(codes) and "650000" in codes
    assert areas(api, dev, pageNo=3)["data"] == []
    everything = areas(api, dev, pageSize=100)
    assert [a["code"] for a in everything["data"]] == codes


def test_each_level_down_to_the_towns_which_are_leaves(api, dev):
    cities = areas(api, dev, parentCode="440000", pageSize=100)["data"]
    shenzhen = next(a for a in cities if a["name"] == "深圳市")
    assert (shenzhen["code"], shenzhen["level"], shenzhen["parentCode"]) == ("440300", 2, "440000")
    districts = areas(api, dev, parentCode="440300", pageSize=100)["data"]
    nanshan = next(a for a in districts if a["name"] == "南山区")
    assert (nanshan["code"], nanshan["level"], nanshan["leaf"]) == ("440305", 3, False)
    towns = areas(api, dev, parentCode="440305", pageSize=100)["data"]
    assert towns and all(t["level"] == 4 and len(t["code"]) == 9 and t["leaf"] for t in towns)
    assert any(t["name"] == "粤海街道" and t["nameEn"] for t in towns)
    assert all(t["parentCode"] == "440305" for t in towns)
    leaf = areas(api, dev, parentCode=towns[0]["code"])
    assert (leaf["totalRecords"], leaf["data"]) == (0, [])
    # a city without districts has its towns right below it
    dongguan = areas(api, dev, parentCode="441900", pageSize=5)
    assert dongguan["data"][0]["level"] == 4 and dongguan["totalRecords"] > 5


def test_an_unknown_or_malformed_parent_code_and_bad_paging_answer_40001(api, dev):
    for params, field in [
        ({"parentCode": "999999"}, "parentCode"),
        ({"parentCode": "44030"}, "parentCode"),
        ({"parentCode": "44a300"}, "parentCode"),
        ({"pageSize": 101}, "pageSize"),
        ({"pageNo": 0}, "pageNo"),
    ]:
        body = assert_error(api.call(dev, "GET", AREAS, params=params), 40001)
        assert field_names(body) == [field], (params, body)


def test_parse_answers_the_s3_fields_with_codes(api, dev):
    text = "张三 13812345678 广东省深圳市南山区粤海街道科技园10栋"
    got = assert_ok(api.call(dev, "POST", PARSE, body={"text": text}))
    assert got["fullName"] == "张三" and got["mobile"] == "13812345678"
    assert (got["provinceText"], got["cityText"], got["areaText"], got["townText"]) == (
        "广东省",
        "深圳市",
        "南山区",
        "粤海街道",
    )
    assert (got["districtCode"], got["address"]) == ("440305", "科技园10栋")
    assert len(got["townCode"]) == 9 and got["townCode"].startswith("440305")
    assert 90 <= got["confidence"] <= 100 and got["unmatched"] == ""
    assert set(got) == {
        "fullName",
        "mobile",
        "phone",
        "postCode",
        "provinceText",
        "cityText",
        "areaText",
        "townText",
        "address",
        "districtCode",
        "townCode",
        "confidence",
        "unmatched",
    }


def test_unparseable_text_is_confidence_0_not_an_error(api, dev):
    got = assert_ok(api.call(dev, "POST", PARSE, body={"text": "hello world"}))
    assert (got["confidence"], got["districtCode"], got["unmatched"]) == (0, None, "hello world")


def test_parse_refuses_a_text_over_500_characters_a_missing_or_non_string_text(api, dev):
    assert_ok(api.call(dev, "POST", PARSE, body={"text": "北" * 500}))
    for body in ({"text": "北" * 501}, {}, {"text": 12}):
        answer = assert_error(api.call(dev, "POST", PARSE, body=body), 40001)
        assert field_names(answer) == ["text"], (body, answer)


def test_both_routes_are_signed(api, dev, client):
    assert_error(client.get(AREAS), 40100)
    assert_error(client.post(PARSE, json={"text": "北京"}), 40100)
