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

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from daigou.db.session import Database
from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox.models import (
    FTS_TABLE,
    PG_SEARCH_EXPR,
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


def _offer_row(o: C.Offer) -> dict[str, Any]:
    t = o.titles
    return {
        "offer_id": o.offer_id,
        "platform": o.platform,
        "position": o.position,
        "shop_id": o.shop_id,
        "category_id": o.category_id,
        "price_fen": o.price_fen,
        "promotion_price_fen": o.promotion_price_fen,
        "on_sale": o.on_sale,
        "in_stock": o.in_stock,
        "month_sold": o.month_sold,
        "title_zh": t["zh"],
        "title_en": t["en"],
        "title_vi": t["vi"],
        "title_th": t["th"],
        "title_es": t["es"],
        "image_seed": o.image_seed,
    }


def _batches(items: Iterable[C.Offer], size: int) -> Iterator[list[C.Offer]]:
    batch: list[C.Offer] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def loaded_catalogue(db: Database) -> dict[str, int] | None:
    """What is loaded: ``{"seed", "shops", "offers_1688", "offers_taobao"}``, or None."""
    with db.reading() as conn:
        value = conn.execute(
            select(SandboxMeta.value).where(SandboxMeta.key == META_KEY)
        ).scalar_one_or_none()
    return None if value is None else dict(json.loads(value))


def _clear(conn: Connection, sqlite: bool) -> None:
    if sqlite:
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")  # noqa: S608
    conn.execute(delete(SandboxOffer))
    conn.execute(delete(SandboxShop))
    conn.execute(delete(SandboxMeta))


def load_catalogue(
    db: Database,
    seed: int = C.DEFAULT_SEED,
    shops: int = C.DEFAULT_SHOPS,
    offers_1688: int = C.DEFAULT_OFFERS_1688,
    offers_taobao: int = C.DEFAULT_OFFERS_TAOBAO,
    batch: int = 5000,
) -> int:
    """Load the catalogue; return how many offers were written (0 if it was already loaded).

    Idempotent: a ``sandbox_meta`` row records what is loaded, and the same arguments again
    write nothing. Other arguments replace the whole catalogue. One transaction: a crash
    leaves the previous catalogue (or none), never half of one.
    """
    wanted = {
        "seed": seed,
        "shops": shops,
        "offers_1688": offers_1688,
        "offers_taobao": offers_taobao,
    }
    if loaded_catalogue(db) == wanted:
        return 0
    built_shops = C.build_shops(seed, shops)
    written = 0
    with db.writing() as conn:
        if conn.execute(
            select(SandboxMeta.value).where(SandboxMeta.key == META_KEY).with_for_update()
        ).scalar_one_or_none() == json.dumps(wanted, sort_keys=True):
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
        # identifiers below are module constants, never input
        offer_sql = (
            f"INSERT INTO sandbox_offer ({', '.join(COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' if db.is_sqlite else '%s' for _ in COLUMNS)})"
        )
        fts_cols = ", ".join(f"title_{x}" for x in TITLE_LANGS)
        fts_sql = (
            f"INSERT INTO {FTS_TABLE} (rowid, {fts_cols}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?)"
        )
        for platform, count in ((C.PLATFORM_1688, offers_1688), (C.PLATFORM_TAOBAO, offers_taobao)):
            offers = C.iter_offers(seed, platform, count, shops=built_shops)
            for chunk in _batches(offers, batch):
                rows = [_offer_row(o) for o in chunk]
                values = [tuple(r[c] for c in COLUMNS) for r in rows]
                cur = raw.cursor()
                try:
                    if db.is_sqlite:
                        cur.executemany(offer_sql, values)
                        cur.executemany(
                            fts_sql,
                            [
                                (int(r["offer_id"]), *(r[f"title_{x}"] for x in TITLE_LANGS))
                                for r in rows
                            ],
                        )
                    else:
                        with cur.copy(
                            f"COPY sandbox_offer ({', '.join(COLUMNS)}) FROM STDIN"
                        ) as copy:
                            for v in values:
                                copy.write_row(v)
                finally:
                    cur.close()
                written += len(rows)
        conn.execute(
            insert(SandboxMeta),
            [{"key": META_KEY, "value": json.dumps(wanted, sort_keys=True)}],
        )
    if db.is_postgres:
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE sandbox_offer"
            )
    return written


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
