"""The keyword word index (``word_index``) against ``store.search`` on the default catalogue.

    .venv/bin/python bench/bench_word_index.py [--db sqlite|postgresql] [--offers N] [--repeat N]

Loads the default catalogue (500 shops, 100,000 offers per platform) into a throwaway SQLite
file or PostgreSQL cluster (as ``bench_catalogue_load.py`` does), then prints the index's build
time and memory (RSS growth of the first build; the arrays' own bytes), the cost of the first
search after a product change (``catalogue_version`` bumped: the index re-reads overridden
offers), and median/p99 latency of ``word_index.search`` and ``store.search`` for typical
keywords, sorts and pages. Not run by the tests.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from daigou.db.migrate import upgrade  # noqa: E402
from daigou.db.session import Database  # noqa: E402
from daigou.marketplace.sandbox import catalogue as C  # noqa: E402
from daigou.marketplace.sandbox import store, word_index  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_catalogue_load import temporary_database  # noqa: E402

KEYWORDS = [
    ("shirt", "en"),
    ("bag", "en"),
    ("T恤", "zh"),
    ("T恤", "en"),
    ("áo", "vi"),
    ("camiseta", "es"),
    ("เสื้อยืด", "th"),
    ("polo shirt", "en"),
    ("纯棉 短袖", "zh"),
    ("", "en"),
    ("shir", "en"),  # a fragment: falls back to store.search
]
CASES = [("relevance", 1), ("price_asc", 1), ("relevance", 5), ("price_asc", 5)]


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"median {statistics.median(values) * 1e3:7.2f} ms  p99 {p99 * 1e3:7.2f} ms"


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _index_bytes(index: object) -> int:
    total = 0
    for p in index.platforms.values():  # type: ignore[attr-defined]
        arrays = [p.offer_ids, p.price, p.on_sale, p.shop, p.by_id, p.rows_by_id]
        arrays += [p.price_asc, p.price_desc, p.rank_asc, p.rank_desc]
        total += sum(a.nbytes for a in arrays)
        bases = {id(a.base): a.base for a in p.postings.values() if a.base is not None}
        total += sum(b.nbytes for b in bases.values())
    return total


def _time(fn, repeat: int) -> tuple[list[float], object]:
    out = fn()
    lat = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        lat.append(time.perf_counter() - t0)
    return lat, out


def run(url: str, offers: int, repeat: int) -> None:
    upgrade(url)
    db = Database(url)
    try:
        t0 = time.perf_counter()
        store.load_catalogue(db, C.DEFAULT_SEED, C.DEFAULT_SHOPS, offers, offers)
        print(f"catalogue load: {time.perf_counter() - t0:.1f} s")
        gc.collect()
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        word_index.warm(db)
        build = time.perf_counter() - t0
        gc.collect()
        index = word_index._cache[db.url]
        postings = sum(len(p.postings) for p in index.platforms.values())
        print(
            f"index build: {build:.2f} s  RSS +{_rss_mb() - rss0:.0f} MB  "
            f"arrays {_index_bytes(index) / 2**20:.1f} MB  terms {len(index.terms)}  "
            f"posting lists {postings}"
        )
        with db.writing() as conn:
            word_index.catalogue_changed(conn)
        t0 = time.perf_counter()
        word_index.search(db, C.PLATFORM_TAOBAO, "shirt", "en")
        print(f"first search after a product change: {(time.perf_counter() - t0) * 1e3:.1f} ms")

        print(
            f"{'keyword':<14} {'lang':<4} {'sort':<9} page  total   word_index{'':24}store.search"
        )
        for keyword, lang in KEYWORDS:
            for sort, page in CASES:
                args = (db, C.PLATFORM_TAOBAO, keyword, lang, page, 20, sort)
                w_lat, (w_items, w_total) = _time(lambda a=args: word_index.search(*a), repeat)
                s_lat, (s_items, s_total) = _time(
                    lambda a=args: store.search(*a), max(3, repeat // 10)
                )
                print(
                    f"{keyword!r:<14} {lang:<4} {sort:<9} p{page}  {w_total:>6}  {_ms(w_lat)}  "
                    f"{_ms(s_lat)} ({s_total})"
                )
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--offers", type=int, default=C.DEFAULT_OFFERS_TAOBAO)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with temporary_database(args.db, "daigou-bench-words-") as url:
        run(url, args.offers, args.repeat)


if __name__ == "__main__":
    main()
