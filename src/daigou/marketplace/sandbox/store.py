"""The sandbox catalogue in the database: a bulk loader and a full-text search.

:func:`load_catalogue` writes the deterministic catalogue (``catalogue.py``) once per
``(seed, shops, offers_1688, offers_taobao)``; :func:`search` queries it through the trigram
index described in ``models.py`` (FTS5 on SQLite, pg_trgm on PostgreSQL).

Keyword semantics, the same on both databases: the keyword is split on whitespace; every part
must occur, case-insensitively, as a substring of the offer's title in ``language`` (of any of
the five titles when ``language`` is None). Chinese and Thai need no spaces: "T恤" matches
"纯棉T恤女". Off-sale offers are never returned. Prices are the list price (``price_fen``).
"""

from __future__ import annotations

import gc
import json
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import cache
from itertools import islice
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from daigou.db.session import Database
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import image_index, images
from daigou.marketplace.sandbox.models import (
    FTS_TABLE,
    PG_SEARCH_EXPR,
    PG_SEARCH_INDEX,
    TITLE_LANGS,
    SandboxMeta,
    SandboxOffer,
    SandboxShop,
)

SORTS = ("relevance", "price_asc", "price_desc", "sale_desc")
META_KEY = "catalogue"
TRIGRAM = 3  # both indexes need this many characters to narrow a search
COLUMNS = (
    "offer_id",
    "platform",
    "position",
    "shop_id",
    "category_id",
    "price_fen",
    "promotion_price_fen",
    "on_sale",
    "in_stock",
    "month_sold",
    *(f"title_{lang}" for lang in TITLE_LANGS),
    "image_seed",
)


# --- loading -----------------------------------------------------------------------------

#: Catalogues with more offers than this are generated and hashed in worker processes.
PARALLEL_FROM = 20_000
PG_INDEXES = (
    "CREATE INDEX ix_sandbox_offer_platform_price ON sandbox_offer (platform, price_fen)",
    "CREATE INDEX ix_sandbox_offer_platform_sold ON sandbox_offer (platform, month_sold)",
    "CREATE INDEX ix_sandbox_offer_shop ON sandbox_offer (shop_id)",
    f"CREATE INDEX {PG_SEARCH_INDEX} ON sandbox_offer USING gin ({PG_SEARCH_EXPR} gin_trgm_ops)",
)


def _offer_values(o: C.Offer) -> tuple[Any, ...]:
    t = o.titles
    return (
        o.offer_id,
        o.platform,
        o.position,
        o.shop_id,
        o.category_id,
        o.price_fen,
        o.promotion_price_fen,
        o.on_sale,
        o.in_stock,
        o.month_sold,
        t["zh"],
        t["en"],
        t["vi"],
        t["th"],
        t["es"],
        o.image_seed,
    )


@cache
def _shops(seed: int, count: int) -> tuple[C.Shop, ...]:
    return C.build_shops(seed, count)


def build_chunk(
    seed: int, shops: int, platform: str, start: int, count: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Offers ``start .. start+count-1`` of ``platform`` as rows (``COLUMNS`` order) and their
    image index rows (offer_id, platform, hash0..3), both sorted by offer id. Pure: run in a
    worker process for big catalogues."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of acyclic tuples: nothing for the cyclic collector to find
    try:
        offers = sorted(
            C.iter_offers(seed, platform, count, start=start, shops=_shops(seed, shops))
        )
        rows = [_offer_values(o) for o in offers]
        hashes = images.offer_index_hashes(
            [(o.image_seed, C.image_hint(o.category_id)) for o in offers]
        )
    finally:
        if gc_was_enabled:
            gc.enable()
    image_rows = [
        (o.offer_id, platform, *(images.signed64(h) for h in hs))
        for o, hs in zip(offers, hashes, strict=True)
    ]
    return rows, image_rows


def _chunks(
    seed: int, shops: int, counts: dict[str, int], batch: int
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Every chunk of the catalogue, in a stable order; in worker processes when it is big
    (generation and hashing are CPU-bound and per-offer independent), else in-process."""
    tasks = [
        (seed, shops, platform, start, min(batch, count - start))
        for platform, count in counts.items()
        for start in range(0, count, batch)
    ]
    workers = min(len(tasks), os.cpu_count() or 1)
    if sum(counts.values()) < PARALLEL_FROM or workers < 2:
        for task in tasks:
            yield build_chunk(*task)
        return
    # spawn: a clean interpreter, safe whatever threads the caller runs (a server, a pool)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        pending: deque[Future[Any]] = deque()
        queue = iter(tasks)
        # The workers are started by the first submissions. One BLAS thread each: two
        # processes on two cores, not two times OpenBLAS's own thread pool fighting the writer.
        saved = os.environ.get("OPENBLAS_NUM_THREADS")
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        try:
            for task in islice(queue, 2 * workers):  # bounded: chunks wait for the writer
                pending.append(pool.submit(build_chunk, *task))
        finally:
            if saved is None:
                os.environ.pop("OPENBLAS_NUM_THREADS", None)
            else:
                os.environ["OPENBLAS_NUM_THREADS"] = saved
        while pending:
            result = pending.popleft().result()
            for task in islice(queue, 1):
                pending.append(pool.submit(build_chunk, *task))
            yield result


def loaded_catalogue(db: Database) -> dict[str, int] | None:
    """What is loaded: ``{"seed", "shops", "offers_1688", "offers_taobao"}``, or None."""
    with db.reading() as conn:
        value = conn.execute(
            select(SandboxMeta.value).where(SandboxMeta.key == META_KEY)
        ).scalar_one_or_none()
    return None if value is None else dict(json.loads(value))


def _loaded_meta(conn: Connection, lock: bool = False) -> dict[str, str]:
    query = select(SandboxMeta.key, SandboxMeta.value).where(
        SandboxMeta.key.in_([META_KEY, image_index.META_KEY])
    )
    if lock:
        query = query.with_for_update()
    return {k: v for k, v in conn.execute(query).all()}


def _clear(conn: Connection, sqlite: bool) -> None:
    """Delete the catalogue (and only it: the seller's sandbox tables are not ours)."""
    if sqlite:
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")  # noqa: S608
    conn.execute(delete(image_index.SandboxImageHash))
    conn.execute(delete(SandboxOffer))
    conn.execute(delete(SandboxShop))
    conn.execute(delete(SandboxMeta).where(SandboxMeta.key.in_([META_KEY, image_index.META_KEY])))


def load_catalogue(
    db: Database,
    seed: int = C.DEFAULT_SEED,
    shops: int = C.DEFAULT_SHOPS,
    offers_1688: int = C.DEFAULT_OFFERS_1688,
    offers_taobao: int = C.DEFAULT_OFFERS_TAOBAO,
    batch: int = 5000,
    *,
    timings: dict[str, float] | None = None,
) -> int:
    """Load the catalogue; return how many offers were written (0 if it was already loaded).

    Idempotent: ``sandbox_meta`` rows record what is loaded (and how its image hashes were
    made), and the same arguments again write nothing. Other arguments replace the whole
    catalogue. One transaction: a crash leaves the previous catalogue (or none), never half of
    one. ``timings``, if given, receives the seconds spent per phase.

    Fast on purpose (the default 200,000 offers load on first start): offers are generated and
    their pictures hashed in worker processes while this one writes; SQLite's full-text index is
    filled once at the end, in rowid order, with automatic merging paused, then optimized;
    PostgreSQL gets ``COPY`` into tables whose secondary indexes are dropped for the load and
    rebuilt after (one sort each instead of 200,000 GIN insertions).
    """
    wanted = {
        "seed": seed,
        "shops": shops,
        "offers_1688": offers_1688,
        "offers_taobao": offers_taobao,
    }
    wanted_meta = {META_KEY: json.dumps(wanted, sort_keys=True), **_image_meta()}
    with db.reading() as conn:
        if _loaded_meta(conn) == wanted_meta:
            return 0
    clock = _Clock(timings)
    built_shops = _shops(seed, shops)
    written = 0
    with db.writing() as conn:
        if _loaded_meta(conn, lock=True) == wanted_meta:
            return 0  # a concurrent loader finished first
        _clear(conn, db.is_sqlite)
        if built_shops:
            conn.execute(
                insert(SandboxShop),
                [
                    {
                        "shop_id": s.shop_id,
                        "seller_open_id": s.seller_open_id,
                        "platform": s.platform,
                        "name_zh": s.name_zh,
                        "names": json.dumps(dict(s.names), ensure_ascii=False, sort_keys=True),
                    }
                    for s in built_shops
                ],
            )
        raw = conn.connection.driver_connection
        if db.is_postgres:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for ddl in PG_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {ddl.split()[2]}")
        else:
            # pause FTS5's incremental merging during the load; one optimize at the end
            conn.exec_driver_sql(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 0)"  # noqa: S608
            )
        clock.lap("prepare")
        counts = {C.PLATFORM_1688: offers_1688, C.PLATFORM_TAOBAO: offers_taobao}
        for rows, image_rows in _chunks(seed, shops, counts, batch):
            clock.lap("generate_and_hash")
            _write_chunk(raw, db.is_sqlite, rows, image_rows, clock)
            written += len(rows)
        if db.is_postgres:
            for ddl in PG_INDEXES:
                conn.exec_driver_sql(ddl)
            clock.lap("indexes")
        else:
            # once every offer is in (and the workers are done): in offer id = FTS rowid
            # order, so FTS5 appends to one growing segment instead of flushing per row
            fts_cols = ", ".join(f"title_{x}" for x in TITLE_LANGS)
            conn.exec_driver_sql(
                f"INSERT INTO {FTS_TABLE} (rowid, {fts_cols}) "  # noqa: S608
                f"SELECT CAST(offer_id AS INTEGER), {fts_cols} FROM sandbox_offer "
                "ORDER BY offer_id"
            )
            clock.lap("text_index")
            conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608
            clock.lap("text_optimize")
            conn.exec_driver_sql(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 4)"  # noqa: S608
            )
            clock.lap("text_index")
        conn.execute(insert(SandboxMeta), [{"key": k, "value": v} for k, v in wanted_meta.items()])
    clock.lap("commit")
    if db.is_postgres:
        with db.engine.connect() as conn:
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.exec_driver_sql("ANALYZE sandbox_offer")
            auto.exec_driver_sql(f"ANALYZE {image_index.TABLE}")
        clock.lap("analyze")
    return written


def _image_meta() -> dict[str, str]:
    return {image_index.META_KEY: image_index.index_meta()}


def _write_chunk(
    raw: Any,
    sqlite: bool,
    rows: list[tuple[Any, ...]],
    image_rows: list[tuple[Any, ...]],
    clock: _Clock,
) -> None:
    """Write one chunk with the driver directly (executemany / COPY: no ORM per row)."""
    offer_sql = (
        f"INSERT INTO sandbox_offer ({', '.join(COLUMNS)}) "  # noqa: S608 (constants)
        f"VALUES ({', '.join('?' for _ in COLUMNS)})"
    )
    image_cols = ("offer_id", "platform", *image_index.HASH_COLUMNS)
    cur = raw.cursor()
    try:
        if sqlite:
            cur.executemany(offer_sql, rows)
            cur.executemany(
                f"INSERT INTO {image_index.TABLE} ({', '.join(image_cols)}) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in image_cols)})",
                image_rows,
            )
            clock.lap("insert")
        else:
            with cur.copy(f"COPY sandbox_offer ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for v in rows:
                    copy.write_row(v)
            with cur.copy(f"COPY {image_index.TABLE} ({', '.join(image_cols)}) FROM STDIN") as copy:
                for v in image_rows:
                    copy.write_row(v)
            clock.lap("insert")
    finally:
        cur.close()


class _Clock:
    """Adds the seconds since the previous lap to ``timings[phase]`` (when timings is given)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[phase] = self.timings.get(phase, 0.0) + now - self.last
        self.last = now


# --- search ------------------------------------------------------------------------------


def _terms(keyword: str | None) -> list[str]:
    return [t for t in (keyword or "").split() if t]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _case_variants(term: str) -> list[str]:
    """SQLite's LIKE folds ASCII case only: try the usual casings of a non-ASCII term."""
    variants = [term, term.lower(), term.upper(), term.capitalize()]
    return list(dict.fromkeys(variants))


def search(
    db: Database,
    platform: str | None = None,
    keyword: str | None = None,
    language: str | None = None,
    page: int = 1,
    page_size: int = 20,
    sort: str = "relevance",
    price_min: int | None = None,
    price_max: int | None = None,
    shop_id: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of on-sale offers matching ``keyword``, and the total match count.

    ``language`` is one of zh, en, vi, th, es (or None: any title). ``sort``: relevance
    (FTS5 bm25 on SQLite, pg_trgm word_similarity on PostgreSQL; month_sold breaks ties and
    orders a keyword-less or short-keyword search), price_asc, price_desc, sale_desc. Prices
    are fen, inclusive. Ties always end on offer_id, so pages never overlap.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if language is not None and language not in TITLE_LANGS:
        raise ValueError(f"unknown language {language!r}")
    page = max(1, page)
    page_size = max(1, min(page_size, 200))
    columns = [f"title_{language}"] if language else [f"title_{x}" for x in TITLE_LANGS]
    terms = _terms(keyword)
    where = ["o.on_sale = :on_sale"]
    params: dict[str, Any] = {"on_sale": True}
    joins = ""
    rank = None
    if platform is not None:
        where.append("o.platform = :platform")
        params["platform"] = platform
    if shop_id is not None:
        where.append("o.shop_id = :shop_id")
        params["shop_id"] = shop_id
    if price_min is not None:
        where.append("o.price_fen >= :price_min")
        params["price_min"] = price_min
    if price_max is not None:
        where.append("o.price_fen <= :price_max")
        params["price_max"] = price_max

    if db.is_sqlite:
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        short_terms = [t for t in terms if len(t) < TRIGRAM]
        if long_terms:
            scope = "{" + " ".join(columns) + "}"
            params["match"] = (
                f"{scope} : (" + " AND ".join(_fts_phrase(t) for t in long_terms) + ")"
            )
            # constant identifiers; the keyword itself is a bound parameter
            joins = (
                f" JOIN (SELECT rowid AS fts_rowid, bm25({FTS_TABLE}) AS score "  # noqa: S608
                f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match) f "
                "ON o.offer_id = CAST(f.fts_rowid AS TEXT)"
            )
            rank = "f.score ASC"  # bm25: lower is better
        for i, term in enumerate(short_terms):
            alternatives = []
            for j, variant in enumerate(_case_variants(term)):
                key = f"s{i}_{j}"
                params[key] = f"%{_like_escape(variant)}%"
                alternatives += [f"o.{c} LIKE :{key} ESCAPE '\\'" for c in columns]
            where.append("(" + " OR ".join(alternatives) + ")")
    else:
        for i, term in enumerate(terms):
            key = f"t{i}"
            params[key] = f"%{_like_escape(term)}%"
            # the first condition uses the GIN trigram index, the second narrows to language
            where.append(f"{PG_SEARCH_EXPR} ILIKE :{key}")
            if language:
                where.append(f"o.title_{language} ILIKE :{key}")
        if terms:
            params["kw"] = " ".join(terms)
            target = f"o.title_{language}" if language else PG_SEARCH_EXPR
            rank = f"word_similarity(:kw, {target}) DESC"

    order = {
        "relevance": [rank, "o.month_sold DESC"] if rank else ["o.month_sold DESC"],
        "price_asc": ["o.price_fen ASC"],
        "price_desc": ["o.price_fen DESC"],
        "sale_desc": ["o.month_sold DESC"],
    }[sort] + ["o.offer_id ASC"]
    where_sql = " AND ".join(where)
    base = f"FROM sandbox_offer o{joins} WHERE {where_sql}"
    params["limit"] = page_size
    params["offset"] = (page - 1) * page_size
    select_sql = (
        f"SELECT {', '.join('o.' + c for c in COLUMNS)} {base} "
        f"ORDER BY {', '.join(order)} LIMIT :limit OFFSET :offset"
    )
    with db.reading() as conn:
        total = int(conn.execute(text(f"SELECT COUNT(*) {base}"), params).scalar_one())
        rows = conn.execute(text(select_sql), params).mappings().all()
    items = [dict(r) for r in rows]
    for item in items:
        item["on_sale"] = bool(item["on_sale"])
        item["in_stock"] = bool(item["in_stock"])
    return items, total
