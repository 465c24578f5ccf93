"""ENDPOINTS 10.1-10.3: saved consignee addresses, their area chain, the default and the limit,
and who sees them (a sub-account its own; the main account all of its developer's)."""

from __future__ import annotations

from tests.support.addresses import DELETE, HOME, LIST, listed, save, saved, sub_account
from tests.support.api import assert_error, assert_ok, field_names


def _ids(page):
    return [a["id"] for a in page["data"]]


def test_a_created_address_keeps_official_names_and_fills_its_codes(api, dev):
    made = saved(api, dev)
    assert made["id"] > 0 and isinstance(made["id"], int)
    assert (made["province"], made["city"], made["district"]) == ("广东省", "深圳市", "南山区")
    assert made["districtCode"] == "440305"
    assert (made["town"], made["townCode"]) == ("粤海街道", "440305007")
    assert (made["name"], made["phone"], made["postCode"], made["label"]) == (
        "张三",
        "13800138000",
        "518057",
        "home",
    )
    assert made["isDefault"] is True  # the first address is the default
    assert made["createTime"] == made["modifyTime"] > 0
    assert listed(api, dev)["data"] == [made]


def test_names_in_full_short_or_pinyin_form_and_cities_without_districts(api, dev):
    full = saved(api, dev, province="广东省", city="深圳市", district="南山区", town=None)
    assert full["districtCode"] == "440305" and full["townCode"] is None
    pinyin = saved(api, dev, province="Guangdong Sheng", city="shenzhen shi", district="Futian Qu")
    assert pinyin["districtCode"] == "440304"
    # a municipality: its one city carries its name
    beijing = saved(api, dev, province="北京", city="北京市", district="朝阳", town="不存在的镇")
    assert (beijing["districtCode"], beijing["city"]) == ("110105", "北京市")
    assert (beijing["town"], beijing["townCode"]) == ("不存在的镇", None)  # kept as text
    # a city without districts is its own district; a town of it may stand in the district
    dongguan = saved(api, dev, city="东莞", district="东莞市", town="长安镇")
    assert (dongguan["districtCode"], dongguan["townCode"]) == ("441900", "441900119")
    by_town = saved(api, dev, city="东莞", district="虎门镇", town=None)
    assert (by_town["districtCode"], by_town["town"]) == ("441900", "虎门镇")
    # a county-level city directly under its province (湖北 仙桃)
    xiantao = saved(api, dev, province="湖北", city="仙桃市", district="仙桃", town=None)
    assert xiantao["districtCode"] == "429004"


def test_bad_phone_area_chain_and_missing_fields_answer_40001_with_the_field(api, dev):
    cases = [
        ({"phone": "12345"}, "phone"),
        ({"phone": "010-62345678"}, "phone"),  # a fixed line is not a mobile
        ({"tel": "12"}, "tel"),
        ({"province": "火星"}, "province"),
        ({"city": "广州市", "district": "南山区"}, "district"),  # not under the city
        ({"city": "杭州"}, "city"),  # not in 广东
        ({"districtCode": "440304"}, "districtCode"),  # 福田区, not 南山区
        ({"districtCode": "440300"}, "districtCode"),  # a city with districts
        ({"districtCode": "999999"}, "districtCode"),
        ({"districtCode": "4403"}, "districtCode"),
        ({"postCode": "51805a"}, "postCode"),
        ({"name": "n" * 51}, "name"),
    ]
    for change, field in cases:
        body = assert_error(save(api, dev, **{**HOME, **change}), 40001)
        assert field_names(body) == [field], (change, body)
    missing = assert_error(save(api, dev, name="张三", phone="13800138000"), 40001)
    assert field_names(missing) == ["province", "city", "district", "address"]
    assert listed(api, dev)["totalRecords"] == 0
    # given and consistent, districtCode is accepted
    assert saved(api, dev, districtCode="440305")["districtCode"] == "440305"


def test_update_replaces_the_fields_given_and_refills_the_codes(api, dev):
    made = saved(api, dev)
    moved = assert_ok(save(api, dev, id=made["id"], city="广州", district="天河"))
    assert (moved["city"], moved["district"], moved["districtCode"]) == (
        "广州市",
        "天河区",
        "440106",
    )
    assert (moved["town"], moved["townCode"]) == (None, None)  # 粤海街道 is not in 天河
    assert (moved["name"], moved["address"], moved["createTime"]) == (
        made["name"],
        made["address"],
        made["createTime"],
    )
    assert moved["modifyTime"] >= made["modifyTime"]
    renamed = assert_ok(save(api, dev, id=made["id"], name="李四", town="石牌街道"))
    assert (renamed["name"], renamed["townCode"]) == ("李四", "440106006")
    body = assert_error(save(api, dev, id=made["id"], district="南山"), 40001)
    assert field_names(body) == ["district"]
    assert_error(save(api, dev, id=made["id"], phone="1"), 40001)
    assert listed(api, dev)["data"] == [renamed]
    assert_error(save(api, dev, id=987654321, name="x"), 40401)


def test_one_default_per_account_passes_on_when_set_unset_or_deleted(api, dev):
    first = saved(api, dev, label="a")
    second = saved(api, dev, label="b")
    assert second["isDefault"] is False
    third = saved(api, dev, label="c", isDefault=True)
    assert third["isDefault"] is True
    page = listed(api, dev)
    assert _ids(page) == [third["id"], second["id"], first["id"]]  # default, then newest
    assert [a["isDefault"] for a in page["data"]] == [True, False, False]
    assert_ok(save(api, dev, id=first["id"], isDefault=True))
    assert [(a["id"], a["isDefault"]) for a in listed(api, dev)["data"]] == [
        (first["id"], True),
        (third["id"], False),
        (second["id"], False),
    ]
    # unsetting the default passes it to the newest other address
    assert assert_ok(save(api, dev, id=first["id"], isDefault=False))["isDefault"] is False
    assert listed(api, dev)["data"][0]["id"] == third["id"]
    # deleting the default passes it to the newest remaining address
    assert assert_ok(api.call(dev, "POST", DELETE, body={"id": third["id"]})) is True
    assert [(a["id"], a["isDefault"]) for a in listed(api, dev)["data"]] == [
        (second["id"], True),
        (first["id"], False),
    ]
    assert_error(api.call(dev, "POST", DELETE, body={"id": third["id"]}), 40401)
    assert_ok(api.call(dev, "POST", DELETE, body={"id": first["id"]}))
    assert_ok(api.call(dev, "POST", DELETE, body={"id": second["id"]}))
    assert listed(api, dev)["totalRecords"] == 0


def test_fifty_addresses_per_account_then_40901_and_paging(api, dev):
    sub_account(api, dev, "alice")
    made = [saved(api, dev, label=str(i))["id"] for i in range(50)]
    assert_error(save(api, dev, **HOME), 40901)
    assert saved(api, dev, "alice")["isDefault"] is True  # alice's book is her own
    page1 = listed(api, dev, pageNo=1, pageSize=20)
    assert (page1["totalRecords"], page1["totalPage"], page1["currentPage"]) == (50, 3, 1)
    assert page1["nextCursor"] is None
    page3 = listed(api, dev, pageNo=3, pageSize=20)
    everything = _ids(page1) + _ids(listed(api, dev, pageNo=2, pageSize=20)) + _ids(page3)
    assert everything == [made[0], *reversed(made[1:])]
    assert_error(api.call(dev, "GET", LIST, params={"pageSize": 101}), 40001)
    assert_ok(api.call(dev, "POST", DELETE, body={"id": made[7]}))
    assert saved(api, dev)["isDefault"] is False


def test_a_sub_account_sees_its_own_and_the_main_account_all(api, dev):
    sub_account(api, dev, "alice")
    sub_account(api, dev, "bob")
    mine = saved(api, dev, label="main")
    alices = saved(api, dev, "alice", label="alice")
    assert alices["isDefault"] is True  # the first of alice's book
    assert _ids(listed(api, dev)) == [mine["id"]]
    assert _ids(listed(api, dev, "alice")) == [alices["id"]]
    assert listed(api, dev, "bob")["totalRecords"] == 0
    # a sibling or the sub-account itself reaching past its book: 40302
    assert_error(save(api, dev, "bob", id=alices["id"], name="bob"), 40302)
    assert_error(save(api, dev, "alice", id=mine["id"], name="alice"), 40302)
    assert_error(api.call(dev, "POST", DELETE, body={"id": alices["id"]}, user_id="bob"), 40302)
    # the main account changes alice's address: it stays in her book
    changed = assert_ok(save(api, dev, id=alices["id"], label="by main", isDefault=True))
    assert changed["label"] == "by main"
    assert _ids(listed(api, dev, "alice")) == [alices["id"]]
    assert _ids(listed(api, dev)) == [mine["id"]]
    assert listed(api, dev)["data"][0]["isDefault"] is True  # main's default untouched
    # another developer does not see them at all
    other = api.create_developer()
    assert_error(save(api, other, id=mine["id"], name="x"), 40401)
    assert_error(api.call(other, "POST", DELETE, body={"id": alices["id"]}), 40401)
    assert listed(api, other)["totalRecords"] == 0
    assert_ok(api.call(dev, "POST", DELETE, body={"id": alices["id"]}))
    assert listed(api, dev, "alice")["totalRecords"] == 0
