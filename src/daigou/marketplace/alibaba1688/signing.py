"""The 1688 Open Platform request signature (``_aop_signature``), reference section 2.2.

Official rule (https://open.1688.com/api/sysSignature.htm?ns=cn.alibaba.open):

1. ``urlPath`` is the URL from ``param2`` up to ``?``, e.g.
   ``param2/1/system/currentTime/1000000``;
2. every parameter becomes the string key + value (``b2``, ``a1``); those **strings** are sorted
   and joined (``a1b2``). Sorting the strings is not sorting the keys: ``{a: "z", ab: "c"}``
   gives ``abcaz`` (strings) where a sort by key gives ``azabc``;
3. the signature is ``upper(hex(HMAC-SHA1(appSecret, urlPath + joined)))``.

Values are signed exactly as they are sent (:func:`wire_params`): ``None`` dropped, objects
and lists JSON-serialised (compact, ``ensure_ascii=False``), booleans ``true``/``false``.
The official vector (secret ``test123``, ``a=1``, ``b=2`` ->
``33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88``) is pinned by the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

SIGNATURE_FIELD = "_aop_signature"
DEFAULT_BASE_URL = "https://gw.open.1688.com/openapi"


def wire_value(value: Any) -> str:
    """One parameter value as it goes on the wire (and into the signature)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def wire_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The parameters as sent: ``None`` dropped, every value a string (:func:`wire_value`)."""
    return {key: wire_value(value) for key, value in params.items() if value is not None}


def _joined(params: Mapping[str, Any]) -> str:
    pieces = [key + value for key, value in wire_params(params).items() if key != SIGNATURE_FIELD]
    return "".join(sorted(pieces))  # sort the key+value STRINGS, not the keys


def _hmac_hex(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    return digest.upper()


def url_path(version: int | str, namespace: str, name: str, app_key: str) -> str:
    """``param2/{version}/{namespace}/{name}/{appKey}``: the signed part of an API URL."""
    return f"param2/{version}/{namespace}/{name}/{app_key}"


def aop_signature(path: str, params: Mapping[str, Any], secret: str) -> str:
    """The ``_aop_signature`` of an API call to ``path`` (``param2/...``, see :func:`url_path`)
    with ``params`` (every parameter sent, system ones included; ``_aop_signature`` itself is
    left out)."""
    return _hmac_hex(secret, path + _joined(params))


def param_signature(params: Mapping[str, Any], secret: str) -> str:
    """The "parameter signature": the same HMAC over the sorted key+value strings, with no
    urlPath. Documented for the authorisation URL (``auth/authorize.htm``).

    UNVERIFIED: the push delivery's ``_aop_signature`` over its ``message`` field is taken to
    be ``param_signature({"message": message}, secret)``, as the reference reads; no official
    vector confirms it (docs/marketplaces.md)."""
    return _hmac_hex(secret, _joined(params))


def api_url(base: str, version: int | str, namespace: str, name: str, app_key: str) -> str:
    """The full URL of an API: ``{base}/param2/{version}/{namespace}/{name}/{appKey}``
    (``base`` e.g. ``https://gw.open.1688.com/openapi``)."""
    return f"{base.rstrip('/')}/{url_path(version, namespace, name, quote(app_key, safe=''))}"


def authorize_url(
    app_key: str, redirect_uri: str, secret: str, *, state: str = "", site: str = "1688"
) -> str:
    """The buyer's authorisation page (reference 2.7): ``auth/authorize.htm`` with
    ``client_id``, ``site``, ``redirect_uri``, ``state`` and the parameter signature."""
    params = {"client_id": app_key, "site": site, "redirect_uri": redirect_uri, "state": state}
    params = {k: v for k, v in params.items() if v}
    signed = {**params, SIGNATURE_FIELD: param_signature(params, secret)}
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in signed.items())
    return f"https://auth.1688.com/oauth/authorize?{query}"
