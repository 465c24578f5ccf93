"""ENDPOINTS 10.6: the domestic carriers for return shipments, by platform (1688 companyNo by
default, Taobao logisticsCompanyCode with platform 0), filtered by name, code or pinyin spelling
(case-blind), in S1 pages; and the return routes accept exactly its codes (3.10 also YD, the
gateway's first code for 韵达, recorded as YUNDA)."""

from __future__ import annotations

from daigou.carriers import service as carriers
from daigou.refunds1688.schemas import RefundReturnRequest
from daigou.refundstaobao.schemas import TaobaoReturnSubmit
from tests.support.api import assert_error, assert_ok, field_names

LIST = "/open/logistics/company/list"


def companies(api, dev, **params):
    return assert_ok(api.call(dev, "GET", LIST, params=params))


def test_the_list_by_platform_with_codes_phones_and_spelling(api, dev):
    ali = companies(api, dev, pageSize=100)
    tb = companies(api, dev, platform=0, pageSize=100)
    assert ali["totalRecords"] == tb["totalRecords"] == len(carriers.all_carriers()) >= 25
    assert ali["nextCursor"] is None and ali["totalPage"] == 1
    assert {r["platform"] for r in ali["data"]} == {1} and {r["platform"] for r in tb["data"]} == {
        0
    }
    first = ali["data"][0]
    assert first == {
        "companyNo": "SF",
        "companyName": "顺丰速运",
        "companyPhone": "95338",
        "spelling": "shunfengsuyun",
        "platform": 1,
    }
    by_name_tb = {r["companyName"]: r["companyNo"] for r in tb["data"]}
    by_name_ali = {r["companyName"]: r["companyNo"] for r in ali["data"]}
    assert by_name_tb["韵达快递"] == by_name_ali["韵达快递"] == "YUNDA"
    assert (by_name_tb["德邦快递"], by_name_ali["德邦快递"]) == ("DBKD", "DBL")
    assert by_name_tb["邮政快递包裹"] == "POSTB" and by_name_tb["极兔速递"] == "JTSD"
    assert len(set(by_name_tb.values())) == len(by_name_tb), "one code per carrier"
    phones = {r["companyNo"]: r["companyPhone"] for r in ali["data"]}
    assert (phones["ZTO"], phones["EMS"], phones["KYE"]) == ("95311", "11183", "4008098098")


def test_keyword_matches_name_code_or_spelling_case_blind(api, dev):
    def names(**params):
        return [r["companyName"] for r in companies(api, dev, pageSize=100, **params)["data"]]

    assert names(keyword="顺丰") == ["顺丰速运"]
    assert names(keyword="zto") == ["中通快递", "中通快运"]
    assert names(keyword="ShunFeng") == ["顺丰速运"]
    assert names(keyword="kuaiyun") == ["中通快运", "韵达快运", "百世快运", "京东快运"]
    assert names(keyword="DBL") == ["德邦快递"] and names(keyword="DBL", platform=0) == []
    assert names(keyword="dbkd", platform=0) == ["德邦快递"]
    assert names(keyword="nowhere-express") == []


def test_pages_of_the_list(api, dev):
    whole = [r["companyNo"] for r in companies(api, dev, pageSize=100)["data"]]
    p1 = companies(api, dev, pageSize=10)
    p3 = companies(api, dev, pageSize=10, pageNo=3)
    assert (p1["totalRecords"], p1["totalPage"], p3["currentPage"]) == (len(whole), 3, 3)
    assert [r["companyNo"] for r in p1["data"]] == whole[:10]
    assert [r["companyNo"] for r in p3["data"]] == whole[20:30]
    assert companies(api, dev, pageSize=10, pageNo=9)["data"] == []
    for params, field in (
        ({"platform": 2}, "platform"),
        ({"pageSize": 101}, "pageSize"),
        ({"pageNo": 0}, "pageNo"),
        ({"keyword": "x" * 65}, "keyword"),
    ):
        r = api.call(dev, "GET", LIST, params=params)
        assert field_names(assert_error(r, 40001)) == [field], params


def test_return_routes_take_the_codes_of_their_platform():
    rid = "TQ123"
    # Taobao 3.10: the gateway's first codes still work; YD is recorded as YUNDA
    for code, kept in (("SF", "SF"), ("YD", "YUNDA"), ("yunda", "YUNDA"), ("POSTB", "POSTB")):
        body = {"refundId": rid, "logisticsCompanyCode": code, "logisticsNo": "SF12345678"}
        assert TaobaoReturnSubmit.model_validate(body).logisticsCompanyCode == kept
    # 1688 7.4: a companyNo of 10.6 (Taobao's DBKD is taken as 1688's DBL)
    for code, kept in (("YTO", "YTO"), ("DBKD", "DBL"), ("zto", "ZTO")):
        body = {"refundId": rid, "logisticsCompanyNo": code, "freightBill": "YT7512345678901"}
        assert RefundReturnRequest.model_validate(body).logisticsCompanyNo == kept
    assert carriers.find(carriers.ALIBABA, "UPS") is None
    assert carriers.name_of(carriers.TAOBAO, "YD") == "韵达快递"


def test_unknown_codes_are_refused_on_the_field(api, dev):
    body = {"refundId": "TQ1", "logisticsCompanyNo": "UPS", "freightBill": "YT7512345678901"}
    r = api.call(dev, "POST", "/alibaba/refund/goods/return", body=body)
    assert field_names(assert_error(r, 40001)) == ["logisticsCompanyNo"]
    body = {"refundId": "TQ1", "logisticsCompanyCode": "UPS", "logisticsNo": "SF12345678"}
    r = api.call(dev, "POST", "/open/order/refund/logistics/submit", body=body)
    assert field_names(assert_error(r, 40001)) == ["logisticsCompanyCode"]
