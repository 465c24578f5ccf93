"""A minimal webhook receiver for bench_delivery.py: raw ASGI under uvicorn, in its own process.

POST anything: answers 200 "ok" and, when the body is a delivery, checks that each key's
``messageBody.sequence`` arrives in increasing order. GET /stats answers the counts as JSON;
POST /reset zeroes them.
"""

from __future__ import annotations

from typing import Any

import orjson

STATE: dict[str, Any] = {"received": 0, "ids": set(), "duplicates": 0, "out_of_order": 0}
LAST: dict[str, int] = {}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    path = scope["path"]
    if scope["method"] == "GET" and path == "/stats":
        out = orjson.dumps({k: (len(v) if isinstance(v, set) else v) for k, v in STATE.items()})
    elif path == "/reset":
        STATE.update(received=0, ids=set(), duplicates=0, out_of_order=0)
        LAST.clear()
        out = b"ok"
    else:
        STATE["received"] += 1
        if body.startswith(b'{"messageId"'):
            doc = orjson.loads(body)
            if doc["messageId"] in STATE["ids"]:
                STATE["duplicates"] += 1
            STATE["ids"].add(doc["messageId"])
            inner = doc["messageBody"]
            key, seq = inner.get("key"), inner["sequence"]
            if key is not None:
                if seq <= LAST.get(key, 0):
                    STATE["out_of_order"] += 1
                LAST[key] = seq
        out = b"ok"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(out)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": out})
