"""Sandbox offer pictures: deterministic rendering, a perceptual hash that survives everyday
edits, nearest-neighbour ranking, and the guarded decoder for uploaded query pictures."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib
from collections.abc import Callable

import pytest
from PIL import Image, ImageEnhance

from daigou.marketplace.sandbox.images import (
    INDEX_CROPS,
    BadImage,
    decode_query_image,
    encode,
    hamming,
    hash_bands,
    image_hash,
    index_hashes,
    nearest,
    render_offer_image,
    signed64,
    unsigned64,
)

N_OFFERS = 200


# ------------------------------------------------------------------------------------------
# helpers: everyday edits a buyer's copy of a picture goes through
# ------------------------------------------------------------------------------------------


def _resize(f: float) -> Callable[[Image.Image], Image.Image]:
    def go(im: Image.Image) -> Image.Image:
        return im.resize((round(im.width * f), round(im.height * f)), Image.Resampling.BICUBIC)

    return go


def _jpeg(im: Image.Image, quality: int = 70) -> Image.Image:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _brighten(im: Image.Image) -> Image.Image:
    return ImageEnhance.Brightness(im).enhance(1.10)


def _hue_shift(im: Image.Image, degrees: float = 15) -> Image.Image:
    h, s, v = im.convert("HSV").split()
    off = round(degrees / 360 * 256)
    h = h.point(lambda x: (x + off) % 256)
    return Image.merge("HSV", (h, s, v)).convert("RGB")


def _crop(im: Image.Image, f: float = 0.05) -> Image.Image:
    dx, dy = round(im.width * f), round(im.height * f)
    return im.crop((dx, dy, im.width - dx, im.height - dy))


def _everything(im: Image.Image) -> Image.Image:
    return _jpeg(_crop(_hue_shift(_brighten(_resize(0.6)(im)))).resize((600, 600)))


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "resized_to_60_percent": _resize(0.6),
    "resized_to_150_percent": _resize(1.5),
    "jpeg_quality_70": _jpeg,
    "brightened_10_percent": _brighten,
    "hue_shifted_15_degrees": _hue_shift,
    "cropped_5_percent_each_edge": _crop,
    "all_of_the_above": _everything,
}


@pytest.fixture(scope="module")
def catalogue() -> dict[int, Image.Image]:
    return {seed: render_offer_image(seed) for seed in range(N_OFFERS)}


@pytest.fixture(scope="module")
def plain_hashes(catalogue: dict[int, Image.Image]) -> list[tuple[int, int]]:
    return [(seed, image_hash(im)) for seed, im in catalogue.items()]


@pytest.fixture(scope="module")
def index(catalogue: dict[int, Image.Image]) -> list[tuple[int, int]]:
    return [(seed, h) for seed, im in catalogue.items() for h in index_hashes(im)]


def _rank_margins(
    queries: dict[int, int], candidates: list[tuple[int, int]]
) -> tuple[list[int], int, int]:
    """(seeds not found first, worst own distance, worst margin to the runner-up)."""
    misses: list[int] = []
    worst_own, worst_margin = 0, 64
    for seed, q in queries.items():
        ranked = nearest(q, candidates, limit=2)
        own = next((d for k, d in ranked if k == seed), None)
        if ranked[0][0] != seed or own is None:
            misses.append(seed)
            continue
        worst_own = max(worst_own, own)
        worst_margin = min(worst_margin, ranked[1][1] - own)
    return misses, worst_own, worst_margin


# ------------------------------------------------------------------------------------------
# rendering
# ------------------------------------------------------------------------------------------


def test_same_seed_and_variant_render_identical_png_bytes():
    for seed, variant in [(0, 0), (7, 0), (7, 3), (123456789, 2)]:
        a = encode(render_offer_image(seed, variant), "PNG")
        b = encode(render_offer_image(seed, variant), "PNG")
        assert a == b
        assert a.startswith(b"\x89PNG\r\n\x1a\n")


def test_rendered_pixels_match_the_pinned_reference():
    # Stored hashes and cached pictures rely on these exact pixels. If this fails after a
    # drawing change (or a Pillow upgrade that draws differently), bump RENDER_VERSION and
    # rebuild the stored hashes, then update the digests below.
    im = render_offer_image(42, 1)
    assert im.mode == "RGB" and im.size == (400, 400)
    assert hashlib.sha256(im.tobytes()).hexdigest() == PINNED_PIXELS_SHA256
    assert image_hash(im) == PINNED_HASH


PINNED_PIXELS_SHA256 = "a74dc605bcef8622a4fb823edefd5c4cd74ccca465d7033e91b79ae0f978e7f3"
PINNED_HASH = 0xF795_CC40_1BF6_230D


def test_different_seeds_render_different_and_perceptually_distant_pictures(plain_hashes):
    pngs = {encode(render_offer_image(seed, size=64)) for seed in range(50)}
    assert len(pngs) == 50
    hashes = [h for _, h in plain_hashes]
    assert len(set(hashes)) == len(hashes)
    dists = sorted(hamming(a, b) for i, a in enumerate(hashes[:100]) for b in hashes[i + 1 : 100])
    assert dists[len(dists) // 2] >= 24  # typical unrelated pair: about half the bits differ
    assert dists[0] >= 6


def test_render_honours_size_and_is_rgb():
    for size in (64, 400, 800):
        im = render_offer_image(3, size=size)
        assert im.size == (size, size) and im.mode == "RGB"


def test_render_rejects_bad_arguments():
    with pytest.raises(ValueError):
        render_offer_image(1, size=8)
    with pytest.raises(ValueError):
        render_offer_image(1, variant=-1)
    with pytest.raises(TypeError):
        render_offer_image("1")  # type: ignore[arg-type]


def test_variant_recolours_the_product_but_keeps_the_layout():
    base = render_offer_image(11, 0).tobytes()
    for variant in (1, 2, 3):
        other = render_offer_image(11, variant).tobytes()
        pixels = len(base) // 3
        changed = sum(base[i : i + 3] != other[i : i + 3] for i in range(0, len(base), 3))
        assert 0.01 * pixels < changed < 0.6 * pixels, (variant, changed / pixels)


def test_category_hint_changes_the_silhouette_deterministically():
    a = render_offer_image(5, category_hint="Women's clothing").tobytes()
    b = render_offer_image(5, category_hint="bags & luggage").tobytes()
    assert a != b
    assert a == render_offer_image(5, category_hint="Women's clothing").tobytes()
    # an unknown hint falls back to the seed's own choice
    assert render_offer_image(5, category_hint="zzz").tobytes() == render_offer_image(5).tobytes()


def test_encode_writes_png_and_jpeg_and_refuses_other_formats():
    im = render_offer_image(9)
    assert encode(im, "PNG").startswith(b"\x89PNG")
    assert encode(im, "JPEG").startswith(b"\xff\xd8\xff")
    with pytest.raises(ValueError):
        encode(im, "GIF")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# hashing and ranking
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("edit", list(EDITS))
def test_edited_copy_of_each_of_200_offers_is_found_first(edit, catalogue, plain_hashes, index):
    # The index holds each offer's hash plus the hashes of a few centred crops (INDEX_CROPS),
    # all under the offer's key. Observed (Pillow 13, 200 seeds): with the index, own distance
    # <= 8 bits and the runner-up >= 6 bits further for every edit, the 5 % crop included.
    # The plain hash alone (one per offer) does as well for everything but cropping: own <= 6,
    # margin >= 8; a 5 % crop moves it 10-24 bits, which is why the crops are indexed.
    queries = {seed: image_hash(EDITS[edit](im)) for seed, im in catalogue.items()}
    misses, worst_own, worst_margin = _rank_margins(queries, index)
    assert not misses, f"{edit}: not found first for seeds {misses}"
    assert worst_margin >= 4, (edit, worst_own, worst_margin)
    if "crop" not in edit and edit != "all_of_the_above":
        misses, worst_own, worst_margin = _rank_margins(queries, plain_hashes)
        assert not misses, f"{edit} (plain hash): not found first for seeds {misses}"
        assert worst_margin >= 4, (edit, worst_own, worst_margin)


def test_sku_variants_stay_closer_to_their_offer_than_to_other_offers(plain_hashes):
    by_seed = dict(plain_hashes)
    for seed in range(0, N_OFFERS, 4):
        own = by_seed[seed]
        nearest_other = min(hamming(own, h) for s, h in plain_hashes if s != seed)
        for variant in (1, 2, 3):
            hv = image_hash(render_offer_image(seed, variant))
            assert hamming(hv, own) < nearest_other, (seed, variant)
            assert nearest(hv, plain_hashes, limit=1)[0][0] == seed


def test_index_hashes_start_with_the_plain_hash():
    im = render_offer_image(77)
    hs = index_hashes(im)
    assert len(hs) == len(INDEX_CROPS)
    assert hs[0] == image_hash(im)


def test_image_hash_is_64_bits_and_accepts_encoded_bytes():
    im = render_offer_image(8)
    h = image_hash(im)
    assert 0 <= h < 1 << 64
    assert image_hash(encode(im, "PNG")) == h
    assert hamming(image_hash(encode(im, "JPEG")), h) <= 4


def test_image_hash_flattens_transparency_onto_white():
    im = render_offer_image(8)
    rgba = im.convert("RGBA")
    assert image_hash(rgba) == image_hash(im)
    clear = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    assert image_hash(clear) == image_hash(Image.new("RGB", (100, 100), "white"))


def test_hamming_counts_differing_bits_in_signed_or_unsigned_form():
    assert hamming(0, 0) == 0
    assert hamming(0, (1 << 64) - 1) == 64
    assert hamming(0b1011, 0b0001) == 2
    h = 0xF000_0000_0000_0001
    assert hamming(signed64(h), h) == 0
    assert signed64(h) < 0 and unsigned64(signed64(h)) == h
    assert signed64(5) == 5


def test_hash_bands_split_into_four_16_bit_pieces():
    assert hash_bands(0x1234_5678_9ABC_DEF0) == (0x1234, 0x5678, 0x9ABC, 0xDEF0)
    assert hash_bands(signed64(0xFFFF_0000_0000_0001)) == (0xFFFF, 0, 0, 1)


def test_nearest_sorts_by_distance_then_key_and_honours_limit():
    q = 0
    cands = [("c", 0b11), ("b", 0b1), ("a", 0b10), ("d", 0), ("e", 0b111)]
    assert nearest(q, cands, limit=3) == [("d", 0), ("a", 1), ("b", 1)]
    assert nearest(q, cands, limit=10)[-1] == ("e", 3)
    assert nearest(q, cands, limit=0) == []
    assert nearest(q, [], limit=5) == []


def test_nearest_counts_a_repeated_key_once_at_its_best_distance():
    cands = [(1, 0b1111), (2, 0b1), (1, 0), (2, 0b11)]
    assert nearest(0, cands, limit=5) == [(1, 0), (2, 1)]


# ------------------------------------------------------------------------------------------
# decoding untrusted query pictures
# ------------------------------------------------------------------------------------------


def _png_with_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` (a decompression-bomb header)."""
    raw = encode(Image.new("L", (16, 16), 128), "PNG")
    ihdr_at = raw.index(b"IHDR")
    body = struct.pack(">II", width, height) + raw[ihdr_at + 12 : ihdr_at + 17]
    chunk = b"IHDR" + body
    patched = chunk + struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    return raw[:ihdr_at] + patched + raw[ihdr_at + 4 + 13 + 4 :]


def test_decode_accepts_png_and_jpeg_as_rgb():
    im = render_offer_image(21)
    for fmt in ("PNG", "JPEG"):
        out = decode_query_image(encode(im, fmt))  # type: ignore[arg-type]
        assert out.mode == "RGB" and out.size == im.size
    assert decode_query_image(encode(im, "PNG")).tobytes() == im.tobytes()


def test_decode_flattens_a_transparent_png():
    buf = io.BytesIO()
    Image.new("RGBA", (32, 32), (255, 0, 0, 0)).save(buf, "PNG")
    out = decode_query_image(buf.getvalue())
    assert out.mode == "RGB" and out.getpixel((0, 0)) == (255, 255, 255)


def test_decode_refuses_a_gif():
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buf, "GIF")
    with pytest.raises(BadImage, match="only JPEG and PNG") as exc:
        decode_query_image(buf.getvalue())
    assert exc.value.reason == "unsupported_format"


def test_decode_refuses_random_bytes():
    with pytest.raises(BadImage) as exc:
        decode_query_image(os.urandom(4096))
    assert exc.value.reason == "unsupported_format"
    assert isinstance(exc.value, ValueError) and exc.value.message


def test_decode_refuses_a_png_or_jpeg_header_followed_by_garbage():
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"):
        with pytest.raises(BadImage) as exc:
            decode_query_image(magic + b"\x00garbage" * 100)
        assert exc.value.reason == "corrupt"


def test_decode_refuses_a_truncated_png():
    data = encode(render_offer_image(4), "PNG")
    with pytest.raises(BadImage, match="truncated or damaged") as exc:
        decode_query_image(data[: len(data) // 2])
    assert exc.value.reason == "corrupt"


def test_decode_refuses_a_truncated_jpeg():
    data = encode(render_offer_image(4), "JPEG")
    with pytest.raises(BadImage) as exc:
        decode_query_image(data[: len(data) // 2])
    assert exc.value.reason == "corrupt"


def test_decode_refuses_an_oversized_payload():
    data = encode(render_offer_image(4), "PNG")
    with pytest.raises(BadImage, match="limit") as exc:
        decode_query_image(data, max_bytes=len(data) - 1)
    assert exc.value.reason == "too_large"
    with pytest.raises(BadImage) as exc:
        decode_query_image(b"\xff\xd8\xff" + b"\x00" * (3 * 1024 * 1024))
    assert exc.value.reason == "too_large"


def test_decode_refuses_huge_dimensions_before_decoding_pixels():
    # a header claiming 100,000 x 100,000 pixels in a file of a few dozen bytes
    with pytest.raises(BadImage, match="pixels") as exc:
        decode_query_image(_png_with_size(100_000, 100_000))
    assert exc.value.reason == "too_many_pixels"
    # a real, valid picture over our own limit (but under Pillow's global one)
    buf = io.BytesIO()
    Image.new("1", (6000, 5000)).save(buf, "PNG")
    with pytest.raises(BadImage, match="pixels") as exc:
        decode_query_image(buf.getvalue())
    assert exc.value.reason == "too_many_pixels"


def test_decode_refuses_empty_and_tiny_pictures():
    with pytest.raises(BadImage) as exc:
        decode_query_image(b"")
    assert exc.value.reason == "empty"
    with pytest.raises(BadImage) as exc:
        decode_query_image(encode(Image.new("RGB", (4, 4)), "PNG"))
    assert exc.value.reason == "too_small"


# ------------------------------------------------------------------------------------------
# the catalogue's bulk index
# ------------------------------------------------------------------------------------------


def test_bulk_index_hashes_stay_close_to_the_full_pictures_and_find_edited_copies(catalogue):
    from daigou.marketplace.sandbox.images import offer_index_hashes

    seeds = list(catalogue)[:100]
    fast = offer_index_hashes([(seed, None) for seed in seeds])
    assert fast == offer_index_hashes([(seed, None) for seed in seeds])  # deterministic
    drift = [
        images_hamming
        for seed, hs in zip(seeds, fast, strict=True)
        for images_hamming in map(hamming, hs, index_hashes(catalogue[seed]))
    ]
    assert max(drift) <= 12 and sum(drift) / len(drift) <= 3.5
    index = [(seed, h) for seed, hs in zip(seeds, fast, strict=True) for h in hs]
    for edit in ("jpeg_quality_70", "cropped_5_percent_each_edge", "all_of_the_above"):
        queries = {seed: image_hash(EDITS[edit](catalogue[seed])) for seed in seeds}
        misses, _, worst_margin = _rank_margins(queries, index)
        assert not misses and worst_margin >= 2, (edit, misses, worst_margin)
