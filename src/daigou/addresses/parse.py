"""Free-text Chinese addresses split into recipient, phone, post code and area codes (ENDPOINTS
10.4).

The area names come from the official table (``areas.py``), never from a list written here: each
province, city and district is known by its full name and by its short form (the name without
省/市/区/县/旗/盟/地区/自治区/自治州/..., and without the ethnic groups an autonomous area is named
after: 广西壮族自治区 -> 广西, 延边朝鲜族自治州 -> 延边). Towns are known by their full names,
looked up only under a district (or a city without districts) that the text names.

How an area is chosen: every mention of an area in the text is a *hit*; each hit proposes the
chain province > city > district (> town) it belongs to, and each chain is scored by the hits
that support it in reading order (a district after its city after its province). The best chain
has the most supporting hits, then the fewest letters between them, then starts first, then uses
full names more than short ones, then goes deeper. Missing levels are taken from the chain
(a district alone gives its city and province). When two different chains score the same (朝阳区
alone: Beijing or Changchun), only what they share is kept and the rest is left unmatched, with a
lower confidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import product
from typing import Any

import phonenumbers

from daigou.addresses import areas
from daigou.addresses.areas import CITY, DISTRICT, PROVINCE, TOWN, Area
from daigou.addresses.phones import mobile as valid_mobile
from daigou.addresses.phones import phone as valid_phone

MAX_TEXT = 500

# The 56 ethnic groups (their Chinese names), which autonomous areas carry in their names. A
# single-character name is stripped only with its 族 (回族), a longer one also without (蒙古).
_ETHNIC_GROUPS = (
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
)
# Administrative suffixes, longest first: what a short name leaves out.
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "新区",
    "林区",
    "特区",
    "矿区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
)
_TOWN_SUFFIX = "街道办事处"
_MENTIONS = 3  # mentions of one area weighed when choosing (bounds the work on odd text)
# A short name followed by one of these names a different kind of area (朝阳 + 市 is not 朝阳区).
_KIND_CHARS = "省市区县"
# Words that label a part of the text rather than being part of it.
_LABELS = (
    "收件人姓名",
    "收货人姓名",
    "收件人",
    "收货人",
    "联系人",
    "姓名",
    "名字",
    "手机号码",
    "手机号",
    "手机",
    "联系电话",
    "联系方式",
    "电话号码",
    "电话",
    "固话",
    "座机",
    "邮政编码",
    "邮编",
    "收货地址",
    "收件地址",
    "详细地址",
    "所在地区",
    "地址",
)
_LABEL_AT_START = re.compile("^(?:" + "|".join(_LABELS) + ")+")
_LABEL_AT_END = re.compile("(?:" + "|".join(_LABELS) + ")+$")
# Characters that mark a piece of street address rather than a person's name.
_ADDRESS_MARKS = set("路街巷弄道号栋楼室座层村镇乡区苑厦幢单元组社里院湾庄")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_NAME = re.compile(rf"^[{_CJK}·]{{2,6}}$")
_NAME_AFTER_NUMBER = re.compile(rf"[0-9]+(号|室|栋|楼|座|层|单元|幢)([{_CJK}]{{2,3}}收?)$")
_LATIN_WORD = re.compile(r"^[A-Za-z][A-Za-z.'-]{0,30}$")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[\s-]?)?1[3-9][0-9](?:[\s-]?[0-9]){8}(?![0-9])")
_FIXED = re.compile(
    r"(?<![0-9])(?:(?:\+|00)?86[\s-]?)?(?:\(0?[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2})[\s-]?"
    r"[0-9]{3,4}[\s-]?[0-9]{4}(?:(?:-|转|ext\.?)[0-9]{1,6})?(?![0-9])"
)
_POST_LABELLED = re.compile(r"(?:邮政编码|邮编)\s*[:：]?\s*([0-9]{6})(?![0-9])")
_POST_ALONE = re.compile(r"^[0-9]{6}$")
_PUNCTUATION = re.compile(r"[,，。;；、|/\\()（）【】\[\]<>《》\"'“”‘’!！?？:：\s]+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One mention of an area in the text: ``text[start:end]`` names ``area``."""

    start: int
    end: int
    area: Area
    full: bool  # the full name (not its short form)


@dataclass
class ParsedAddress:
    """What 10.4 answers (S3 fields, the town, confidence, what was not understood), plus the
    province and city codes the wire form leaves out."""

    full_name: str | None = None
    mobile: str | None = None
    phone: str | None = None
    post_code: str | None = None
    province: Area | None = None
    city: Area | None = None
    district: Area | None = None  # a city without districts stands here for itself
    town: Area | None = None
    address: str = ""
    confidence: int = 0
    unmatched: list[str] = field(default_factory=list)
    ambiguous: bool = False

    @property
    def province_code(self) -> str | None:
        return self.province.code if self.province else None

    @property
    def city_code(self) -> str | None:
        return self.city.code if self.city else None

    @property
    def district_code(self) -> str | None:
        return self.district.code if self.district else None

    def to_wire(self) -> dict[str, Any]:
        city_text = None
        if self.city is not None:
            # 省直辖县级行政区划 is no address text: the county-level city names itself
            pseudo = _pseudo_city(self.city)
            city_text = self.district.name if pseudo and self.district else self.city.name
            if pseudo and self.district is None:
                city_text = None
        area_text = None
        if self.district is not None and self.district.level == DISTRICT:
            area_text = self.district.name
        return {
            "fullName": self.full_name,
            "mobile": self.mobile,
            "phone": self.phone,
            "postCode": self.post_code,
            "provinceText": self.province.name if self.province else None,
            "cityText": city_text,
            "areaText": area_text,
            "townText": self.town.name if self.town else None,
            "address": self.address,
            "districtCode": self.district_code,
            "townCode": self.town.code if self.town else None,
            "confidence": self.confidence,
            "unmatched": " ".join(self.unmatched),
        }


# --- the index (built once per process) ---------------------------------------------------------


def short_name(name: str) -> str | None:
    """The everyday form of an official name (广西壮族自治区 -> 广西, 浦东新区 -> 浦东,
    延边朝鲜族自治州 -> 延边), or None when nothing of two characters or more is left."""
    stem = name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    stripped = True
    while stripped:
        stripped = False
        for group in _ETHNIC_GROUPS:
            for form in (group + "族", group) if len(group) > 1 else (group + "族",):
                if stem.endswith(form) and len(stem) - len(form) >= 2:
                    stem = stem[: -len(form)]
                    stripped = True
                    break
            if stripped:
                break
    if len(stem) < 2 or stem == name:
        return None
    return stem


@dataclass(frozen=True)
class _Index:
    by_alias: dict[str, tuple[tuple[Area, bool], ...]]
    max_len: int


def _pseudo_city(area: Area) -> bool:
    """省直辖县级行政区划 and 自治区直辖县级行政区划: a grouping, never written in an address."""
    return area.level == CITY and area.name.endswith("直辖县级行政区划")


@cache
def _index() -> _Index:
    aliases: dict[str, list[tuple[Area, bool]]] = {}
    for found in areas.all_areas():
        if found.level > DISTRICT:
            continue
        aliases.setdefault(found.name, []).append((found, True))
        short = None if _pseudo_city(found) else short_name(found.name)
        if short is not None:
            aliases.setdefault(short, []).append((found, False))
            if found.name.endswith("自治州"):  # 延边朝鲜族自治州 is written 延边州 too
                aliases.setdefault(short + "州", []).append((found, True))
    frozen = {k: tuple(v) for k, v in aliases.items()}
    return _Index(frozen, max(len(k) for k in frozen))


@cache
def _town_index(parent_code: str, depth: int) -> _Index:
    """Towns by full name under an area: its children (depth 1) or grandchildren (depth 2)."""
    parents = [parent_code]
    if depth == 2:
        parents = [a.code for a in areas.children(parent_code) if a.level == DISTRICT]
    aliases: dict[str, list[tuple[Area, bool]]] = {}
    for code in parents:
        for town in areas.children(code):
            if town.level != TOWN:
                continue
            aliases.setdefault(town.name, []).append((town, True))
            if town.name.endswith(_TOWN_SUFFIX):  # 某某街道办事处 is written 某某街道
                aliases.setdefault(town.name[: -len("办事处")], []).append((town, True))
    frozen = {k: tuple(v) for k, v in aliases.items()}
    return _Index(frozen, max((len(k) for k in frozen), default=0))


def _has_towns(area: Area) -> bool:
    kids = areas.children(area.code)
    return bool(kids) and kids[0].level == TOWN


def _scan(text: str, index: _Index) -> list[Hit]:
    hits: list[Hit] = []
    n = len(text)
    for i in range(n):
        for length in range(min(index.max_len, n - i), 1, -1):
            found = index.by_alias.get(text[i : i + length])
            if not found:
                continue
            nxt = text[i + length] if i + length < n else ""
            for area, full in found:
                if not full and nxt and nxt in _KIND_CHARS and not area.name.endswith(nxt):
                    continue  # 朝阳 in 朝阳市 is not 朝阳区
                hits.append(Hit(i, i + length, area, full))
    return hits


# --- choosing a chain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    areas: tuple[Area, ...]  # province first
    hits: tuple[Hit | None, ...]  # the hit supporting each level, or None (inferred)
    key: tuple[int, ...]

    @property
    def used(self) -> list[Hit]:
        return [h for h in self.hits if h is not None]


def _score(text: str, chain: Sequence[Area], hits: Sequence[Hit | None]) -> tuple[int, ...]:
    spans: list[tuple[int, int]] = []
    fulls = 0
    for hit in hits:
        if hit is None:
            continue
        fulls += hit.full
        if (hit.start, hit.end) not in spans:
            spans.append((hit.start, hit.end))
    gaps = 0
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        gaps += len(text[end:start].replace(" ", ""))
    return (len(spans), -gaps, -spans[0][0], fulls, len(chain))


def _best_support(
    text: str, chain: tuple[Area, ...], by_code: dict[str, list[Hit]]
) -> _Chain | None:
    """The hits that best support `chain`, in reading order; the last level must be named."""
    options: list[list[Hit | None]] = []
    for level, member in enumerate(chain):
        # an address names an area once or twice: the first mentions bound the search
        found: list[Hit | None] = list(by_code.get(member.code, [])[:_MENTIONS])
        if level < len(chain) - 1:
            found.append(None)
        if not found:
            return None
        options.append(found)
    best: _Chain | None = None
    for choice in product(*options):
        prev: Hit | None = None
        prev_area: Area | None = None
        ok = True
        for member, hit in zip(chain, choice, strict=True):
            if hit is None:
                continue
            if prev is not None and prev_area is not None:
                same = (hit.start, hit.end) == (prev.start, prev.end)
                if not (hit.start >= prev.end or (same and member.name == prev_area.name)):
                    ok = False
                    break
            prev, prev_area = hit, member
        if not ok:
            continue
        key = _score(text, chain, choice)
        if best is None or key > best.key:
            best = _Chain(chain, tuple(choice), key)
    return best


def _chains(text: str, hits: list[Hit]) -> list[_Chain]:
    by_code: dict[str, list[Hit]] = {}
    for hit in hits:
        by_code.setdefault(hit.area.code, []).append(hit)
    leaves: list[tuple[Area, ...]] = []
    for code in list(by_code):
        chain = areas.ancestors(code)
        leaves.append(chain)
        leaf = chain[-1]
        town_depth = 0
        if leaf.level == DISTRICT or (leaf.level == CITY and _has_towns(leaf)):
            town_depth = 1
        elif leaf.level == CITY:
            town_depth = 2  # a town names its district when the district is left out
        if town_depth:
            for town_hit in _scan(text, _town_index(leaf.code, town_depth)):
                by_code.setdefault(town_hit.area.code, []).append(town_hit)
                leaves.append(areas.ancestors(town_hit.area.code))
    out: dict[str, _Chain] = {}
    for chain in leaves:
        if chain[-1].code in out:
            continue
        supported = _best_support(text, chain, by_code)
        if supported is not None:
            out[chain[-1].code] = supported
    return sorted(out.values(), key=lambda c: c.key, reverse=True)


def _choose(text: str) -> tuple[_Chain | None, bool, list[Hit]]:
    """The best chain (cut to what the tied best chains share) and whether there was a tie."""
    hits = _scan(text, _index())
    ranked = _chains(text, hits)
    if not ranked:
        return None, False, []
    best = ranked[0]
    tied = [c for c in ranked if c.key == best.key]
    if len(tied) == 1:
        return best, False, []
    shared = 0
    while all(
        len(c.areas) > shared and c.areas[shared].code == best.areas[shared].code for c in tied
    ):
        shared += 1
    tied_hits = [h for c in tied for h in c.used]
    if shared == 0:
        return None, True, tied_hits
    named = {h.area.code: h for h in tied_hits}
    kept_areas = best.areas[:shared]
    kept = _Chain(kept_areas, tuple(named.get(a.code) for a in kept_areas), best.key)
    return kept, True, tied_hits


# --- the text around the areas ------------------------------------------------------------------


def _national_fixed(e164: str) -> str:
    """+861012345678 -> 010-12345678 (the area code with its trunk 0, a dash, the number)."""
    parsed = phonenumbers.parse(e164)
    national = str(parsed.national_number)
    split = phonenumbers.length_of_geographical_area_code(parsed)
    if split <= 0:
        return "0" + national
    return f"0{national[:split]}-{national[split:]}"


def _take_phones(text: str, out: ParsedAddress) -> str:
    def mobile_sub(match: re.Match[str]) -> str:
        found = valid_mobile(match.group(0))
        if found is None:
            return match.group(0)
        if out.mobile is None:
            out.mobile = found
        return " "

    def fixed_sub(match: re.Match[str]) -> str:
        raw = match.group(0)
        extension = re.search(r"(?:-|转|ext\.?)([0-9]{1,6})$", raw)
        number = raw[: extension.start()] if extension else raw
        found = valid_phone(number.replace("(", "").replace(")", ""))
        if found is None and extension is not None:
            found, extension = valid_phone(raw.replace("(", "").replace(")", "")), None
        if found is None:
            return raw
        if valid_mobile(found) is not None:
            if out.mobile is None:
                out.mobile = valid_mobile(found)
            return " "
        if out.phone is None:
            out.phone = _national_fixed(found) + (f"-{extension.group(1)}" if extension else "")
        return " "

    text = _MOBILE.sub(mobile_sub, text)
    return _FIXED.sub(fixed_sub, text)


def _take_post_code(text: str, out: ParsedAddress) -> str:
    def sub(match: re.Match[str]) -> str:
        if out.post_code is None:
            out.post_code = match.group(1)
        return " "

    return _POST_LABELLED.sub(sub, text)


def _clean_segment(segment: str) -> str:
    segment = _LABEL_AT_START.sub("", segment)
    return _LABEL_AT_END.sub("", segment)


def _as_name(segment: str) -> str | None:
    """A segment that reads as a person's name (王五, 王五收, 赵先生), or None."""
    name = segment[:-1] if segment.endswith("收") and len(segment) > 2 else segment
    if not _NAME.match(name) or any(ch in _ADDRESS_MARKS for ch in name):
        return None
    return name


def _segments(text: str) -> list[str]:
    return [s for s in (_clean_segment(p) for p in _PUNCTUATION.split(text)) if s]


def _latin_name(parts: Iterable[str]) -> str | None:
    words = list(parts)
    if 1 <= len(words) <= 4 and all(_LATIN_WORD.match(w) for w in words):
        return " ".join(words)
    return None


def parse(text: str) -> ParsedAddress:
    """Split `text` (name, phone, address in any order) and find its area codes; text that
    holds no address gives confidence 0, never an error."""
    out = ParsedAddress()
    work = unicodedata.normalize("NFKC", text)
    work = _take_phones(work, out)
    work = _take_post_code(work, out)
    segments = _segments(work)
    kept: list[str] = []
    for segment in segments:
        if out.post_code is None and _POST_ALONE.match(segment):
            out.post_code = segment
        else:
            kept.append(segment)
    joined = " ".join(kept)
    chain, ambiguous, tied_hits = _choose(joined)
    out.ambiguous = ambiguous
    if chain is None:
        _no_area(out, kept, tied_hits, joined)
        return out
    _fill_areas(out, chain)
    used = chain.used + tied_hits
    first = min(h.start for h in used)
    last = max(h.end for h in used)
    if ambiguous:
        # what the tied chains name differently stays in the street address, and is reported
        last = max((h.end for h in chain.used), default=first)
        spans = {(h.start, h.end) for h in chain.used}
        differ = [h for h in tied_hits if (h.start, h.end) not in spans]
        if differ:
            out.unmatched.append(joined[min(h.start for h in differ) : max(h.end for h in differ)])
    _split_around(out, joined, first, last, chain if not ambiguous else None, ambiguous)
    out.confidence = _confidence(out, chain)
    return out


def _no_area(out: ParsedAddress, kept: list[str], tied_hits: list[Hit], joined: str) -> None:
    rest: list[str] = []
    for segment in kept:
        name = _as_name(segment)
        if name is not None and out.full_name is None:
            out.full_name = name
        else:
            rest.append(segment)
    if tied_hits:
        # a district name two places share: the street address is kept, the names reported
        start = min(h.start for h in tied_hits)
        out.unmatched.append(joined[start : max(h.end for h in tied_hits)])
        out.address = " ".join(s for s in rest if joined.find(s) >= start)
        before = [s for s in rest if joined.find(s) < start]
        out.unmatched[:0] = before
        out.confidence = 10
        return
    out.unmatched.extend(rest)


def _fill_areas(out: ParsedAddress, chain: _Chain) -> None:
    for member in chain.areas:
        if member.level == PROVINCE:
            out.province = member
        elif member.level == CITY:
            out.city = member
            if _has_towns(member):
                out.district = member
        elif member.level == DISTRICT:
            out.district = member
        elif member.level == TOWN:
            out.town = member


def _split_around(
    out: ParsedAddress,
    joined: str,
    first: int,
    last: int,
    chain: _Chain | None,
    street_only: bool = False,
) -> None:
    """Before the areas: a name or not understood; between their names: not understood; after
    them: the street address, and a name standing alone."""
    before: list[str] = [s for s in joined[:first].split(" ") if s]
    gaps: list[str] = []
    if chain is not None:
        spans = sorted({(h.start, h.end) for h in chain.used})
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            gap = joined[end:start].strip()
            if gap:
                gaps.append(gap)
    after = [s for s in joined[last:].split(" ") if s]
    # street_only: what follows holds names the parser would not choose between
    glued_tail = street_only or (not joined[last : last + 1].isspace() and 0 < last < len(joined))
    latin = _latin_name(before)
    if latin is not None:
        out.full_name = latin
        before = []
    for segment in before:
        name = _as_name(segment)
        if name is not None and out.full_name is None:
            out.full_name = name
        else:
            out.unmatched.append(segment)
    out.unmatched.extend(gaps)
    street: list[str] = []
    for i, segment in enumerate(after):
        name = None if (i == 0 and glued_tail) else _as_name(segment)
        if name is not None and out.full_name is None and not _numbered(segment):
            out.full_name = name
        else:
            street.append(segment)
    if out.full_name is None and street:
        # 新港中路397号张三: a name written straight after the house number
        tail = _NAME_AFTER_NUMBER.search(street[-1])
        if tail is not None and _as_name(tail.group(2)) is not None:
            out.full_name = _as_name(tail.group(2))
            street[-1] = street[-1][: tail.start(2)]
    out.address = " ".join(street)


def _numbered(segment: str) -> bool:
    return any(ch.isdigit() for ch in segment)


def _confidence(out: ParsedAddress, chain: _Chain) -> int:
    named = {h.area.level for h in chain.used}
    score = 0
    for level, weight in ((PROVINCE, 25), (CITY, 25), (DISTRICT, 30)):
        present = {PROVINCE: out.province, CITY: out.city, DISTRICT: out.district}[level]
        if present is None:
            continue
        score += weight if level in named else weight * 3 // 4
    if out.district is not None and out.district.level == CITY:  # 东莞: the city is the district
        score += 30 if CITY in named else 22
    if out.town is not None:
        score += 5
    if out.address:
        score += 5
    if out.full_name or out.mobile or out.phone:
        score += 5
    if out.ambiguous:
        score -= 15
    if out.unmatched:
        score -= 10
    return max(1, min(100, score))
