"""Address parsing (ENDPOINTS 10.4) measured on a labelled set of real-format addresses.

    PYTHONPATH=src .venv/bin/python bench/address_parse.py [--data FILE.tsv]

Prints the exact match rate of province, city and district together (all three codes right)
and of each level alone, the parse time per address, and every miss with what was found.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from daigou.addresses.parse import parse

DATA = Path(__file__).resolve().parent / "data" / "addresses_labelled.tsv"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    with args.data.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    started = time.perf_counter()
    parse("预热")  # the index is built once per process
    index_s = time.perf_counter() - started
    right = {"province": 0, "city": 0, "district": 0, "all": 0}
    misses: list[str] = []
    started = time.perf_counter()
    for row in rows:
        got = parse(row["text"])
        found = (got.province_code, got.city_code, got.district_code)
        want = (row["province_code"], row["city_code"], row["district_code"])
        for name, a, b in zip(("province", "city", "district"), found, want, strict=True):
            right[name] += a == b
        if found == want:
            right["all"] += 1
        else:
            wire = got.to_wire()
            misses.append(
                f"  {row['text']}\n    want {'/'.join(want)} {row['province']}{row['city']}"
                f"{row['district']}\n    got  {'/'.join(str(c) for c in found)} "
                f"{wire['provinceText']}{wire['cityText']}{wire['areaText']} "
                f"(confidence {got.confidence}, unmatched {wire['unmatched']!r})"
            )
    per_ms = (time.perf_counter() - started) * 1000 / max(1, len(rows))
    n = len(rows)
    print(f"{n} labelled addresses ({args.data.name}); index built in {index_s * 1000:.0f} ms")
    print(f"province/city/district exact: {right['all']}/{n} = {100 * right['all'] / n:.1f}%")
    for name in ("province", "city", "district"):
        print(f"  {name:<9} {right[name]}/{n} = {100 * right[name] / n:.1f}%")
    print(f"parse time: {per_ms:.2f} ms per address")
    if misses:
        print("misses:")
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
