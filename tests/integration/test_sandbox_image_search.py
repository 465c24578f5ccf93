"""Image search over the sandbox catalogue: an offer's own picture, and everyday edited copies of
it, find that offer first; unrelated pictures find little or nothing; bad bytes are refused; the
hash index is loaded with the catalogue, deterministically and idempotently."""

from __future__ import annotations

from functools import cache

import pytest
import sqlalchemy as sa
from PIL import Image, ImageEnhance

from daigou.marketplace.sandbox import catalogue as C
from daigou.marketplace.sandbox import images
from daigou.marketplace.sandbox.image_index import MAX_RESULTS, image_search
from daigou.marketplace.sandbox.store import COLUMNS, load_catalogue

SEED = 11
SHOPS = 20
PER_PLATFORM = 200


@cache
def sample() -> tuple[C.Offer, ...]:
    """A few on-sale offers of each platform."""
    shops = C.build_shops(SEED, SHOPS)
    out = []
    for platform in C.PLATFORMS:
        offers = [o for o in C.iter_offers(SEED, platform, PER_PLATFORM, shops=shops) if o.on_sale]
        out += offers[:: len(offers) // 4][:4]
    return tuple(out)


def picture(offer: C.Offer, size: int = 400) -> Image.Image:
    return images.render_offer_image(offer.image_seed, 0, size, C.image_hint(offer.category_id))


def _jpeg(im: Image.Image) -> bytes:
    return images.encode(im, "JPEG", quality=70)


def _hue(im: Image.Image) -> Image.Image:
    h, s, v = im.convert("HSV").split()
    return Image.merge("HSV", (h.point(lambda x: (x + 11) % 256), s, v)).convert("RGB")


def _crop(im: Image.Image) -> Image.Image:
    d = round(im.width * 0.05)
    return im.crop((d, d, im.width - d, im.height - d))


EDITS = {
    "own_400px_picture": lambda o: images.encode(picture(o)),
    "rendered_at_250px": lambda o: images.encode(picture(o, 250)),
    "resized_to_250px": lambda o: images.encode(
        picture(o).resize((250, 250), Image.Resampling.BICUBIC)
    ),
    "jpeg_quality_70": lambda o: _jpeg(picture(o)),
    "brightened_10_percent": lambda o: images.encode(
        ImageEnhance.Brightness(picture(o)).enhance(1.1)
    ),
    "hue_shifted": lambda o: images.encode(_hue(picture(o))),
    "cropped_5_percent": lambda o: images.encode(_crop(picture(o))),
}


@pytest.fixture
def loaded(db):
    assert load_catalogue(db, SEED, SHOPS, PER_PLATFORM, PER_PLATFORM, batch=150) == 400
    return db


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_offer_picture_or_an_edited_copy_finds_that_offer_first(loaded, edit):
    for offer in sample():
        rows, total = image_search(loaded, offer.platform, EDITS[edit](offer))
        assert rows, (edit, offer.offer_id)
        assert rows[0]["offer_id"] == offer.offer_id, (edit, offer.offer_id, rows[:3])
        assert 1 <= total <= MAX_RESULTS
        assert all(r["platform"] == offer.platform and r["on_sale"] is True for r in rows)
        distances = [r["distance"] for r in rows]
        assert distances == sorted(distances)


def test_rows_have_the_keyword_search_shape_plus_a_distance(loaded):
    offer = sample()[0]
    rows, _ = image_search(loaded, offer.platform, images.encode(picture(offer)))
    assert set(rows[0]) == {*COLUMNS, "distance"}
    assert rows[0]["distance"] <= 8
    assert rows[0]["price_fen"] == offer.price_fen and rows[0]["title_en"] == offer.titles["en"]


def test_paging_and_the_shop_filter(loaded):
    offer = sample()[0]
    data = images.encode(picture(offer))
    rows, total = image_search(loaded, offer.platform, data, page_size=1)
    assert len(rows) == 1 and rows[0]["offer_id"] == offer.offer_id
    if total > 1:
        second, again = image_search(loaded, offer.platform, data, page=2, page_size=1)
        assert again == total and second[0]["offer_id"] != offer.offer_id
    rows, _ = image_search(loaded, offer.platform, data, shop_id=offer.shop_id)
    assert rows[0]["offer_id"] == offer.offer_id
    assert all(r["shop_id"] == offer.shop_id for r in rows)
    other = next(s for s in C.build_shops(SEED, SHOPS) if s.shop_id != offer.shop_id)
    rows, _ = image_search(loaded, offer.platform, data, shop_id=other.shop_id)
    assert offer.offer_id not in {r["offer_id"] for r in rows}


def test_unrelated_pictures_find_little_or_nothing(loaded):
    noise = Image.effect_noise((300, 300), 90).convert("RGB")
    for im in (noise, Image.new("RGB", (300, 300), (200, 30, 30))):
        rows, total = image_search(loaded, C.PLATFORM_TAOBAO, images.encode(im))
        assert total == len(rows) <= 10


@pytest.mark.parametrize(
    "data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, b"GIF89a...."]
)
def test_bad_bytes_are_refused(loaded, data):
    with pytest.raises(images.BadImage):
        image_search(loaded, C.PLATFORM_1688, data)


def _hash_rows(db) -> list[tuple]:
    with db.reading() as conn:
        return [
            tuple(r)
            for r in conn.execute(sa.text("SELECT * FROM sandbox_image_hash ORDER BY offer_id"))
        ]


def test_the_index_is_loaded_with_the_catalogue_deterministically_and_once(loaded):
    first = _hash_rows(loaded)
    assert len(first) == 2 * PER_PLATFORM
    assert load_catalogue(loaded, SEED, SHOPS, PER_PLATFORM, PER_PLATFORM) == 0
    assert _hash_rows(loaded) == first
    # another catalogue replaces it (and the search follows at once)
    assert load_catalogue(loaded, SEED + 1, 10, 30, 30) == 60
    assert len(_hash_rows(loaded)) == 60
    offer = sample()[0]
    rows, _ = image_search(loaded, offer.platform, images.encode(picture(offer)))
    assert offer.offer_id not in {r["offer_id"] for r in rows}
    # and the first catalogue again gives identical rows, hashes included
    assert load_catalogue(loaded, SEED, SHOPS, PER_PLATFORM, PER_PLATFORM) == 400
    assert _hash_rows(loaded) == first


def test_stored_hashes_match_the_served_pictures_within_a_few_bits(loaded):
    by_id = {r[0]: r for r in _hash_rows(loaded)}
    for offer in sample():
        row = by_id[offer.offer_id]
        full = images.index_hashes(picture(offer))
        for stored, exact in zip(row[2:], full, strict=True):
            assert images.hamming(stored, exact) <= 12
