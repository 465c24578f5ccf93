"""Load the default sandbox catalogue into a fresh database; time each phase and the searches.

    .venv/bin/python bench/bench_catalogue_load.py [--db sqlite|postgresql] [--shops N]
                                                 [--offers N] [--repeat N] [--image-queries N]

A fresh SQLite file in a temporary directory (or, with ``--db postgresql``, a throwaway
PostgreSQL cluster, as the tests start one), migrated to head; then ``store.load_catalogue``
with the default size (500 shops, 100,000 offers per platform) and its per-phase timings, a
second call (must write nothing), ``store.search`` median/p99 over typical keywords, and
``image_index.image_search`` over edited copies of random offers' pictures (found-first rate
and latency). Everything started is stopped and deleted at the end. Not run by the tests.

Phases: ``generate_and_hash`` is the time this process waited for worker processes
(generation and picture hashes run there, overlapping the writes); ``insert`` the offer and
hash rows; ``text_index`` the SQLite FTS5 rows and its optimize; ``indexes`` PostgreSQL's
index rebuild after COPY.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageEnhance

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from daigou.db.migrate import upgrade  # noqa: E402
from daigou.db.session import Database  # noqa: E402
from daigou.marketplace.sandbox import catalogue as C  # noqa: E402
from daigou.marketplace.sandbox import images, store  # noqa: E402
from daigou.marketplace.sandbox.image_index import image_search  # noqa: E402

KEYWORDS = [
    ("shirt", "en"),
    ("shirt", None),
    ("bag", "en"),
    ("T恤", "zh"),
    ("T恤", None),
    ("áo", "vi"),
    ("camiseta", "es"),
    ("เสื้อ", "th"),
    ("polo shirt", "en"),
]
SORTS = ("relevance", "price_asc", "sale_desc")


def _jpeg(im: Image.Image) -> Image.Image:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=70)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _hue(im: Image.Image) -> Image.Image:
    h, s, v = im.convert("HSV").split()
    return Image.merge("HSV", (h.point(lambda x: (x + 11) % 256), s, v)).convert("RGB")


def _crop(im: Image.Image) -> Image.Image:
    d = round(im.width * 0.05)
    return im.crop((d, d, im.width - d, im.height - d))


EDITS = {
    "original": lambda im: im,
    "resized_250": lambda im: im.resize((250, 250), Image.Resampling.BICUBIC),
    "jpeg_70": _jpeg,
    "brighter_10": lambda im: ImageEnhance.Brightness(im).enhance(1.1),
    "hue_15deg": _hue,
    "crop_5pct": _crop,
}


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"median {statistics.median(values) * 1e3:6.2f} ms  p99 {p99 * 1e3:6.2f} ms"


def run(url: str, shops: int, offers: int, repeat: int, image_queries: int) -> None:
    upgrade(url)
    db = Database(url)
    try:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        written = store.load_catalogue(db, C.DEFAULT_SEED, shops, offers, offers, timings=timings)
        total = time.perf_counter() - t0
        print(f"load: {written} offers in {total:.1f} s")
        for phase, seconds in timings.items():
            print(f"  {phase:<18} {seconds:6.1f} s")
        t0 = time.perf_counter()
        again = store.load_catalogue(db, C.DEFAULT_SEED, shops, offers, offers)
        print(f"second load: wrote {again}, {time.perf_counter() - t0:.3f} s")

        print("store.search (page_size 20):")
        for keyword, lang in KEYWORDS:
            for sort in SORTS:
                for page in (1, 5):
                    store.search(db, C.PLATFORM_TAOBAO, keyword, lang, page=page, sort=sort)
                    lat = []
                    for _ in range(repeat):
                        t0 = time.perf_counter()
                        _, n = store.search(
                            db, C.PLATFORM_TAOBAO, keyword, lang, page=page, sort=sort
                        )
                        lat.append(time.perf_counter() - t0)
                    print(
                        f"  {keyword!r:<14} {lang or '*':<2} {sort:<9} p{page}  total {n:>6}  "
                        + _ms(lat)
                    )

        print("image_search (taobao):")
        rng = random.Random(1)
        picks = [rng.randrange(offers) for _ in range(image_queries)]
        sample = [C.make_offer(C.DEFAULT_SEED, C.PLATFORM_TAOBAO, i, shops=shops) for i in picks]
        sample = [o for o in sample if o.on_sale]
        t0 = time.perf_counter()
        image_search(db, C.PLATFORM_TAOBAO, images.encode(images.render_offer_image(1)))
        print(f"  first search (reads the hash table): {(time.perf_counter() - t0) * 1e3:.0f} ms")
        for name, edit in EDITS.items():
            first, lat, dist, totals = 0, [], [], []
            for o in sample:
                pic = images.render_offer_image(o.image_seed, 0, 400, C.image_hint(o.category_id))
                data = images.encode(edit(pic), "PNG")
                t0 = time.perf_counter()
                rows, n = image_search(db, C.PLATFORM_TAOBAO, data)
                lat.append(time.perf_counter() - t0)
                totals.append(n)
                if rows and rows[0]["offer_id"] == o.offer_id:
                    first += 1
                    dist.append(rows[0]["distance"])
            print(
                f"  {name:<12} first {first}/{len(sample)}  max own distance "
                f"{max(dist, default=-1):>2}  median total {statistics.median(totals):>4}  "
                + _ms(lat)
            )
        noise = Image.effect_noise((400, 400), 80).convert("RGB")
        for name, im in (("noise", noise), ("solid", Image.new("RGB", (400, 400), "red"))):
            rows, n = image_search(db, C.PLATFORM_TAOBAO, images.encode(im))
            print(f"  unrelated {name}: total {n}")
    finally:
        db.dispose()


@contextmanager
def temporary_database(kind: str, prefix: str) -> Iterator[str]:
    """An empty database URL for one bench run: a SQLite file in a temporary directory, or a
    database in a throwaway PostgreSQL cluster (started as the tests start theirs)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    pg = None
    try:
        if kind == "postgresql":
            import sqlalchemy as sa
            from tests.support.postgres import start_postgres

            pg = start_postgres()
            engine = sa.create_engine(pg.url(), isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE bench"))
            engine.dispose()
            yield pg.url("bench")
        else:
            yield f"sqlite:///{tmp / 'daigou.sqlite3'}"
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--shops", type=int, default=C.DEFAULT_SHOPS)
    parser.add_argument("--offers", type=int, default=C.DEFAULT_OFFERS_TAOBAO)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--image-queries", type=int, default=100)
    args = parser.parse_args()
    with temporary_database(args.db, "daigou-bench-load-") as url:
        run(url, args.shops, args.offers, args.repeat, args.image_queries)


if __name__ == "__main__":
    main()
