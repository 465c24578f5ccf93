"""Refund evidence pictures (1688 7.2; any platform's refund vouchers): checked, stored per
developer (the same bytes twice are one picture), and served back by an unguessable URL.

A picture comes as base64 (JPEG or PNG, at most :data:`MAX_BYTES`, decoded whole with Pillow so
a damaged or disguised file is refused) or as an address this gateway serves itself: one of its
own voucher URLs, or a sandbox picture. Nothing is ever fetched from the internet.

The URL is ``{public_url}{PATH}{imageId}.jpg`` (or ``.png``): the image id is 128 random bits,
so the public (unsigned) picture route gives a picture only to whoever was handed its URL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import secrets
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from daigou.aftersales.models import RefundImage
from daigou.config import Settings
from daigou.core.errors import ApiError, NotFound, validation_error
from daigou.db.session import Database
from daigou.goods import service as goods
from daigou.marketplace import port as P
from daigou.marketplace.controls import SandboxControls

MAX_BYTES = 5 * 1024 * 1024  # ENDPOINTS 7.2: at most 5 MB
MAX_PIXELS = 40_000_000  # checked from the header, before any pixel is decoded
PATH = "/refund/vouchers/"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
_MAGIC = {b"\x89PNG\r\n\x1a\n": ("PNG", "image/png"), b"\xff\xd8\xff": ("JPEG", "image/jpeg")}
_ID = re.compile(r"^rv[0-9a-f]{32}$")
_OWN_PATH = re.compile(r"^/refund/vouchers/(rv[0-9a-f]{32})\.(jpg|png)$")


@dataclass(frozen=True)
class StoredImage:
    image_id: str
    content_type: str
    size: int

    @property
    def relative_url(self) -> str:
        return f"{PATH}{self.image_id}.{EXTENSIONS[self.content_type]}"


def decode_base64(value: str, field: str = "imageBase64") -> bytes:
    """The picture's bytes (a ``data:`` prefix and whitespace are allowed)."""
    text = value.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    text = "".join(text.split())
    too_big = f"the picture is over {MAX_BYTES // (1024 * 1024)} MB"
    if len(text) > (MAX_BYTES * 4) // 3 + 8:
        raise validation_error(field, too_big)
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise validation_error(field, "not valid base64") from exc
    if not raw:
        raise validation_error(field, "the picture is empty")
    if len(raw) > MAX_BYTES:
        raise validation_error(field, too_big)
    return raw


def content_type_of(data: bytes, field: str = "imageBase64") -> str:
    """``image/jpeg`` or ``image/png``, once Pillow decoded the whole picture; 40001 (on
    ``field``) for anything else, a damaged file, or more than :data:`MAX_PIXELS` pixels."""
    from PIL import Image

    found = next(((fmt, ct) for magic, (fmt, ct) in _MAGIC.items() if data.startswith(magic)), None)
    if found is None:
        raise validation_error(field, "only JPEG and PNG pictures are accepted")
    fmt, content_type = found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as im:
                width, height = im.size
                if width * height > MAX_PIXELS:
                    raise validation_error(
                        field, f"the picture has {width}x{height} pixels; at most {MAX_PIXELS}"
                    )
                im.load()  # every pixel: a truncated or damaged file fails here
    except ApiError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a damaged file
        raise validation_error(field, f"the {fmt} picture could not be read (damaged)") from exc
    return content_type


def store(db: Database, developer_id: int, data: bytes, now_ms: int, field: str) -> StoredImage:
    """Keep a checked picture for the developer; the same bytes uploaded again are the picture
    already kept (the same URL)."""
    content_type = content_type_of(data, field)
    digest = hashlib.sha256(data).hexdigest()
    with db.transaction() as s:
        found = s.execute(
            select(RefundImage.image_id, RefundImage.content_type, RefundImage.size)
            .where(RefundImage.developer_id == developer_id, RefundImage.sha256 == digest)
            .order_by(RefundImage.created_at, RefundImage.image_id)
            .limit(1)
        ).first()
        if found is not None:
            return StoredImage(found.image_id, found.content_type, found.size)
        image_id = "rv" + secrets.token_hex(16)
        image = RefundImage(
            image_id=image_id,
            developer_id=developer_id,
            content_type=content_type,
            sha256=digest,
            size=len(data),
            data=data,
            created_at=now_ms,
        )
        s.add(image)
    return StoredImage(image_id, content_type, len(data))


def read(db: Database, image_id: str, extension: str) -> tuple[bytes, str]:
    """A kept picture and its content type, by its URL's id and extension (40401 otherwise)."""
    if not _ID.match(image_id):
        raise NotFound("no such picture")
    with db.reading() as conn:
        found = conn.execute(
            select(RefundImage.data, RefundImage.content_type).where(
                RefundImage.image_id == image_id
            )
        ).first()
    if found is None or EXTENSIONS.get(found.content_type) != extension:
        raise NotFound("no such picture")
    return bytes(found.data), found.content_type


def fetch_own(
    db: Database,
    sandbox: SandboxControls | None,
    settings: Settings,
    address: str,
    field: str = "imageAddress",
) -> bytes:
    """The bytes behind an address this gateway serves: one of its voucher URLs, or a sandbox
    picture. Any other address is refused (40001): the caller sends such a picture as base64."""
    own = urlsplit(settings.resolved_public_url)
    try:
        url = urlsplit(address.strip())
    except ValueError:
        url = None
    if url is not None and (url.scheme, url.netloc) == (own.scheme, own.netloc):
        mine = _OWN_PATH.match(url.path)
        if mine is not None:
            try:
                return read(db, mine.group(1), mine.group(2))[0]
            except NotFound as exc:
                raise validation_error(field, "no such picture") from exc
    try:
        platform, offer_id, variant = goods.parse_picture_address(settings, address)
    except ApiError as exc:
        raise validation_error(
            field,
            f"only pictures this gateway serves ({settings.resolved_public_url}{PATH}... or "
            f"/sandbox/images/...) are taken by address; send any other picture as imageBase64",
        ) from exc
    if sandbox is None:
        raise validation_error(field, "no such picture")
    try:
        data, _ = sandbox.image(platform, offer_id, variant)
    except P.MarketplaceNotFound as exc:
        raise validation_error(field, "no such picture") from exc
    return data
