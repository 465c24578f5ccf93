"""Generated offer pictures for the sandbox marketplace, and the perceptual hash for image search.

Everything here is a pure function of its arguments; nothing touches the network or a database.

* :func:`render_offer_image` draws a product-like picture from ``(image_seed, variant)`` with
  Pillow primitives only (no fonts), so the same inputs give the same pixels on every machine
  that runs the same Pillow major version. The seed decides the whole layout (background split,
  bands, the product silhouette, its pattern and accents); the variant changes only the main
  colour's hue, like an SKU colour, and keeps its brightness, so every variant of an offer has
  (nearly) the same greyscale structure and therefore (nearly) the same hash.
* :func:`image_hash` is a 64-bit DCT perceptual hash (pHash) of the greyscale picture (numpy
  for the DCT): robust to resizing, JPEG re-encoding, brightness/hue changes and
  small crops. :func:`hamming` compares two hashes; :func:`nearest` ranks candidates.
  :func:`offer_index_hashes` computes the catalogue's index hashes in bulk (~30x faster than
  rendering each picture at 400 px; within a few bits of it).
* :func:`decode_query_image` is the only door for untrusted bytes (a search query picture):
  JPEG or PNG only, bounded in bytes and in pixels, fully decoded (so truncation is caught).
  Every refusal is a :class:`BadImage` (a ``ValueError``) with a human message; the API maps it
  to error 40001.
"""

from __future__ import annotations

import colorsys
import heapq
import io
import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Literal, TypeVar

import numpy as np
from PIL import Image, ImageDraw, ImageOps

__all__ = [
    "HASH_BITS",
    "RENDER_VERSION",
    "BadImage",
    "decode_query_image",
    "encode",
    "hamming",
    "hash_bands",
    "INDEX_CROPS",
    "image_hash",
    "index_hashes",
    "nearest",
    "render_offer_image",
    "signed64",
    "unsigned64",
]

#: Bump when the drawing changes, so stored hashes/cached pictures can be rebuilt.
RENDER_VERSION = 1
HASH_BITS = 64

DEFAULT_MAX_BYTES = 3 * 1024 * 1024
DEFAULT_MAX_PIXELS = 24_000_000  # a 6000 x 4000 photo; a 12 MP phone picture fits easily
MIN_SIDE = 16

_MASK64 = (1 << 64) - 1
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

K = TypeVar("K", bound=Hashable)


# --------------------------------------------------------------------------------------------
# deterministic randomness (our own generator: independent of the Python version)
# --------------------------------------------------------------------------------------------


class _Rng:
    """SplitMix64. Tiny, fast, and its output is fixed forever (unlike ``random.Random``'s
    helpers, whose algorithms may change between Python versions)."""

    def __init__(self, *parts: int) -> None:
        state = 0x9E3779B97F4A7C15
        for p in parts:
            state = (state ^ (p & _MASK64)) * 0xBF58476D1CE4E5B9 & _MASK64
            state = self._mix(state)
        self._state = state

    @staticmethod
    def _mix(z: int) -> int:
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & _MASK64
        return z ^ (z >> 31)

    def next64(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        return self._mix(self._state)

    def unit(self) -> float:
        """Uniform in [0, 1) with 53 bits."""
        return (self.next64() >> 11) / float(1 << 53)

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.unit()

    def randint(self, lo: int, hi: int) -> int:
        """Inclusive on both ends."""
        return lo + self.next64() % (hi - lo + 1)

    def choice(self, seq: tuple | list):  # type: ignore[no-untyped-def]
        return seq[self.next64() % len(seq)]


class _DrawnRng(_Rng):
    """The same stream as ``_Rng(*parts)``, read from outputs computed in advance (in bulk,
    with numpy, by :func:`_bulk_draws`): rendering thousands of pictures for the index then
    costs no Python-level SplitMix64 arithmetic."""

    def __init__(self, draws: list[int]) -> None:  # noqa: D107 - no super(): no state
        self.next64 = iter(draws).__next__  # type: ignore[method-assign]


_GAMMA = 0x9E3779B97F4A7C15
#: More than any picture consumes (at most ~70 draws: 3 bands and 4 accents).
_MAX_DRAWS = 96


def _np_mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _bulk_draws(seeds: Sequence[int], count: int = _MAX_DRAWS) -> list[list[int]]:
    """``[[_Rng(RENDER_VERSION, seed).next64() for _ in range(count)] for seed in seeds]``,
    vectorised: SplitMix64's k-th output is ``mix(state0 + k * gamma)`` (mod 2**64)."""
    with np.errstate(over="ignore"):
        state = np.full(len(seeds), _GAMMA, dtype=np.uint64)
        for part in (
            np.full(len(seeds), RENDER_VERSION & _MASK64, dtype=np.uint64),
            np.array([s & _MASK64 for s in seeds], dtype=np.uint64),
        ):
            state = _np_mix((state ^ part) * np.uint64(0xBF58476D1CE4E5B9))
        steps = np.arange(1, count + 1, dtype=np.uint64) * np.uint64(_GAMMA)
        out = _np_mix(state[:, None] + steps[None, :])
    return out.tolist()  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# colours
# --------------------------------------------------------------------------------------------

RGB = tuple[int, int, int]


def _luma(c: RGB) -> float:
    # the same weights Pillow uses for convert("L")
    return (c[0] * 299 + c[1] * 587 + c[2] * 114) / 1000


def _with_luma(c: RGB, target: float) -> RGB:
    """Blend ``c`` towards white or black so its luma is ``target`` (hue kept, roughly)."""
    target = min(max(target, 0.0), 255.0)
    cur = _luma(c)
    if target >= cur:
        t = 0.0 if cur >= 255 else (target - cur) / (255 - cur)
        out = tuple(v + (255 - v) * t for v in c)
    else:
        t = target / cur if cur > 0 else 0.0
        out = tuple(v * t for v in c)
    return tuple(min(255, max(0, int(round(v)))) for v in out)  # type: ignore[return-value]


def _hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (int(round(r * 255)), int(round(g * 255)), int(round(b * 255)))


def _tone(rng: _Rng, luma: float, sat_lo: float = 0.05, sat_hi: float = 0.35) -> RGB:
    return _with_luma(_hsv(rng.unit(), rng.uniform(sat_lo, sat_hi), 0.8), luma)


# --------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------

_KINDS = ("box", "bottle", "round", "shirt", "bag", "shoe", "tablet", "mug")
_HINTS = {
    "cloth": "shirt",
    "apparel": "shirt",
    "shirt": "shirt",
    "dress": "shirt",
    "fashion": "shirt",
    "bag": "bag",
    "luggage": "bag",
    "shoe": "shoe",
    "sneaker": "shoe",
    "boot": "shoe",
    "beauty": "bottle",
    "cosmetic": "bottle",
    "drink": "bottle",
    "food": "box",
    "toy": "round",
    "sport": "round",
    "electronic": "tablet",
    "phone": "tablet",
    "digital": "tablet",
    "computer": "tablet",
    "home": "mug",
    "kitchen": "mug",
}
_SUPERSAMPLE = 2


def _kind_for(hint: str | None, rng_kind: str) -> str:
    if hint:
        h = hint.lower()
        for word, kind in _HINTS.items():
            if word in h:
                return kind
    return rng_kind


def _draw_product(
    d: ImageDraw.ImageDraw,
    kind: str,
    box: tuple[float, float, float, float],
    fill: RGB | int,
    S: int,
) -> None:
    """Draw the main silhouette in ``box`` = (x0, y0, x1, y1) on a canvas of side ``S``."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    r = max(1, int(min(w, h) * 0.12))
    if kind in ("box", "tablet"):
        d.rounded_rectangle((x0, y0, x1, y1), radius=r, fill=fill)
    elif kind == "round":
        d.ellipse((x0, y0, x1, y1), fill=fill)
    elif kind == "bottle":
        nw = w * 0.36
        cx = (x0 + x1) / 2
        d.rounded_rectangle((x0, y0 + h * 0.3, x1, y1), radius=r, fill=fill)
        d.rectangle((cx - nw / 2, y0 + h * 0.08, cx + nw / 2, y0 + h * 0.32), fill=fill)
        d.rectangle((cx - nw * 0.6, y0, cx + nw * 0.6, y0 + h * 0.1), fill=fill)
    elif kind == "shirt":
        d.polygon(
            [
                (x0 + w * 0.32, y0),
                (x0 + w * 0.68, y0),
                (x1, y0 + h * 0.2),
                (x1 - w * 0.1, y0 + h * 0.42),
                (x1 - w * 0.22, y0 + h * 0.36),
                (x1 - w * 0.22, y1),
                (x0 + w * 0.22, y1),
                (x0 + w * 0.22, y0 + h * 0.36),
                (x0 + w * 0.1, y0 + h * 0.42),
                (x0, y0 + h * 0.2),
            ],
            fill=fill,
        )
    elif kind == "bag":
        lw = max(2, int(w * 0.08))
        d.arc((x0 + w * 0.22, y0, x1 - w * 0.22, y0 + h * 0.6), 180, 360, fill=fill, width=lw)
        d.rounded_rectangle((x0, y0 + h * 0.3, x1, y1), radius=r, fill=fill)
    elif kind == "shoe":
        d.polygon(
            [
                (x0, y1),
                (x0, y0 + h * 0.25),
                (x0 + w * 0.4, y0 + h * 0.25),
                (x0 + w * 0.55, y0 + h * 0.55),
                (x1, y0 + h * 0.7),
                (x1, y1),
            ],
            fill=fill,
        )
    elif kind == "mug":
        lw = max(2, int(w * 0.09))
        d.ellipse((x0 + w * 0.55, y0 + h * 0.2, x1, y0 + h * 0.75), outline=fill, width=lw)
        d.rounded_rectangle((x0, y0, x0 + w * 0.75, y1), radius=r, fill=fill)
    else:  # pragma: no cover - _KINDS is closed
        raise AssertionError(kind)


def render_offer_image(
    image_seed: int,
    variant: int = 0,
    size: int = 400,
    category_hint: str | None = None,
) -> Image.Image:
    """Draw the picture of an offer (``variant`` = SKU colour index, 0 = the offer's main picture).

    Deterministic: the same ``(image_seed, variant, size, category_hint)`` gives identical pixels.
    The seed alone decides the layout; ``variant`` only rotates the main colour's hue at constant
    brightness; ``category_hint`` (e.g. ``"women's clothing"``, ``"bags"``) picks a fitting
    silhouette instead of a seed-chosen one. Returns an RGB image ``size`` x ``size``.
    """
    if not isinstance(image_seed, int) or not isinstance(variant, int):
        raise TypeError("image_seed and variant must be integers")
    if not 16 <= size <= 2048:
        raise ValueError("size must be between 16 and 2048 pixels")
    if variant < 0:
        raise ValueError("variant must be >= 0")

    rng = _Rng(RENDER_VERSION, image_seed)
    return _render(rng, variant, size * _SUPERSAMPLE, category_hint, grey=False).reduce(
        _SUPERSAMPLE
    )  # box-filter anti-aliasing: exact and fast


def _grey(luma: float) -> int:
    return int(round(min(max(luma, 0.0), 255.0)))


def _render(rng: _Rng, variant: int, S: int, category_hint: str | None, grey: bool) -> Image.Image:
    """Draw on an ``S`` x ``S`` canvas (before any anti-aliasing reduction).

    ``grey=True`` draws the same picture straight in greyscale (mode ``L``), each fill at the
    luma its colour would have (``_with_luma`` keeps luma exactly, up to rounding), for the
    hash index: it consumes the same random draws, so the layout is the same, but skips the
    colour arithmetic. Its pixels differ from ``convert("L")`` of the colour picture by at
    most a grey level or so, far below what moves a perceptual-hash bit.
    """
    if grey:

        def tone(luma: float, sat_lo: float = 0.05, sat_hi: float = 0.35) -> RGB | int:
            rng.unit()  # the hue and saturation draws of _tone: consumed, unused
            rng.next64()
            return _grey(luma)

        def coloured(hue: float, sat: float, luma: float) -> RGB | int:
            return _grey(luma)

    else:

        def tone(luma: float, sat_lo: float = 0.05, sat_hi: float = 0.35) -> RGB | int:
            return _tone(rng, luma, sat_lo, sat_hi)

        def coloured(hue: float, sat: float, luma: float) -> RGB | int:
            return _with_luma(_hsv(hue, sat, 0.9), luma)

    # Brightness plan: the background halves, the bands and the product take lumas spread over
    # the whole range, so the greyscale structure (what the hash sees) differs strongly by seed.
    light_bg = rng.unit() < 0.5
    bg_l = rng.uniform(170, 235) if light_bg else rng.uniform(25, 85)
    bg2_l = bg_l + (-1 if light_bg else 1) * rng.uniform(45, 95)
    bg = tone(bg_l)
    bg2 = tone(bg2_l)

    img = Image.new("L" if grey else "RGB", (S, S), bg)
    d = ImageDraw.Draw(img)

    # 1. the background split: a half-plane in the second tone
    split = rng.randint(0, 5)
    t = rng.uniform(0.3, 0.7) * S
    if split == 0:
        d.rectangle((0, t, S, S), fill=bg2)
    elif split == 1:
        d.rectangle((0, 0, t, S), fill=bg2)
    elif split == 2:
        d.polygon([(0, S), (S, S), (S, t), (0, S - t + S * 0.3)], fill=bg2)
    elif split == 3:
        d.polygon([(0, 0), (t, 0), (S - t, S), (0, S)], fill=bg2)
    elif split == 4:
        d.ellipse(
            (S * 0.1 - t / 2, S * 0.1 - t / 2, S * 0.1 + t * 1.3, S * 0.1 + t * 1.3), fill=bg2
        )
    # split == 5: plain background

    # 2. a few bands (shelves, stripes, ribbons)
    for _ in range(rng.randint(1, 3)):
        band = tone(rng.uniform(20, 240), 0.1, 0.6)
        thick = rng.uniform(0.04, 0.12) * S
        pos = rng.uniform(0.0, 1.0) * S
        if rng.unit() < 0.5:
            d.rectangle((0, pos, S, pos + thick), fill=band)
        else:
            d.rectangle((pos, 0, pos + thick, S), fill=band)

    # 3. accents: dots and tiles in seed colours
    for _ in range(rng.randint(2, 4)):
        acc = tone(rng.uniform(20, 240), 0.3, 0.9)
        ax, ay = rng.uniform(0.05, 0.95) * S, rng.uniform(0.05, 0.95) * S
        ar = rng.uniform(0.04, 0.10) * S
        if rng.unit() < 0.5:
            d.ellipse((ax - ar, ay - ar, ax + ar, ay + ar), fill=acc)
        else:
            d.rectangle((ax - ar, ay - ar, ax + ar, ay + ar), fill=acc)

    # 4. the product: seed decides silhouette, place, size and brightness; variant the hue
    kind = _kind_for(category_hint, rng.choice(_KINDS))
    pw = rng.uniform(0.32, 0.55) * S
    ph = pw * rng.uniform(0.8, 1.5)
    ph = min(ph, 0.8 * S)
    cx = rng.uniform(0.3, 0.7) * S
    cy = rng.uniform(0.35, 0.65) * S
    box = (cx - pw / 2, cy - ph / 2, cx + pw / 2, cy + ph / 2)
    # contrast with what lies under the product's centre
    under_l = bg2_l if split != 5 and rng.unit() < 0.5 else bg_l
    main_l = under_l + (-1 if under_l > 128 else 1) * rng.uniform(70, 120)
    base_hue = rng.unit()
    main_s = rng.uniform(0.55, 0.9)
    hue = base_hue + variant * 0.381966  # golden-angle steps: variants stay far apart in hue
    main = coloured(hue, main_s, main_l)
    _draw_product(d, kind, box, main, S)

    # 5. a pattern on the product, in a shade of the main colour (recoloured with it)
    pattern = rng.randint(0, 3)
    shade_l = main_l + (-1 if main_l > 128 else 1) * rng.uniform(35, 60)
    shade = coloured(hue, main_s, shade_l)
    x0, y0, x1, y1 = box
    if pattern == 0:  # stripes
        n = rng.randint(2, 4)
        step = (y1 - y0) / (2 * n + 1)
        for i in range(n):
            yy = y0 + step * (2 * i + 1) + (y1 - y0) * 0.05
            d.rectangle((x0 + pw * 0.28, yy, x1 - pw * 0.28, yy + step * 0.6), fill=shade)
    elif pattern == 1:  # a label panel
        d.rectangle((x0 + pw * 0.25, y0 + ph * 0.5, x1 - pw * 0.25, y0 + ph * 0.75), fill=shade)
    elif pattern == 2:  # a dot
        rr = pw * rng.uniform(0.1, 0.18)
        mx, my = (x0 + x1) / 2, y0 + ph * 0.62
        d.ellipse((mx - rr, my - rr, mx + rr, my + rr), fill=shade)
    # pattern == 3: plain

    return img


def encode(image: Image.Image, fmt: Literal["PNG", "JPEG"] = "PNG", quality: int = 90) -> bytes:
    """Serialise a picture. PNG is lossless and byte-stable (no timestamps, fixed settings);
    JPEG uses ``quality`` and no chroma subsampling surprises (Pillow's defaults)."""
    fmt_u = fmt.upper()
    buf = io.BytesIO()
    if fmt_u == "PNG":
        image.save(buf, format="PNG", optimize=False, compress_level=6)
    elif fmt_u in ("JPEG", "JPG"):
        image.convert("RGB").save(buf, format="JPEG", quality=quality)
    else:
        raise ValueError(f"unsupported output format {fmt!r}; use PNG or JPEG")
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# perceptual hash
# --------------------------------------------------------------------------------------------

_N = 32  # pHash works on a 32 x 32 greyscale thumbnail
_K = 8  # and keeps the 8 x 8 lowest frequencies
# _COS[u, x] = cos(pi * (2x + 1) * u / 2N), the DCT-II basis for the first K frequencies
_COS = np.array(
    [[math.cos(math.pi * (2 * x + 1) * u / (2 * _N)) for x in range(_N)] for u in range(_K)]
)
_BIT_WEIGHTS = [1 << (63 - i) for i in range(64)]


def _flatten(image: Image.Image) -> Image.Image:
    """Any mode -> RGB, transparent areas on white (as a browser would show them)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def image_hash(image_or_bytes: Image.Image | bytes) -> int:
    """64-bit DCT perceptual hash (pHash) of the picture's greyscale, as an unsigned int.

    Greyscale -> 32 x 32 thumbnail (Lanczos) -> 2-D DCT-II -> the 8 x 8 lowest frequencies ->
    one bit per coefficient: above the median of the 63 AC coefficients (the DC term is left out
    of the median but still given a bit, as in imagehash). Bit 63 is the (0, 0) coefficient.
    Bytes are decoded with :func:`decode_query_image` (same limits as a search query).
    """
    image = (
        decode_query_image(bytes(image_or_bytes))
        if isinstance(image_or_bytes, bytes | bytearray | memoryview)
        else image_or_bytes
    )
    grey = _flatten(image).convert("L")
    if grey.width > 4 * _N or grey.height > 4 * _N:
        # two-step shrink: a cheap box reduction, then a Lanczos finish (same result quality)
        grey = grey.reduce(max(1, min(grey.width, grey.height) // (4 * _N)))
    return _thumb_hash(grey.resize((_N, _N), Image.Resampling.LANCZOS))


def _thumb_hash(thumb: Image.Image) -> int:
    """The pHash bits of a 32 x 32 greyscale thumbnail (numpy: two small matrix products)."""
    px = np.asarray(thumb, dtype=np.float64)
    # D[v, u] = sum_y sum_x cos_v(y) * px[y, x] * cos_u(x), row-major over (v, u)
    coeffs = (_COS @ px @ _COS.T).ravel()
    mid = (len(coeffs) - 1) // 2  # the median of the 63 AC terms (sorted index 31)
    med = np.partition(coeffs[1:], mid)[mid]
    return sum(w for w, bit in zip(_BIT_WEIGHTS, (coeffs > med).tolist(), strict=True) if bit)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes (signed or unsigned storage)."""
    return ((a ^ b) & _MASK64).bit_count()


#: Centred crops (fraction cut from every edge) hashed at catalogue build, one row each. A
#: DCT hash alone drifts ~10-24 bits under a 5 % crop (features near the edges move); storing
#: the hashes of a few crops of the original brings any symmetric crop up to ~10 % within a
#: few bits of one stored hash.
INDEX_CROPS: tuple[float, ...] = (0.0, 0.03, 0.06, 0.09)


def _centre_crop(image: Image.Image, fraction: float) -> Image.Image:
    if fraction <= 0:
        return image
    w, h = image.size
    dx, dy = int(round(w * fraction)), int(round(h * fraction))
    return image.crop((dx, dy, w - dx, h - dy))


def index_hashes(image: Image.Image, crops: Iterable[float] = INDEX_CROPS) -> tuple[int, ...]:
    """The hashes to store for one catalogue picture: :func:`image_hash` of the picture and of
    its centred crops (``crops``, fractions cut from each edge). The first is the plain hash.
    A query is then matched with :func:`nearest` against all of them (same key per picture)."""
    return tuple(image_hash(_centre_crop(image, c)) for c in crops)


def nearest(
    query_hash: int, candidates: Iterable[tuple[K, int]], limit: int = 10
) -> list[tuple[K, int]]:
    """The ``limit`` keys closest to ``query_hash``: ``[(key, distance)]`` sorted by distance,
    then key (keys must be mutually comparable). A key may appear several times (e.g. the
    :func:`index_hashes` of an offer, or all its SKU variants under the offer id); it counts
    once, at its smallest distance. A linear scan: fine in memory for a few hundred thousand
    hashes (about 0.1 s per 200,000 in CPython).

    Database-backed search, suggested shape: a table ``(offer_id, variant, crop, h, b0..b3)``
    with ``h`` the hash as a signed BIGINT (:func:`signed64`) and four 16-bit band columns from
    :func:`hash_bands`, each indexed. By pigeonhole, any stored hash within Hamming distance 3
    of the query shares at least one band exactly, so ``WHERE b0 = :q0 OR b1 = :q1 OR b2 = :q2
    OR b3 = :q3`` is an exact-recall prefilter for near-duplicates; rank its hits with
    :func:`hamming`. Edited pictures are often further away than 3 bits, so when the prefilter
    finds nothing close (say nothing within 6 bits), fall back to a full scan: on PostgreSQL
    ``ORDER BY bit_count((h # :q)::bit(64)), offer_id LIMIT n`` (PG 14+); on SQLite, keep the
    ``(key, hash)`` pairs in memory per process and call this function.
    """
    if limit <= 0:
        return []
    best: dict[K, int] = {}
    for key, h in candidates:
        d = hamming(query_hash, h)
        prev = best.get(key)
        if prev is None or d < prev:
            best[key] = d
    ranked = heapq.nsmallest(limit, ((d, k) for k, d in best.items()))
    return [(k, d) for d, k in ranked]


def hash_bands(h: int) -> tuple[int, int, int, int]:
    """Split a 64-bit hash into four 16-bit bands, most significant first (for a prefilter)."""
    h &= _MASK64
    return ((h >> 48) & 0xFFFF, (h >> 32) & 0xFFFF, (h >> 16) & 0xFFFF, h & 0xFFFF)


def signed64(h: int) -> int:
    """Unsigned 64-bit hash -> the signed value a BIGINT column can hold."""
    h &= _MASK64
    return h - (1 << 64) if h >= 1 << 63 else h


def unsigned64(h: int) -> int:
    """Inverse of :func:`signed64`."""
    return h & _MASK64


# --------------------------------------------------------------------------------------------
# untrusted input
# --------------------------------------------------------------------------------------------


class BadImage(ValueError):
    """A query picture we refuse. ``str(exc)``/``exc.message`` is meant for the API caller;
    ``exc.reason`` is a short machine tag (``empty``, ``too_large``, ``unsupported_format``,
    ``too_many_pixels``, ``too_small``, ``corrupt``)."""

    def __init__(self, message: str, reason: str = "corrupt") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def decode_query_image(
    data: bytes,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Decode an uploaded search picture: JPEG or PNG only, at most ``max_bytes`` bytes and
    ``max_pixels`` pixels, fully decoded (truncated files are refused), EXIF rotation applied,
    transparency flattened onto white. Returns an RGB image or raises :class:`BadImage`.

    The pixel limit is checked from the header, before any pixel is decoded, so a small file
    that claims huge dimensions (a decompression bomb) costs nothing. Pillow's global
    ``Image.MAX_IMAGE_PIXELS`` is left alone.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BadImage("the image must be sent as bytes", "corrupt")
    data = bytes(data)
    if not data:
        raise BadImage("the image is empty", "empty")
    if len(data) > max_bytes:
        raise BadImage(
            f"the image is {len(data)} bytes; the limit is {max_bytes} bytes "
            f"({max_bytes / (1024 * 1024):g} MB)",
            "too_large",
        )
    if data.startswith(_PNG_MAGIC):
        fmt = "PNG"
    elif data.startswith(_JPEG_MAGIC):
        fmt = "JPEG"
    else:
        raise BadImage("only JPEG and PNG images are accepted", "unsupported_format")

    try:
        im = Image.open(io.BytesIO(data), formats=[fmt])
    except Image.DecompressionBombError as exc:
        raise BadImage(
            f"the image has too many pixels (limit {max_pixels})", "too_many_pixels"
        ) from exc
    except Exception as exc:  # malformed headers raise many different exception types
        raise BadImage(f"the {fmt} image could not be read (damaged file)", "corrupt") from exc

    width, height = im.size
    if width * height > max_pixels:
        im.close()
        raise BadImage(
            f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels",
            "too_many_pixels",
        )
    if min(width, height) < MIN_SIDE:
        im.close()
        raise BadImage(
            f"the image is {width}x{height} pixels; at least {MIN_SIDE}x{MIN_SIDE} is needed",
            "too_small",
        )
    try:
        im.load()  # decodes everything: truncated or corrupt data fails here
        im = ImageOps.exif_transpose(im) or im
        out = _flatten(im)
        out.load()
    except Exception as exc:
        raise BadImage(
            f"the {fmt} image could not be decoded (truncated or damaged file)", "corrupt"
        ) from exc
    return out


# --------------------------------------------------------------------------------------------
# the catalogue's hash index, in bulk
# --------------------------------------------------------------------------------------------

#: The index draws each picture in greyscale on an ``INDEX_CANVAS`` square, shrinks it by
#: ``INDEX_REDUCE`` (box filter: the anti-aliasing a full render gets), and hashes from that.
INDEX_CANVAS = 128
INDEX_REDUCE = 2


def _lanczos(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 3.0, np.sinc(x) * np.sinc(x / 3.0), 0.0)


def _resize_matrix(size: int, lo: float, hi: float, out: int = _N) -> np.ndarray:
    """``W`` (out x size) such that ``W @ column`` is Pillow's Lanczos resize of the span
    ``[lo, hi)`` of a ``size``-pixel line to ``out`` pixels (same support, same centres, same
    normalisation as Pillow's ``precompute_coeffs``; floating point, no 8-bit rounding)."""
    scale = (hi - lo) / out
    filterscale = max(scale, 1.0)
    support = 3.0 * filterscale
    w = np.zeros((out, size))
    for i in range(out):
        centre = lo + (i + 0.5) * scale
        x0 = max(0, int(centre - support + 0.5))
        x1 = min(size, int(centre + support + 0.5))
        xs = np.arange(x0, x1)
        k = _lanczos((xs - centre + 0.5) / filterscale)
        if k.sum() != 0:
            k = k / k.sum()
        w[i, x0:x1] = k
    return w


def _crop_projections(crops: tuple[float, ...], canvas: int) -> np.ndarray:
    """``P[c]`` (8 x canvas) = DCT basis @ Lanczos resize of crop ``c``: the 8 x 8 pHash
    coefficients of crop ``c`` of a canvas ``A`` are then ``P[c] @ A @ P[c].T``."""
    return np.stack([_COS @ _resize_matrix(canvas, c * canvas, canvas - c * canvas) for c in crops])


def _hash_bits(coeffs: np.ndarray) -> np.ndarray:
    """pHash of ``(..., 8, 8)`` DCT coefficients -> ``(...)`` uint64 (same rule as
    :func:`_thumb_hash`: bit 63 is (0, 0); a bit is set above the median of the 63 AC terms)."""
    flat = coeffs.reshape(*coeffs.shape[:-2], 64)
    mid = (64 - 1) // 2
    med = np.partition(flat[..., 1:], mid, axis=-1)[..., mid]
    packed = np.packbits(flat > med[..., None], axis=-1)  # most significant bit first
    return packed.view(">u8")[..., 0].astype(np.uint64)


def offer_index_hashes(
    pictures: Sequence[tuple[int, str | None]],
    crops: Iterable[float] = INDEX_CROPS,
    canvas: int = INDEX_CANVAS,
    reduce: int = INDEX_REDUCE,
) -> list[tuple[int, ...]]:
    """:func:`index_hashes` of the main picture (variant 0) of many offers, fast.

    ``pictures`` holds ``(image_seed, category_hint)`` pairs. Instead of drawing each picture
    at 400 px in colour and shrinking it once per crop, this draws it straight in greyscale on
    a small ``canvas`` (the hash only ever sees a 32 x 32 thumbnail), draws the random streams
    of all pictures at once, and turns "crop, Lanczos-resize to 32 x 32, DCT" into one matrix
    product per crop, for all pictures together. About 30x faster than
    ``index_hashes(render_offer_image(...))``; the hashes agree with it within a few bits (the
    tests pin how few), well inside what a search tolerates anyway.
    """
    crops = tuple(crops)
    side = canvas // reduce
    proj = _crop_projections(crops, side)  # (crops, 8, side)
    out: list[tuple[int, ...]] = []
    for at in range(0, len(pictures), _INDEX_BATCH):
        out += _index_batch(pictures[at : at + _INDEX_BATCH], proj, canvas, reduce)
    return out


_INDEX_BATCH = 256  # pictures per matrix product: a few MB of float32, cache-friendly


def _index_batch(
    pictures: Sequence[tuple[int, str | None]], proj: np.ndarray, canvas: int, reduce: int
) -> list[tuple[int, ...]]:
    n, k = len(pictures), proj.shape[0]
    side = canvas // reduce
    strip = Image.new("L", (side, side * n))  # all pictures one under another: one copy out
    for i, ((_, hint), stream) in enumerate(
        zip(pictures, _bulk_draws([s for s, _ in pictures]), strict=True)
    ):
        picture = _render(_DrawnRng(stream), 0, canvas, hint, grey=True)
        strip.paste(picture.reduce(reduce) if reduce > 1 else picture, (0, i * side))
    canvas = side
    stack = np.asarray(strip, dtype=np.float32)
    # the right factor of every crop at once (one BLAS product): A[i] @ [P0.T | P1.T | ...]
    right = stack.reshape(n * canvas, canvas) @ np.ascontiguousarray(
        proj.reshape(k * _K, canvas).T, dtype=np.float32
    )
    # then the left factor, crop by crop: P[c] @ (A[i] @ P[c].T)
    coeffs = np.einsum("cks,nscj->nckj", proj.astype(np.float32), right.reshape(n, canvas, k, _K))
    hashes = _hash_bits(coeffs.astype(np.float64))
    return [tuple(row) for row in hashes.tolist()]
