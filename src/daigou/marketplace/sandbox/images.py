"""Generated offer pictures for the sandbox marketplace, and the perceptual hash for image search.

Everything here is a pure function of its arguments; nothing touches the network or a database.

* :func:`render_offer_image` draws a product-like picture from ``(image_seed, variant)`` with
  Pillow primitives only (no fonts), so the same inputs give the same pixels on every machine
  that runs the same Pillow major version. The seed decides the whole layout (background split,
  bands, the product silhouette, its pattern and accents); the variant changes only the main
  colour's hue, like an SKU colour, and keeps its brightness, so every variant of an offer has
  (nearly) the same greyscale structure and therefore (nearly) the same hash.
* :func:`image_hash` is a 64-bit DCT perceptual hash (pHash) of the greyscale picture, written
  in pure Python (no numpy): robust to resizing, JPEG re-encoding, brightness/hue changes and
  small crops. :func:`hamming` compares two hashes; :func:`nearest` ranks candidates.
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
from collections.abc import Hashable, Iterable
from typing import Literal, TypeVar

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
    d: ImageDraw.ImageDraw, kind: str, box: tuple[float, float, float, float], fill: RGB, S: int
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
    S = size * _SUPERSAMPLE

    # Brightness plan: the background halves, the bands and the product take lumas spread over
    # the whole range, so the greyscale structure (what the hash sees) differs strongly by seed.
    light_bg = rng.unit() < 0.5
    bg_l = rng.uniform(170, 235) if light_bg else rng.uniform(25, 85)
    bg2_l = bg_l + (-1 if light_bg else 1) * rng.uniform(45, 95)
    bg = _tone(rng, bg_l)
    bg2 = _tone(rng, bg2_l)

    img = Image.new("RGB", (S, S), bg)
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
        band = _tone(rng, rng.uniform(20, 240), 0.1, 0.6)
        thick = rng.uniform(0.04, 0.12) * S
        pos = rng.uniform(0.0, 1.0) * S
        if rng.unit() < 0.5:
            d.rectangle((0, pos, S, pos + thick), fill=band)
        else:
            d.rectangle((pos, 0, pos + thick, S), fill=band)

    # 3. accents: dots and tiles in seed colours
    for _ in range(rng.randint(2, 4)):
        acc = _tone(rng, rng.uniform(20, 240), 0.3, 0.9)
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
    main = _with_luma(_hsv(hue, main_s, 0.9), main_l)
    _draw_product(d, kind, box, main, S)

    # 5. a pattern on the product, in a shade of the main colour (recoloured with it)
    pattern = rng.randint(0, 3)
    shade_l = main_l + (-1 if main_l > 128 else 1) * rng.uniform(35, 60)
    shade = _with_luma(_hsv(hue, main_s, 0.9), shade_l)
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

    return img.reduce(_SUPERSAMPLE)  # box-filter anti-aliasing: exact and fast


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
# _COS[u][x] = cos(pi * (2x + 1) * u / 2N), the DCT-II basis for the first K frequencies
_COS = [[math.cos(math.pi * (2 * x + 1) * u / (2 * _N)) for x in range(_N)] for u in range(_K)]


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
    px = list(grey.resize((_N, _N), Image.Resampling.LANCZOS).getdata())
    rows = [px[y * _N : (y + 1) * _N] for y in range(_N)]
    # rows first: R[y][u] = sum_x rows[y][x] * cos_u(x)
    r = [[sum(a * c for a, c in zip(row, cu, strict=True)) for cu in _COS] for row in rows]
    # then columns: D[v][u] = sum_y R[y][u] * cos_v(y)
    coeffs = [
        sum(r[y][u] * cv[y] for y in range(_N)) for cv in _COS for u in range(_K)
    ]  # row-major over (v, u)
    med = sorted(coeffs[1:])[(len(coeffs) - 1) // 2]
    h = 0
    for c in coeffs:
        h = (h << 1) | (1 if c > med else 0)
    return h


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
