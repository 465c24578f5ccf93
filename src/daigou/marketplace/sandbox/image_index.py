"""Image search over the sandbox catalogue: a table of perceptual hashes, searched in memory.

Each offer's main picture (variant 0, drawn with ``catalogue.image_hint`` of its category) has
four 64-bit pHashes (``images.INDEX_CROPS``: the whole picture and three centred crops, so a
cropped copy still matches), stored in ``sandbox_image_hash`` by ``store.load_catalogue`` in
the same transaction as the offers, as signed BIGINTs (``images.signed64``).

Search (:func:`image_search`) hashes the query picture once and compares it with every stored
hash of the platform: a vectorised XOR + popcount over a numpy array that each process reads
from the table on first use (100,000 offers: 400,000 hashes, 3 MB, about 1 ms a query). The
array is keyed by the loaded catalogue's ``sandbox_meta`` row, read on every search (one primary
key lookup), so a reloaded catalogue is picked up at once. No SQL-side Hamming distance is
needed, so SQLite and PostgreSQL behave identically.

Cut-off: an offer matches when one of its hashes is within :data:`MAX_DISTANCE` bits of the
query. Measured on the default catalogue, the picture itself, resized, JPEG-re-encoded, a little
brighter or hue-shifted, or cropped by 5 %, lands within about 14 bits of its own offer, while
unrelated offers are rarely that close (an unrelated random photo typically has no hash within
the cut-off at all). At most :data:`MAX_RESULTS` matches are returned (and counted): an image
search is a "find this product" query, not a browse.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, String, bindparam, select, text
from sqlalchemy.orm import Mapped, mapped_column

from daigou.db.base import Base
from daigou.db.session import Database
from daigou.marketplace.sandbox import images

__all__ = ["MAX_DISTANCE", "MAX_RESULTS", "SandboxImageHash", "image_search"]

TABLE = "sandbox_image_hash"
HASH_COLUMNS = tuple(f"hash{i}" for i in range(len(images.INDEX_CROPS)))
#: Largest Hamming distance (of 64 bits) at which an offer still counts as a match.
MAX_DISTANCE = 14
#: Most matches a search returns and counts.
MAX_RESULTS = 100
#: ``sandbox_meta`` key recording how the stored hashes were made.
META_KEY = "images"


def index_meta() -> str:
    """The ``sandbox_meta`` value describing the hashes this code makes: a catalogue whose
    stored value differs is reloaded by ``store.load_catalogue``."""
    return json.dumps(
        {"render_version": images.RENDER_VERSION, "crops": list(images.INDEX_CROPS)},
        sort_keys=True,
    )


class SandboxImageHash(Base):
    """The pHashes of one offer's main picture: ``hash0`` of the whole picture, ``hash1..3``
    of its centred crops (``images.INDEX_CROPS``), as signed 64-bit integers."""

    __tablename__ = TABLE
    offer_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    platform: Mapped[str] = mapped_column(String(8))
    hash0: Mapped[int] = mapped_column(BigInteger)
    hash1: Mapped[int] = mapped_column(BigInteger)
    hash2: Mapped[int] = mapped_column(BigInteger)
    hash3: Mapped[int] = mapped_column(BigInteger)


# --- the in-memory index -------------------------------------------------------------------


class _Index:
    __slots__ = ("version", "offer_ids", "hashes")

    def __init__(self, version: str, offer_ids: list[str], hashes: np.ndarray) -> None:
        self.version = version
        self.offer_ids = offer_ids
        self.hashes = hashes  # (n, crops) uint64


_cache: dict[tuple[str, str], _Index] = {}
_cache_lock = threading.Lock()


def _loaded_version(conn: Any) -> str:
    from daigou.marketplace.sandbox.models import SandboxMeta
    from daigou.marketplace.sandbox.store import META_KEY as CATALOGUE_KEY

    rows = conn.execute(
        select(SandboxMeta.key, SandboxMeta.value).where(
            SandboxMeta.key.in_([CATALOGUE_KEY, META_KEY])
        )
    ).all()
    return json.dumps(sorted((k, v) for k, v in rows))


def _index(db: Database, conn: Any, platform: str) -> _Index:
    version = _loaded_version(conn)
    key = (db.url, platform)
    found = _cache.get(key)
    if found is not None and found.version == version:
        return found
    with _cache_lock:
        found = _cache.get(key)
        if found is not None and found.version == version:
            return found
        rows = conn.execute(
            text(
                f"SELECT offer_id, {', '.join(HASH_COLUMNS)} FROM {TABLE} "  # noqa: S608
                "WHERE platform = :platform ORDER BY offer_id"
            ),
            {"platform": platform},
        ).all()
        ids = [r[0] for r in rows]
        signed = np.array([r[1:] for r in rows], dtype=np.int64).reshape(
            len(rows), len(HASH_COLUMNS)
        )
        found = _Index(version, ids, signed.view(np.uint64))
        _cache[key] = found
        return found


# --- search --------------------------------------------------------------------------------


def image_search(
    db: Database,
    platform: str,
    image: bytes,
    page: int = 1,
    page_size: int = 20,
    shop_id: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of on-sale offers whose picture looks like ``image``, and the match count.

    Rows have the shape of ``store.search``'s plus ``distance`` (Hamming bits, 0-64), best
    first: smallest distance, then ``month_sold`` descending, then ``offer_id``. Only offers
    within :data:`MAX_DISTANCE` count, at most :data:`MAX_RESULTS` of them. Raises
    ``images.BadImage`` for anything but a sane JPEG or PNG.
    """
    from daigou.marketplace.sandbox.store import COLUMNS

    query = np.uint64(images.image_hash(images.decode_query_image(image)))
    page = max(1, page)
    page_size = max(1, min(page_size, 200))
    with db.reading() as conn:
        index = _index(db, conn, platform)
        if not index.offer_ids:
            return [], 0
        distance = np.bitwise_count(index.hashes ^ query).min(axis=1)
        close = np.flatnonzero(distance <= MAX_DISTANCE)
        if len(close) > 4 * MAX_RESULTS:  # off-sale or other shops' offers may drop out
            close = close[np.argsort(distance[close], kind="stable")[: 4 * MAX_RESULTS]]
        by_id = {index.offer_ids[i]: int(distance[i]) for i in close.tolist()}
        if not by_id:
            return [], 0
        sql = (
            f"SELECT {', '.join(COLUMNS)} FROM sandbox_offer "  # noqa: S608
            "WHERE offer_id IN :ids AND on_sale = :on_sale"
            + (" AND shop_id = :shop_id" if shop_id is not None else "")
        )
        stmt = text(sql).bindparams(bindparam("ids", expanding=True))
        params: dict[str, Any] = {"ids": list(by_id), "on_sale": True}
        if shop_id is not None:
            params["shop_id"] = shop_id
        rows = [dict(r) for r in conn.execute(stmt, params).mappings()]
    for row in rows:
        row["on_sale"] = bool(row["on_sale"])
        row["in_stock"] = bool(row["in_stock"])
        row["distance"] = by_id[row["offer_id"]]
    rows.sort(key=lambda r: (r["distance"], -r["month_sold"], r["offer_id"]))
    rows = rows[:MAX_RESULTS]
    start = (page - 1) * page_size
    return rows[start : start + page_size], len(rows)
