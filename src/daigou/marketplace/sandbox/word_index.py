"""Keyword search over the sandbox catalogue through an in-process inverted index of title words.

``store.search`` answers a keyword through the database's trigram index (FTS5 / pg_trgm):
tens of milliseconds for a 3+ character keyword at 100,000 offers a platform, and a scan of the
platform (up to seconds on PostgreSQL) for a 2-character one ("T恤", "áo") the trigrams cannot
narrow. This module answers the same call from numpy arrays each process builds once from
``sandbox_offer`` (like ``image_index``), in about a millisecond.

Words (:func:`tokens`): titles are ``str.casefold``-ed (and NFC-normalized) and split into
runs of word characters (``\\w`` plus Thai and combining marks). A run holding Chinese or Thai
characters, which need no spaces ("2026新款女纯棉短袖T恤宽松休闲"), is segmented by greedy longest
match against the catalogue's own vocabulary (every zh and th string of ``vocabulary``, plus
the parts a compound splits into when it contains another entry: "短袖T恤" gives "短袖");
Latin letters and digits between them are one word ("2026"), and a Chinese or Thai character no
vocabulary word covers is a one-character fragment. A compound also counts as each vocabulary
word it contains ("短袖T恤" is indexed under "短袖t恤", "短袖" and "t恤"; "เสื้อยืดแขนสั้น" under
"เสื้อยืด" and "แขนสั้น"): for the catalogue's Chinese and Thai vocabulary, "the title has the
word" is then the same as "the title contains it".

Semantics: an offer matches when every word of the keyword is a word of one of its five titles
(whatever ``language`` is: "T恤" typed with language=en still finds T-shirts); off-sale offers
never match. Among the matches the best sellers come first (``month_sold`` descending, then
``offer_id``): that is ``relevance`` and ``sale_desc``; ``price_asc`` / ``price_desc`` order by
list price, ties in that same order. Unlike the substring search "shirt" does not find
"sweatshirt". When a keyword has a part that is not a word of the catalogue (a fragment such as
"shir" or "恤", a misspelling, or only punctuation), or the call has no platform, the search is
``store.search``'s, unchanged (substring semantics through the database's full-text index).

Freshness: each search reads the ``sandbox_meta`` rows of the loaded catalogue and the
``catalogue_version`` counter (one small indexed SELECT): a reloaded catalogue is re-read
whole; a product change (``goods.update_product`` bumps the counter in its transaction, see
:func:`catalogue_changed`) re-reads only the offers that have overrides (price, on sale).
Result rows are read from ``sandbox_offer`` by primary key, one SELECT per page, so they have
exactly ``store.search``'s shape and current values; the index itself holds only numbers
(about 15 MB a 100,000-offer platform).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from functools import cache
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import Connection, bindparam, text

from daigou.db.session import Database
from daigou.db.upsert import increment
from daigou.marketplace.sandbox import image_index, store
from daigou.marketplace.sandbox import vocabulary as V
from daigou.marketplace.sandbox.models import TITLE_LANGS
from daigou.marketplace.sandbox.seller_models import SandboxCounter

__all__ = ["VERSION_COUNTER", "catalogue_changed", "search", "tokens", "warm"]

#: ``sandbox_counter`` row bumped whenever an offer's searchable row changes.
VERSION_COUNTER = "catalogue_version"
#: Indexes kept per process (one per database URL; tests make many databases).
MAX_CACHED = 4
#: Rows read at a time while building.
BUILD_CHUNK = 5000

_RUN = re.compile(r"[\w\u0e00-\u0e7f\u0300-\u036f]+")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_SEGMENTED = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff\u0e00-\u0e7f]")
_EMPTY = np.zeros(0, dtype=np.int32)


# --- words ---------------------------------------------------------------------------------


def _fold(text_: str) -> str:
    if not unicodedata.is_normalized("NFC", text_):
        text_ = unicodedata.normalize("NFC", text_)
    return text_.casefold()


def _vocabulary_strings() -> Iterable[str]:
    """Every zh and th string of the vocabulary's words (``w(...)`` dicts, however nested)."""
    seen: set[int] = set()

    def walk(x: Any) -> Iterable[str]:
        if id(x) in seen:
            return
        seen.add(id(x))
        if isinstance(x, dict):
            if set(x) == set(V.LANGS):
                yield x["zh"]
                yield x["th"]
            else:
                for v in x.values():
                    yield from walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                yield from walk(v)

    for name in dir(V):
        if name.isupper():
            yield from walk(getattr(V, name))


class _Lexicon:
    """The Chinese and Thai words segmentation matches, and the words each one contains."""

    def __init__(self, words: set[str]) -> None:
        self.words = frozenset(words)
        lengths: dict[str, set[int]] = {}
        for x in words:
            lengths.setdefault(x[0], set()).add(len(x))
        #: first character -> the lengths of the words starting with it, longest first
        self.lengths = {c: tuple(sorted(v, reverse=True)) for c, v in lengths.items()}
        self.contains: dict[str, tuple[str, ...]] = {
            x: tuple(sorted(d for d in words if d != x and d in x)) for x in words
        }


@cache
def _lexicon() -> _Lexicon:
    base: set[str] = set()
    for s in _vocabulary_strings():
        for run in _RUN.findall(_fold(s.replace("{}", " "))):
            if _SEGMENTED.search(run):
                base.add(run)
    words = set(base)
    # a compound holding another entry also yields what is left around it ("短袖T恤" - "T恤"
    # = "短袖"); one level only, and never single characters (they would shred everything)
    for compound in base:
        for inner in base:
            if inner != compound and len(inner) >= 2 and inner in compound:
                words.update(p for p in compound.split(inner) if len(p) >= 2)
    return _Lexicon(words)


def _segment(run: str) -> list[tuple[str, bool]]:
    """``(word, is_word)`` pieces of one casefolded run; ``is_word`` is False for a Chinese or
    Thai character no vocabulary word covers."""
    if not _SEGMENTED.search(run):
        return [(run, True)]
    lex = _lexicon()
    words, lengths = lex.words, lex.lengths
    out: list[tuple[str, bool]] = []
    pending = ""  # uncovered Latin letters / digits: one word
    i, n = 0, len(run)
    while i < n:
        piece = ""
        for size in lengths.get(run[i], ()):
            if i + size <= n and run[i : i + size] in words:
                piece = run[i : i + size]
                break
        if piece:
            if pending:
                out.append((pending, True))
                pending = ""
            out.append((piece, True))
            i += len(piece)
            continue
        ch = run[i]
        if _SEGMENTED.match(ch):
            if pending:
                out.append((pending, True))
                pending = ""
            out.append((ch, False))
        else:
            pending += ch
        i += 1
    if pending:
        out.append((pending, True))
    return out


def tokens(text_: str, lang: str | None = None) -> list[str]:
    """The words of ``text_``, in order (see the module doc). The script decides how a run is
    split, so every language's tokenizer is the same; ``lang`` is accepted for clarity."""
    return [w for run in _RUN.findall(_fold(text_)) for w, _ in _segment(run)]


def _query_words(keyword: str) -> list[str] | None:
    """The keyword's words, or None when one of them is a fragment (or there are none)."""
    out: list[str] = []
    for run in _RUN.findall(_fold(keyword)):
        for w, is_word in _segment(run):
            if not is_word:
                return None
            out.append(w)
    return out or None


class _Terms(dict[str, tuple[int, ...]]):
    """Title piece (between spaces) -> its indexed term ids (its words, plus the vocabulary
    words a compound contains). A dict, so a title's pieces map to ids at C speed
    (``map(terms.__getitem__, title.split())``); a missing piece is worked out once. Chinese
    pieces (a whole title each) are not kept."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, int] = {}
        self._words: dict[str, tuple[int, ...]] = {}
        self._contains = _lexicon().contains

    def _word(self, word: str) -> tuple[int, ...]:
        found = self._words.get(word)
        if found is None:
            ids = self.ids
            found = self._words[word] = tuple(
                ids.setdefault(w, len(ids)) for w in (word, *self._contains.get(word, ()))
            )
        return found

    def __missing__(self, piece: str) -> tuple[int, ...]:
        """``piece``: a whitespace-separated part of a casefolded title."""
        found = tuple(
            chain.from_iterable(
                self._word(w) for run in _RUN.findall(piece) for w, _ in _segment(run)
            )
        )
        if not _CJK.search(piece):
            self[piece] = found
        return found


# --- the in-memory index -------------------------------------------------------------------


class _Platform:
    """One platform's offers in popularity order (row k = k-th best seller)."""

    __slots__ = (
        "offer_ids",
        "price",
        "on_sale",
        "shop",
        "postings",
        "by_id",
        "rows_by_id",
        "price_asc",
        "price_desc",
        "rank_asc",
        "rank_desc",
    )

    def __init__(
        self,
        offer_ids: np.ndarray,
        price: np.ndarray,
        on_sale: np.ndarray,
        shop: np.ndarray,
        postings: dict[int, np.ndarray],
    ) -> None:
        self.offer_ids = offer_ids  # int64 (ids are 12 decimal digits)
        self.price = price  # int64 fen
        self.on_sale = on_sale  # bool
        self.shop = shop  # int32 codes (_Index.shops)
        self.postings = postings  # term id -> int32 rows, ascending
        self.by_id = np.argsort(offer_ids, kind="stable").astype(np.int32)
        self.rows_by_id = offer_ids[self.by_id]
        self._price_orders()

    def _price_orders(self) -> None:
        n = len(self.price)
        # stable: equal prices stay in popularity order
        self.price_asc = np.argsort(self.price, kind="stable").astype(np.int32)
        self.price_desc = np.argsort(-self.price, kind="stable").astype(np.int32)
        self.rank_asc = np.empty(n, dtype=np.int32)
        self.rank_asc[self.price_asc] = np.arange(n, dtype=np.int32)
        self.rank_desc = np.empty(n, dtype=np.int32)
        self.rank_desc[self.price_desc] = np.arange(n, dtype=np.int32)

    def patched(self, offer_ids: np.ndarray, price: np.ndarray, on_sale: np.ndarray) -> _Platform:
        """A copy with these offers' price and sale state (postings are shared)."""
        pos = np.searchsorted(self.rows_by_id, offer_ids)
        pos = np.minimum(pos, len(self.rows_by_id) - 1)
        hit = self.rows_by_id[pos] == offer_ids
        rows = self.by_id[pos[hit]]
        new = object.__new__(_Platform)
        for slot in _Platform.__slots__:
            setattr(new, slot, getattr(self, slot))
        new.price = self.price.copy()
        new.on_sale = self.on_sale.copy()
        new.price[rows] = price[hit]
        new.on_sale[rows] = on_sale[hit]
        new._price_orders()
        return new


class _Index:
    __slots__ = ("meta", "counter", "terms", "shops", "platforms")

    def __init__(
        self,
        meta: str,
        counter: int,
        terms: dict[str, int],
        shops: dict[str, int],
        platforms: dict[str, _Platform],
    ) -> None:
        self.meta = meta
        self.counter = counter
        self.terms = terms
        self.shops = shops
        self.platforms = platforms


_cache: OrderedDict[str, _Index] = OrderedDict()
_cache_lock = threading.Lock()

_VERSION_SQL = text(
    "SELECT key, value FROM sandbox_meta WHERE key IN (:catalogue, :images) "
    "UNION ALL SELECT name, CAST(value AS VARCHAR(32)) FROM sandbox_counter "
    "WHERE name = :counter"
)


def _version(conn: Connection) -> tuple[str, int]:
    rows = conn.execute(
        _VERSION_SQL,
        {"catalogue": store.META_KEY, "images": image_index.META_KEY, "counter": VERSION_COUNTER},
    ).all()
    counter = 0
    meta = []
    for key, value in rows:
        if key == VERSION_COUNTER:
            counter = int(value)
        else:
            meta.append((key, value))
    return repr(sorted(meta)), counter


_TITLES = ", ".join(f"title_{x}" for x in TITLE_LANGS)
_BUILD_SQL = (
    "SELECT offer_id, platform, shop_id, price_fen, on_sale, month_sold, "  # noqa: S608
    f"{_TITLES} FROM sandbox_offer"
)


class _Rows:
    """One platform's offers while the index is built: compact arrays, in database order."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.sold = array("q")
        self.price = array("q")
        self.on_sale = array("b")
        self.shop = array("i")
        self.terms = array("i")  # every row's term ids, one after the other
        self.counts = array("i")  # how many term ids each row has

    def platform(self) -> _Platform:
        n = len(self.ids)
        ids = np.frombuffer(self.ids, dtype=np.int64)
        sold = np.frombuffer(self.sold, dtype=np.int64)
        order = np.lexsort((ids, -sold))  # popularity: month_sold desc, offer_id asc
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        counts = np.frombuffer(self.counts, dtype=np.int32)
        # (term, row) pairs as one sortable key: sorted, rows ascend within a term
        keys = np.frombuffer(self.terms, dtype=np.int32).astype(np.int64)
        self.terms = array("i")
        keys *= n
        keys += np.repeat(position, counts)
        keys.sort()
        if len(keys):
            fresh = np.empty(len(keys), dtype=bool)
            fresh[0] = True
            np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
            keys = keys[fresh]  # a word two titles share counts once
        term_of = keys // n
        rows = (keys - term_of * n).astype(np.int32)
        starts = np.flatnonzero(np.diff(term_of)) + 1
        bounds = [0, *starts.tolist(), len(keys)]
        postings = {
            int(term_of[a]): rows[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a
        }
        return _Platform(
            ids[order].copy(),
            np.frombuffer(self.price, dtype=np.int64)[order].copy(),
            np.frombuffer(self.on_sale, dtype=np.int8)[order].astype(bool),
            np.frombuffer(self.shop, dtype=np.int32)[order].copy(),
            postings,
        )


def _build(conn: Connection, meta: str, counter: int) -> _Index:
    """Read every offer (in chunks: only numbers and term ids are kept) and index it."""
    terms = _Terms()
    shops: dict[str, int] = {}
    builders: dict[str, _Rows] = {}
    lookup, fold = terms.__getitem__, _fold
    raw: Any = conn.connection.driver_connection
    # PostgreSQL: a server-side cursor, so the client never holds the whole table at once
    cur = raw.cursor(name="word_index_build") if conn.dialect.name == "postgresql" else raw.cursor()
    try:
        cur.execute(_BUILD_SQL)
        while chunk := cur.fetchmany(BUILD_CHUNK):
            for offer_id, platform, shop_id, price, on_sale, sold, *titles in chunk:
                b = builders.get(platform)
                if b is None:
                    b = builders[platform] = _Rows()
                b.ids.append(int(offer_id))
                b.sold.append(sold)
                b.price.append(price)
                b.on_sale.append(1 if on_sale else 0)
                b.shop.append(shops.setdefault(shop_id, len(shops)))
                before = len(b.terms)
                b.terms.extend(chain.from_iterable(map(lookup, fold(" ".join(titles)).split())))
                b.counts.append(len(b.terms) - before)
    finally:
        cur.close()
    platforms = {}
    for platform in sorted(builders):  # one at a time: the arrays of a build are big
        platforms[platform] = builders.pop(platform).platform()
    index = _Index(meta, 0, terms.ids, shops, platforms)
    return _patch(conn, index, counter) if counter else index


def _patch(conn: Connection, index: _Index, counter: int) -> _Index:
    """The index with the current price and sale state of every offer that has an override
    (the only rows ``goods.update_product`` changes)."""
    rows = conn.execute(
        text(
            "SELECT o.offer_id, o.platform, o.price_fen, o.on_sale FROM sandbox_offer o "
            "WHERE o.offer_id IN (SELECT v.offer_id FROM sandbox_override v)"
        )
    ).all()
    platforms = dict(index.platforms)
    for platform, p in index.platforms.items():
        mine = [r for r in rows if r[1] == platform]
        if mine:
            platforms[platform] = p.patched(
                np.array([int(r[0]) for r in mine], dtype=np.int64),
                np.array([int(r[2]) for r in mine], dtype=np.int64),
                np.array([bool(r[3]) for r in mine], dtype=bool),
            )
    return _Index(index.meta, counter, index.terms, index.shops, platforms)


def _index(db: Database, conn: Connection) -> _Index:
    meta, counter = _version(conn)
    found = _cache.get(db.url)
    if found is not None and found.meta == meta and found.counter == counter:
        return found
    with _cache_lock:
        found = _cache.get(db.url)
        if found is not None and found.meta == meta and found.counter == counter:
            return found
        if found is not None and found.meta == meta:
            found = _patch(conn, found, counter)
        else:
            found = _build(conn, meta, counter)
        _cache[db.url] = found
        _cache.move_to_end(db.url)
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
        return found


def warm(db: Database) -> None:
    """Build this process's index now (the first search would otherwise pay for it)."""
    with db.reading() as conn:
        _index(db, conn)


def catalogue_changed(conn: Connection) -> int:
    """Record, in the caller's transaction, that ``sandbox_offer`` rows changed (every
    process's index re-reads the changed offers on its next search)."""
    return increment(conn, SandboxCounter.__table__, {"name": VERSION_COUNTER}, "value")


# --- search --------------------------------------------------------------------------------

_PAGE_SQL = text(
    f"SELECT {', '.join(store.COLUMNS)} FROM sandbox_offer WHERE offer_id IN :ids"  # noqa: S608
).bindparams(bindparam("ids", expanding=True))


def _ordered(p: _Platform, rows: np.ndarray, sort: str) -> np.ndarray:
    if sort in ("relevance", "sale_desc"):
        return rows
    order, rank = (p.price_asc, p.rank_asc) if sort == "price_asc" else (p.price_desc, p.rank_desc)
    if len(rows) * 8 > len(order):  # many: one pass over the precomputed order
        chosen = np.zeros(len(order), dtype=bool)
        chosen[rows] = True
        return order[chosen[order]]
    return rows[np.argsort(rank[rows])]


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
    """``store.search``'s call and result shape, answered from the word index (see the module
    doc for the semantics); falls back to ``store.search`` itself when a keyword part is not a
    catalogue word or ``platform`` is None."""
    if sort not in store.SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if language is not None and language not in TITLE_LANGS:
        raise ValueError(f"unknown language {language!r}")
    args = (db, platform, keyword, language, page, page_size, sort, price_min, price_max, shop_id)
    words = None
    if keyword and keyword.strip():
        words = _query_words(keyword)
        if words is None:
            return store.search(*args)
    if platform is None:
        return store.search(*args)
    page = max(1, page)
    page_size = max(1, min(page_size, 200))
    with db.reading() as conn:
        index = _index(db, conn)
        p = index.platforms.get(platform)
        if p is None:
            return [], 0
        if words is None:
            keep = p.on_sale.copy()
            if price_min is not None:
                keep &= p.price >= price_min
            if price_max is not None:
                keep &= p.price <= price_max
            if shop_id is not None:
                keep &= p.shop == index.shops.get(shop_id, -1)
            rows = np.flatnonzero(keep).astype(np.int32)
        else:
            term_ids = [index.terms.get(w) for w in dict.fromkeys(words)]
            if None in term_ids:
                rows = None
            else:
                lists = sorted((p.postings.get(t, _EMPTY) for t in term_ids), key=len)
                rows = lists[0]
                for more in lists[1:]:
                    if not len(rows):
                        break
                    rows = np.intersect1d(rows, more, assume_unique=True)
                rows = rows[p.on_sale[rows]]
                if price_min is not None:
                    rows = rows[p.price[rows] >= price_min]
                if price_max is not None:
                    rows = rows[p.price[rows] <= price_max]
                if shop_id is not None:
                    rows = rows[p.shop[rows] == index.shops.get(shop_id, -1)]
        if rows is not None:
            total = len(rows)
            start = (page - 1) * page_size
            chosen = _ordered(p, rows, sort)[start : start + page_size]
            ids = [f"{x:012d}" for x in p.offer_ids[chosen].tolist()]
            found: dict[str, dict[str, Any]] = {}
            if ids:
                page_rows = conn.execute(_PAGE_SQL, {"ids": ids}).mappings()
                found = {r["offer_id"]: dict(r) for r in page_rows}
    if rows is None:  # a word the catalogue does not have: substring semantics
        return store.search(*args)
    items = [found[i] for i in ids if i in found]
    for item in items:
        item["on_sale"] = bool(item["on_sale"])
        item["in_stock"] = bool(item["in_stock"])
    return items, total
