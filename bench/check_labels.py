"""Check that a labelled address set names real province > city > district chains.

    /work/main/.venv/bin/python bench/check_labels.py [--data FILE.tsv] [--areas areas.tsv.gz]

Reads the labelled set (UTF-8, tab-separated, no quoting; header
``text province_code city_code district_code province city district``) and the official
area table the project ships (``src/daigou/addresses/data/areas.tsv.gz``: code, name,
name_en, parent_code, level) and fails (exit status 1, one line per problem) when a row:

* has the wrong number of fields, an empty text, or a tab/line break inside the text;
* has a province code that is not a level-1 row, a city code that is not a level-2 row
  whose parent is the province, or a district code that is not a level-3 row whose parent
  is the city. The one exception is a city without districts (东莞 441900, 中山 442000,
  儋州 460400, whose towns hang directly under the city): there district_code must equal
  city_code;
* names a province, city or district differently from the table;
* contains something that looks like a mobile number (a run of 11 digits starting with 1,
  optionally written 3-4-4 with spaces or dashes) whose prefix is not 13x/15x/17x/18x/19x;
* repeats the text of an earlier row.

It also prints how many rows and provinces the set covers. It does not run the parser.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "addresses_heldout.tsv"
AREAS = ROOT / "src" / "daigou" / "addresses" / "data" / "areas.tsv.gz"
HEADER = ["text", "province_code", "city_code", "district_code", "province", "city", "district"]
MOBILE = re.compile(r"(?<!\d)(1\d{2})[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
MOBILE_PREFIX = re.compile(r"1[3579]\d|18\d")


def load_areas(path: Path) -> dict[str, tuple[str, str, int]]:
    """code -> (name, parent_code, level)"""
    areas: dict[str, tuple[str, str, int]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            areas[row["code"]] = (row["name"], row["parent_code"], int(row["level"]))
    return areas


def check(data: Path, areas_path: Path) -> list[str]:
    areas = load_areas(areas_path)
    has_districts = {parent for name, parent, level in areas.values() if level == 3}
    problems: list[str] = []
    seen: dict[str, int] = {}
    provinces: set[str] = set()
    with data.open(encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].split("\t") != HEADER:
        return [f"line 1: header must be exactly {chr(9).join(HEADER)!r}"]
    for no, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(HEADER):
            problems.append(f"line {no}: {len(fields)} fields, want {len(HEADER)}")
            continue
        text, pc, cc, dc, pn, cn, dn = fields
        where = f"line {no} ({text[:30]}...)"
        if not text.strip() or "\r" in text:
            problems.append(f"{where}: empty text or a carriage return in it")
        if text in seen:
            problems.append(f"{where}: same text as line {seen[text]}")
        seen[text] = no

        def expect(
            code: str, level: int, parent: str | None, name: str, what: str, where: str = where
        ) -> bool:
            got = areas.get(code)
            if got is None:
                problems.append(f"{where}: {what} code {code!r} is not in the table")
                return False
            if got[2] != level:
                problems.append(f"{where}: {what} {code} is level {got[2]}, want {level}")
                return False
            if parent is not None and got[1] != parent:
                problems.append(f"{where}: {what} {code}'s parent is {got[1]}, not {parent}")
                return False
            if got[0] != name:
                problems.append(f"{where}: {what} {code} is named {got[0]!r}, not {name!r}")
                return False
            return True

        if not expect(pc, 1, None, pn, "province"):
            continue
        provinces.add(pc)
        if not expect(cc, 2, pc, cn, "city"):
            continue
        if dc == cc:
            if cc in has_districts:
                problems.append(f"{where}: district_code = city_code but {cc} has districts")
            elif dn != cn:
                problems.append(f"{where}: district name {dn!r} must repeat the city {cn!r}")
        else:
            expect(dc, 3, cc, dn, "district")
        for m in MOBILE.finditer(text):
            if not MOBILE_PREFIX.fullmatch(m.group(1)):
                problems.append(f"{where}: {m.group(0)} is not a 13x/15x/17x/18x/19x mobile")
    print(f"{len(lines) - 1} rows, {len(provinces)} provinces, {len(problems)} problems")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--areas", type=Path, default=AREAS)
    args = ap.parse_args()
    problems = check(args.data, args.areas)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
