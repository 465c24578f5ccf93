"""A 1688 Open Platform protocol stub: a real HTTP server on 127.0.0.1 that answers like
``gw.open.1688.com`` for the buyer API set, backed by the gateway's sandbox marketplace.

The stub speaks the official wire (``POST /openapi/param2/{version}/{namespace}/{api}/{appKey}``,
form-encoded, object parameters as JSON strings, ``_aop_signature`` checked with its OWN
implementation of the rule in reference/marketplaces-and-practice.md section 2.2, never the
gateway's) and translates each call into a port call on the sandbox
(``daigou.marketplace.sandbox.adapter.SandboxMarketplace``), then the port's DTOs back into the
official answer shapes: detail amounts in yuan decimals, preview/pay/refund amounts in fen,
times as ``yyyyMMddHHmmssSSS+0800`` (the logistics steps use the naive ``yyyy-MM-dd HH:mm:ss``
spelling, Shanghai time, one of the four spellings a client must parse).

Where each answer's shape comes from ("doc" = the indexed copy of the open.1688.com API docs,
solution 1703167397970, pulled 2026-09-03; "clients" = open-source 1688 clients in the code
index; "inferred" = built from the field names in the reference, no official example seen):

Status: V verified against the doc copy or a client's real traffic, I inferred, V/I partly.

| API                                  | status | shape and its source                         |
|--------------------------------------|--------|----------------------------------------------|
| alibaba.createOrder.preview          | V      | doc sample: top level orderPreviewResuslt     |
|                                      |        | (sic), fen, errorCode/errorMsg, 500_00x       |
| alibaba.trade.createCrossOrder       | V/I    | doc + clients: {result:{orderId,              |
|                                      |        | totalSuccessAmount, postFee (fen)}}; the      |
|                                      |        | multi-order orderList items are I             |
| alibaba.trade.get.buyerView          | V      | doc sample: {result:{baseInfo, productItems,  |
|                                      |        | nativeLogistics}}, yuan; discount in fen      |
| alibaba.trade.getBuyerOrderList      | V      | doc sample: {result:[...], totalRecord}, no   |
|                                      |        | success field                                 |
| alibaba.trade.cancel                 | V      | clients: flat {success}                       |
| ...protocolPay.preparePay            | I      | params from reference 2.4; answer             |
|                                      |        | {success, result:{payChannel, paySuccess}}    |
| alibaba.alipay.url.get               | V/I    | clients: flat {success, payUrl}; the          |
|                                      |        | payFailureOrderList items are I               |
| trade.receivegoods.confirm           | I      | flat {success}                                |
| ...getLogisticsTraceInfo.buyerView   | V      | clients: {success, logisticsTrace[{...,       |
|                                      |        | logisticsSteps[{acceptTime, remark}]}]}       |
| alibaba.trade.getRefundReasonList    | I      | {result:{success, code, result:{reasons}}}    |
| alibaba.trade.createRefund           | I      | {result:{success, code, result:{refundId}}}   |
| alibaba.trade.refund.OpQueryOrder... | V      | doc table: {result:{opOrderRefundModelDetail}}|
|                                      |        | errorCode/errorMessage, amounts in fen        |
| ...refund.OpQueryBatchRefundByOrder- | I      | {result:{opOrderRefundModels:[detail...]}}    |
|   IdAndStatus (an order's refunds)   |        | (the name from reference 2.4; shape inferred) |
| ...refund.OpQueryOrderRefund-        | I      | {result:{opOrderRefundOperationModels:[{id,   |
|   OperationList (the negotiation)    |        | operatorRoleId 1 buyer 2 seller 3 platform,   |
|                                      |        | remark, vouchers, gmtCreate}]}}: name from    |
|                                      |        | reference 2.4, members inferred               |
| refund detail's refundAddress,       | I      | a returnRefund's address, the seller's words, |
|   sellerAgreeMsg, buyerSendGoods*    |        | the buyer's return note and pictures          |
| alibaba.trade.cancelRefund           | I      | {result:{success, code, message}}             |
| alibaba.trade.refund.returnGoods     | I      | {result:{success, code, message}}             |
| product.search.keywordQuery and      | V/I    | clients: {result:{success, code, message,     |
|   product.search.queryProductDetail  |        | result:payload}}; payload members are I       |
| product.image.upload                 | I      | param uploadImageParam (the name from the     |
|                                      |        | official SDK's class) {imageBase64}; answer   |
|                                      |        | {result:{success, code, message,              |
|                                      |        | result: imageId}}; a picture that is no JPEG  |
|                                      |        | or PNG: success false, code IMAGE_INVALID (I) |
| product.search.querySellerOfferList | I      | offerQueryParam {sellerOpenId, keyword?,      |
|                                      |        | beginPage, pageSize, country, sort,           |
|                                      |        | priceStart/priceEnd (yuan), categoryId};      |
|                                      |        | keywordQuery's page                           |
| product.search.offerRecommend        | I      | recommendOfferParam {beginPage, pageSize,     |
|                                      |        | country}; keywordQuery's page                 |
| product.search.imageQuery            | I      | offerQueryParam {imageId, beginPage,          |
|                                      |        | pageSize, country...}; keywordQuery's page    |
| category.translation.getById         | I      | params categoryId (0: the top level),         |
|                                      |        | language; {result:{success, code, message,    |
|                                      |        | result:{categoryId, chineseName,              |
|                                      |        | translatedName, language, leaf, level,        |
|                                      |        | parentCateId, childCategorys:[{id,            |
|                                      |        | chineseName, translatedName, leaf}]}}}        |
| system.oauth2:getToken               | V      | clients: {access_token, refresh_token,        |
|                                      |        | expires_in, refresh_token_timeout}            |
| push.query.messageList               | V/I    | clients: {pushMessagePage:{datas}};           |
|                                      |        | totalCount is I                               |
| push.message.confirm                 | V      | clients: {isSuccess}                          |
| system:currentTime                   | I      | {result: time}; only here to accept the       |
|                                      |        | official signature vector as a real call      |
| gateway errors                       | V/I    | clients: HTTP 400 {error_code, error_message} |
|                                      |        | with gw.SignatureInvalid, gw.ParamMissing,    |
|                                      |        | gw.APIUnsupported, gw.QosAppFrequencyLimit;   |
|                                      |        | a token refusal: error_code "401" (a client's |
|                                      |        | table); its HTTP 401 and the "expired"        |
|                                      |        | message, and gw.AppKeyNotExist, are I         |
| push form {message, _aop_signature}  | I      | reference 2.6 names the fields; the SIGNING   |
|                                      |        | RULE (HMAC-SHA1 over "message"+message) is I  |

Use::

    with AlibabaStub(sandbox) as stub:
        stub.url                      # http://127.0.0.1:<port>
        stub.fail("alibaba.trade.createCrossOrder", "timeout_after_commit")
        stub.calls_to("alibaba.trade.createCrossOrder")  # every call, recorded
        stub.push(receiver_url, "ORDER_BUYER_VIEW_ORDER_PAY", {...})
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from daigou.marketplace import port as P
from daigou.marketplace.sandbox import images

SHANGHAI = timezone(timedelta(hours=8))
ALI = P.Platform.ALIBABA

# --- the official signature rule (section 2.2), written here on its own -----------------------
OFFICIAL_VECTOR = {
    "secret": "test123",
    "url_path": "param2/1/system/currentTime/1000000",
    "params": {"a": "1", "b": "2"},
    "signature": "33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88",
}


def aop_signature(secret: str, url_path: str, params: Mapping[str, Any]) -> str:
    """uppercase(hex(HMAC_SHA1(secret, urlPath + join(sorted(key + value))))): the key+value
    strings are sorted, not the keys (``{a: "z", ab: "c"}`` signs ``abcaz``); ``None`` values
    are left out; ``_aop_signature`` itself never signs."""
    pieces = sorted(f"{k}{v}" for k, v in params.items() if v is not None and k != "_aop_signature")
    message = url_path + "".join(pieces)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).hexdigest()
    return digest.upper()


def push_signature(secret: str, message: str) -> str:
    """INFERRED: the push's ``_aop_signature`` as the 'parameter signature' of section 2.2 (no
    urlPath) over the one signed form field: HMAC-SHA1(secret, "message" + message)."""
    return aop_signature(secret, "", {"message": message})


assert (
    aop_signature(OFFICIAL_VECTOR["secret"], OFFICIAL_VECTOR["url_path"], OFFICIAL_VECTOR["params"])
    == OFFICIAL_VECTOR["signature"]
), "the stub's own _aop_signature fails the official vector"


# --- wire formats -----------------------------------------------------------------------------
def ali_time(ms: int | None) -> str | None:
    """Epoch ms -> ``yyyyMMddHHmmssSSS+0800`` (Shanghai)."""
    if ms is None:
        return None
    t = datetime.fromtimestamp(ms / 1000, SHANGHAI)
    return t.strftime("%Y%m%d%H%M%S") + f"{t.microsecond // 1000:03d}+0800"


def naive_time(ms: int) -> str:
    """Epoch ms -> ``yyyy-MM-dd HH:mm:ss`` meaning Shanghai time (another official spelling)."""
    return datetime.fromtimestamp(ms / 1000, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def yuan(fen: int) -> float:
    """Fen -> a yuan decimal as 1688's detail answers carry it (``6.15``)."""
    return round(fen / 100, 2)


def yuan_text(fen: int) -> str:
    return f"{fen / 100:.2f}"


WIRE_SORTS: dict[tuple[str, str], P.Sort] = {
    ("price", "asc"): P.Sort.PRICE_ASC,
    ("price", "desc"): P.Sort.PRICE_DESC,
    ("monthSold", "desc"): P.Sort.SALES_DESC,
}


def wire_sort(value: Any) -> P.Sort:
    """keywordQuery's ``sort``, a JSON object as text (``{"price":"asc"}``); none: relevance.
    A sort the stub does not know is a ValueError (answered as a business refusal)."""
    if value in (None, ""):
        return P.Sort.RELEVANCE
    pairs = list((json.loads(value) if isinstance(value, str) else value).items())
    key = (str(pairs[0][0]), str(pairs[0][1])) if len(pairs) == 1 else ("", "")
    if key not in WIRE_SORTS:
        raise ValueError(f"unknown sort {value!r}")
    return WIRE_SORTS[key]


def wire_fen(value: Any) -> int | None:
    """A yuan price on the wire (``"12.30"``) as fen; none: no bound."""
    if value in (None, ""):
        return None
    whole, _, part = str(value).partition(".")
    if len(part) > 2 or not whole.isdigit() or (part and not part.isdigit()):
        raise ValueError(f"not a yuan price: {value!r}")
    return int(whole) * 100 + int(part.ljust(2, "0") or 0)


def num_id(ident: str | None) -> int | str | None:
    """1688 ids are Longs on the wire; keep non-numeric ones (never in the sandbox) as text."""
    if ident is None:
        return None
    return int(ident) if ident.isdigit() else ident


API_NAMESPACES = {
    "alibaba.createOrder.preview": "com.alibaba.trade",
    "alibaba.trade.createCrossOrder": "com.alibaba.trade",
    "alibaba.trade.get.buyerView": "com.alibaba.trade",
    "alibaba.trade.getBuyerOrderList": "com.alibaba.trade",
    "alibaba.trade.cancel": "com.alibaba.trade",
    "alibaba.trade.pay.protocolPay.preparePay": "com.alibaba.trade",
    "alibaba.alipay.url.get": "com.alibaba.trade",
    "trade.receivegoods.confirm": "com.alibaba.trade",
    "alibaba.trade.getLogisticsTraceInfo.buyerView": "com.alibaba.logistics",
    "alibaba.trade.getRefundReasonList": "com.alibaba.trade",
    "alibaba.trade.createRefund": "com.alibaba.trade",
    "alibaba.trade.refund.OpQueryOrderRefund": "com.alibaba.trade",
    "alibaba.trade.refund.OpQueryBatchRefundByOrderIdAndStatus": "com.alibaba.trade",
    "alibaba.trade.refund.OpQueryOrderRefundOperationList": "com.alibaba.trade",
    "alibaba.trade.cancelRefund": "com.alibaba.trade",
    "alibaba.trade.refund.returnGoods": "com.alibaba.trade",
    "product.search.keywordQuery": "com.alibaba.fenxiao.crossborder",
    "product.search.querySellerOfferList": "com.alibaba.fenxiao.crossborder",
    "product.search.offerRecommend": "com.alibaba.fenxiao.crossborder",
    "product.search.queryProductDetail": "com.alibaba.fenxiao.crossborder",
    "product.image.upload": "com.alibaba.fenxiao.crossborder",
    "product.search.imageQuery": "com.alibaba.fenxiao.crossborder",
    "category.translation.getById": "com.alibaba.fenxiao.crossborder",
    "push.query.messageList": "cn.alibaba.open",
    "push.message.confirm": "cn.alibaba.open",
    "getToken": "system.oauth2",
    "currentTime": "system",  # the API of the official signature example
}
# the compensation APIs need no user authorisation (reference 2.6), nor does the token endpoint
NO_TOKEN = {"push.query.messageList", "push.message.confirm", "getToken", "currentTime"}
WRITES = {
    "alibaba.trade.createCrossOrder",
    "alibaba.trade.cancel",
    "alibaba.trade.pay.protocolPay.preparePay",
    "trade.receivegoods.confirm",
    "alibaba.trade.createRefund",
    "alibaba.trade.cancelRefund",
    "alibaba.trade.refund.returnGoods",
}
# one client's log reads "HTTP 400 gw.QosAppFrequencyLimit"; a client should classify by
# error_code, not by the status
RATE_LIMIT_STATUS = 400
FAULT_MODES = ("error", "rate_limit", "timeout", "timeout_after_commit", "5xx")


class StubAnswer(Exception):
    """An answer other than 200 with a JSON body (gateway errors)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def gateway_error(status: int, code: str, message: str) -> StubAnswer:
    return StubAnswer(status, {"error_code": code, "error_message": message, "exception": message})


@dataclass
class StubCall:
    api: str
    namespace: str
    params: dict[str, str]
    at: float  # time.time() when it arrived
    answered: int | None = None  # the HTTP status sent (None: held, never answered)


@dataclass
class Fault:
    api: str
    mode: str
    count: int
    code: str = ""
    message: str = ""


@dataclass
class PushedMessage:
    msg_id: int
    envelope: dict[str, Any]
    confirmed: bool = False
    deliveries: list[int] = field(default_factory=list)  # receiver HTTP statuses


class AlibabaStub:
    """The stub server. ``market`` is the sandbox (any ``Marketplace`` will do); ``seller``
    optional (a ``SandboxOperator``) for tests that ship or answer refunds."""

    def __init__(
        self,
        market: Any,
        *,
        app_key: str = "7654321",
        app_secret: str = "stub-app-secret",
        access_token: str = "stub-access-token-1",
        refresh_token: str = "stub-refresh-token-1",
        member_id: str = "b2b-2212345678901",
        hold_s: float = 3.0,
        access_ttl_s: int = 36_000,
        calls_per_second: float | None = None,
        queue_unpushed: bool = False,
    ) -> None:
        self.market = market
        # True: before each compensation pull, what the sandbox seller emitted since the last
        # relay is kept as messages whose pushes failed (no receiver): the pull's feed alone
        self.queue_unpushed = queue_unpushed
        self.app_key = app_key
        self.app_secret = app_secret
        self.member_id = member_id
        self.hold_s = hold_s  # how long a "timeout" fault holds the request
        # the app's limit (None: none): more calls than this in any second are refused with
        # gw.QosAppFrequencyLimit, as the gateway throttles an app
        self.calls_per_second = calls_per_second
        self._recent: list[float] = []
        self.access_ttl_s = access_ttl_s
        self.calls: list[StubCall] = []
        self.pushed: list[PushedMessage] = []
        self._faults: list[Fault] = []
        self._valid_tokens: set[str] = {access_token}
        self._expired_tokens: set[str] = set()
        self._refresh_tokens: set[str] = {refresh_token}
        self._auth_codes: set[str] = set()
        self._orders: list[str] = []  # every order created through the stub, for the list
        self._uploaded: dict[str, bytes] = {}  # product.image.upload's pictures by imageId
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._relay_cursor: str | None = None
        self._msg_ids = itertools.count(int(time.time() * 1000) * 1000)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.access_token = access_token
        self.refresh_token = refresh_token

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> AlibabaStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                stub._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                stub._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # held requests end now
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> AlibabaStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "the stub is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- what tests set and read ----------------------------------------------------------
    def url_path(self, api: str, version: int = 1) -> str:
        """The signed part: ``param2/1/{namespace}/{api}/{appKey}``."""
        return f"param2/{version}/{API_NAMESPACES[api]}/{api}/{self.app_key}"

    def api_url(self, api: str, version: int = 1) -> str:
        return f"{self.url}/openapi/{self.url_path(api, version)}"

    def token_url(self) -> str:
        return f"{self.url}/openapi/http/1/system.oauth2/getToken/{self.app_key}"

    def sign(self, api: str, params: Mapping[str, Any]) -> str:
        return aop_signature(self.app_secret, self.url_path(api), params)

    def fail(
        self, api: str, mode: str, *, count: int = 1, code: str = "", message: str = ""
    ) -> None:
        """The next ``count`` calls of ``api`` fail: ``error`` (the API's own business-error
        answer with ``code``/``message``), ``rate_limit`` (gw.QosAppFrequencyLimit),
        ``timeout`` (held ``hold_s`` without doing the work), ``timeout_after_commit`` (the
        work done, then held), ``5xx`` (HTTP 502 with no JSON)."""
        assert mode in FAULT_MODES, mode
        assert api in API_NAMESPACES, api
        with self._lock:
            self._faults.append(Fault(api, mode, count, code, message))

    def expire_token(self, token: str | None = None) -> None:
        token = token or self.access_token
        with self._lock:
            self._valid_tokens.discard(token)
            self._expired_tokens.add(token)

    def issue_auth_code(self) -> str:
        """A code as the authorisation redirect would carry it (for the authorization_code
        grant of ``getToken``)."""
        code = secrets.token_hex(8)
        with self._lock:
            self._auth_codes.add(code)
        return code

    def calls_to(self, api: str) -> list[StubCall]:
        with self._lock:
            return [c for c in self.calls if c.api == api]

    def relay(self, url: str, *, limit: int = 100, timeout: float = 5) -> list[int]:
        """Push what the sandbox seller emitted on 1688 since the last relay (its port's
        ``messages``), each as the message centre would: the topic as ``type``, the payload of
        the reference's ORDER_BUYER_VIEW_ORDER_PAY example (``orderId``, ``currentStatus``,
        ``msgSendTime``, ``buyerMemberId``, ``sellerMemberId``; ``refundId`` when a refund's).
        Answers the receiver's statuses, one per message."""
        batch = self.market.messages(ALI, self._relay_cursor, limit)
        self._relay_cursor = batch.cursor
        statuses = []
        for m in batch.messages:
            data = self._push_data(m)
            statuses.append(self.push(url, m.topic, data, gmt_born=m.occurred_ms, timeout=timeout))
        return statuses

    def _push_data(self, m: P.MarketMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "orderId": num_id(m.order_id),
            "currentStatus": m.status,
            "msgSendTime": naive_time(m.occurred_ms),
            "buyerMemberId": self.member_id,
            "sellerMemberId": self._seller_of(m.order_id),
        }
        if m.refund_id:
            data["refundId"] = m.refund_id
        return data

    def queue_from_market(self, limit: int = 200) -> int:
        """Keep what the sandbox seller emitted since the last relay as messages whose pushes
        all failed (stored for the compensation pull, never delivered); answers how many."""
        batch = self.market.messages(ALI, self._relay_cursor, limit)
        self._relay_cursor = batch.cursor
        for m in batch.messages:
            envelope = {
                "msgId": next(self._msg_ids),
                "gmtBorn": m.occurred_ms,
                "data": self._push_data(m),
                "userInfo": self.member_id,
                "type": m.topic,
                "extraInfo": None,
            }
            with self._lock:
                self.pushed.append(PushedMessage(int(envelope["msgId"]), envelope))
        return len(batch.messages)

    def _seller_of(self, order_id: str | None) -> str | None:
        if order_id is None:
            return None
        try:
            return str(self.market.order(ALI, order_id).seller_open_id)
        except P.MarketplaceError:
            return None

    def push(
        self,
        url: str,
        topic: str,
        data: dict[str, Any],
        *,
        gmt_born: int | None = None,
        timeout: float = 5,
    ) -> int:
        """POST one message to a receiver as the message centre does (form fields ``message``
        and ``_aop_signature``) and keep it for the compensation pull; answers the receiver's
        HTTP status (0: no answer). Unconfirmed messages stay in ``push.query.messageList``."""
        msg_id = next(self._msg_ids)
        envelope = {
            "msgId": msg_id,
            "gmtBorn": gmt_born if gmt_born is not None else int(time.time() * 1000),
            "data": data,
            "userInfo": self.member_id,
            "type": topic,
            "extraInfo": None,
        }
        pushed = PushedMessage(msg_id, envelope)
        with self._lock:
            self.pushed.append(pushed)
        return self.deliver(pushed, url, timeout=timeout)

    def deliver(self, pushed: PushedMessage, url: str, *, timeout: float = 5) -> int:
        """(Re)deliver a kept message: the centre re-sends a failed one a few times."""
        message = json.dumps(pushed.envelope, ensure_ascii=False, separators=(",", ":"))
        form = {"message": message, "_aop_signature": push_signature(self.app_secret, message)}
        try:
            status = httpx.post(url, data=form, timeout=timeout).status_code
        except httpx.HTTPError:
            status = 0
        pushed.deliveries.append(status)
        return status

    # --- HTTP -----------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        split = urlsplit(request.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        params.update(parse_qsl(body, keep_blank_values=True))
        parts = split.path.strip("/").split("/")
        # openapi / param2|http / version / namespace / api / appKey
        api = parts[4] if len(parts) == 6 and parts[0] == "openapi" else split.path
        namespace = parts[3] if len(parts) == 6 else ""
        call = StubCall(api, namespace, params, time.time())
        with self._lock:
            self.calls.append(call)  # recorded on arrival: a held call is seen at once
        status, answer = 200, None
        held = False
        try:
            if len(parts) != 6 or parts[0] != "openapi" or parts[1] not in ("param2", "http"):
                raise gateway_error(404, "gw.APIUnsupported", f"no such API path {split.path}")
            if api not in API_NAMESPACES or API_NAMESPACES[api] != namespace:
                raise gateway_error(400, "gw.APIUnsupported", f"API {namespace}:{api} unknown")
            if parts[5] != self.app_key:
                raise gateway_error(400, "gw.AppKeyNotExist", f"appKey {parts[5]} not exist")
            if api == "getToken":
                answer = self._get_token(params)
            else:
                self._check(api, "/".join(parts[1:]), params)
                self._throttle()
                fault = self._take_fault(api)
                answer, held = self._run_with_fault(api, params, fault)
        except StubAnswer as e:
            status, answer = e.status, e.body
        except _FiveHundred:
            status, answer = 502, None
        call.answered = None if held else status
        if held:
            self._close(request)
            return
        payload = b"<html>502 Bad Gateway</html>" if answer is None else _json(answer)
        request.send_response(status)
        ctype = "text/html" if answer is None else "application/json;charset=UTF-8"
        request.send_header("Content-Type", ctype)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    @staticmethod
    def _close(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True

    def _check(self, api: str, url_path: str, params: dict[str, str]) -> None:
        given = params.get("_aop_signature")
        if not given:
            raise gateway_error(400, "gw.MissingSignature", "_aop_signature is missing")
        expected = aop_signature(self.app_secret, url_path, params)
        if not hmac.compare_digest(given.upper(), expected):
            raise gateway_error(400, "gw.SignatureInvalid", "Request signature is invalid")
        if api in NO_TOKEN:
            return
        token = params.get("access_token")
        with self._lock:
            expired = token in self._expired_tokens
            valid = token in self._valid_tokens
        if expired:
            # a client documents "401: unauthorised / token invalid"; the expired message is
            # inferred: a client tells the two apart by the message only
            raise gateway_error(401, "401", "Request need user authorized: access_token expired")
        if not valid:
            raise gateway_error(401, "401", "Request need user authorized")

    def _throttle(self) -> None:
        if self.calls_per_second is None:
            return
        now = time.monotonic()
        with self._lock:
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= self.calls_per_second:
                refused = True
            else:
                refused = False
                self._recent.append(now)
        if refused:
            raise gateway_error(
                RATE_LIMIT_STATUS, "gw.QosAppFrequencyLimit", "App call exceeds limited frequency"
            )

    def _take_fault(self, api: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.api == api and fault.count > 0:
                    fault.count -= 1
                    return fault
        return None

    def _run_with_fault(
        self, api: str, params: dict[str, str], fault: Fault | None
    ) -> tuple[dict[str, Any] | None, bool]:
        if fault is None:
            return self._dispatch(api, params), False
        if fault.mode == "rate_limit":
            raise gateway_error(
                RATE_LIMIT_STATUS, "gw.QosAppFrequencyLimit", "App call exceeds limited frequency"
            )
        if fault.mode == "5xx":
            raise _FiveHundred
        if fault.mode == "error":
            return business_error(api, fault.code or "500", fault.message or "stub error"), False
        if fault.mode == "timeout_after_commit":
            self._dispatch(api, params)
        self._release.wait(self.hold_s)  # past the client's timeout; no answer is sent
        return None, True

    # --- the APIs -------------------------------------------------------------------------
    def _dispatch(self, api: str, params: dict[str, str]) -> dict[str, Any]:
        handler: Callable[[dict[str, str]], dict[str, Any]] = getattr(
            self, "_api_" + api.replace(".", "_")
        )
        try:
            return handler(params)
        except P.MarketplaceNotFound as e:
            return business_error(api, "NOT_FOUND", e.message)
        except P.MarketplaceRefused as e:
            return business_error(api, e.code, e.message)
        except P.MarketplaceRateLimited:
            raise gateway_error(
                RATE_LIMIT_STATUS, "gw.QosAppFrequencyLimit", "App call exceeds limited frequency"
            ) from None
        except P.MarketplaceError as e:
            return business_error(api, e.code, e.message)
        except KeyError as e:
            raise gateway_error(400, "gw.ParamMissing", f"Required argument {e.args[0]}") from None
        except (ValueError, TypeError) as e:
            return business_error(api, "400", f"bad parameter: {e}")

    def _get_token(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("client_id") != self.app_key or params.get("client_secret") != (
            self.app_secret
        ):
            raise StubAnswer(401, {"error": "invalid_client", "error_description": "bad client"})
        grant = params.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                ok = params.get("code") in self._auth_codes
                self._auth_codes.discard(params.get("code", ""))
            elif grant == "refresh_token":
                ok = params.get("refresh_token") in self._refresh_tokens
            else:
                raise StubAnswer(
                    400, {"error": "unsupported_grant_type", "error_description": str(grant)}
                )
            if not ok:
                raise StubAnswer(
                    400, {"error": "invalid_grant", "error_description": "code or token invalid"}
                )
            token = "stub-" + secrets.token_hex(12)
            self._valid_tokens.add(token)
            answer: dict[str, Any] = {
                "access_token": token,
                "aliId": "2212345678901",
                "resource_owner": "stubbuyer",
                "memberId": self.member_id,
                "expires_in": str(self.access_ttl_s),
            }
            if grant == "authorization_code":
                refresh = "stub-refresh-" + secrets.token_hex(12)
                self._refresh_tokens.add(refresh)
                half_year = datetime.now(UTC) + timedelta(days=180)
                answer["refresh_token"] = refresh
                answer["refresh_token_timeout"] = ali_time(int(half_year.timestamp() * 1000))
        return answer

    # orders --------------------------------------------------------------------------------
    def _draft(self, params: dict[str, str]) -> P.OrderDraft:
        cargo = json.loads(params["cargoParamList"])
        address = json.loads(params.get("addressParam") or "{}")
        lines = tuple(
            P.CargoLine(
                str(c.get("offerId") or c["openOfferId"]),
                c.get("specId"),
                int(float(c["quantity"])),
            )
            for c in cargo
        )
        seller = self.market.offer(ALI, lines[0].offer_id, "zh").seller.seller_open_id
        return P.OrderDraft(
            ALI,
            seller,
            lines,
            P.Address(
                full_name=address.get("fullName", ""),
                mobile=address.get("mobile", ""),
                phone=address.get("phone", ""),
                post_code=address.get("postCode", ""),
                province=address.get("provinceText", ""),
                city=address.get("cityText", ""),
                area=address.get("areaText", ""),
                town=address.get("townText", ""),
                address=address.get("address", ""),
                district_code=address.get("districtCode", ""),
            ),
            out_order_id=params.get("outOrderId") or None,
            message=params.get("message", ""),
            flow=params.get("flow") or "general",
            buyer_ref="alibaba-stub",
        )

    def _api_alibaba_createOrder_preview(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        preview = self.market.preview(self._draft(params))
        results = [
            {
                "status": True,
                "taoSampleSinglePromotion": True,
                "sumPayment": o.total_fen,
                "sumCarriage": o.shipping_fen,
                "sumPaymentNoCarriage": o.total_fen - o.shipping_fen,
                "discountFee": o.discount_fen,
                "additionalFee": 0,
                "flowFlag": params.get("flow") or "general",
                "tradeModeNameList": ["assureTrade"],
                "tradeModelList": [
                    {
                        "tradeType": "assureTrade",
                        "name": "担保交易",
                        "description": "",
                        "opSupport": True,
                    }
                ],
                "payChannelInfos": [{"name": "alipay", "amountLimit": 0}],
                "cargoList": [
                    {
                        "offerId": num_id(line.offer_id),
                        "specId": line.spec_id,
                        "amount": yuan(line.unit_price_fen * line.quantity),
                        "finalUnitPrice": yuan(line.unit_price_fen),
                        "cargoPromotionList": [],
                    }
                    for line in o.lines
                ],
                "shopPromotionList": [
                    {
                        "promotionId": p.promotion_id,
                        "selected": p.selected,
                        "text": p.name,
                        "desc": p.name,
                        "freePostage": False,
                        "discountFee": p.discount_fen,
                    }
                    for p in o.promotions
                ],
            }
            for o in preview.orders
        ]
        answer: dict[str, Any] = {"success": bool(results), "orderPreviewResuslt": results}
        if preview.failures:
            first = preview.failures[0]
            answer.update(errorCode=first.code, errorMsg=first.message)
        return answer

    def _api_alibaba_trade_createCrossOrder(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        created = self.market.create_order(self._draft(params))
        with self._lock:
            self._orders.extend(
                o.order_id for o in created.orders if o.order_id not in self._orders
            )
        failed = [
            {
                "offerId": num_id(f.offer_id),
                "specId": f.spec_id,
                "errorCode": f.code,
                "errorMessage": f.message,
            }
            for f in created.failures
        ]
        result: dict[str, Any] = {"success": bool(created.orders), "failedOfferList": failed}
        if len(created.orders) == 1:
            order = created.orders[0]
            result.update(
                orderId=order.order_id,
                totalSuccessAmount=order.total_fen,
                postFee=order.shipping_fen,
            )
        elif created.orders:
            result["orderList"] = [
                {
                    "orderId": o.order_id,
                    "totalSuccessAmount": o.total_fen,
                    "postFee": o.shipping_fen,
                    "discount": o.discount_fen,
                }
                for o in created.orders
            ]
        if not created.orders and created.failures:
            result.update(code=created.failures[0].code, message=created.failures[0].message)
        return {"success": bool(created.orders), "result": result}

    def _one_order(self, params: dict[str, str]) -> P.MarketOrder:
        if params.get("orderId"):
            order: P.MarketOrder = self.market.order(ALI, str(params["orderId"]))
            return order
        found = self.market.orders_by_out_order_id(ALI, params["outOrderId"])
        if not found:
            raise P.MarketplaceNotFound("order", params["outOrderId"])
        return found[0]  # type: ignore[no-any-return]

    def _api_alibaba_trade_get_buyerView(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        return {"success": True, "result": trade_info(self._one_order(params), self.member_id)}

    def _api_alibaba_trade_getBuyerOrderList(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        page = max(1, int(params.get("page") or 1))
        size = min(50, max(1, int(params.get("pageSize") or 20)))
        wanted = params.get("orderStatus")
        with self._lock:
            ids = list(reversed(self._orders))  # newest first
        orders = [self.market.order(ALI, i) for i in ids]
        if wanted:
            orders = [o for o in orders if o.status == wanted]
        chosen = orders[(page - 1) * size : page * size]
        return {
            "result": [trade_info(o, self.member_id, brief=True) for o in chosen],
            "totalRecord": len(orders),
        }

    def _api_alibaba_trade_cancel(self, params: dict[str, str]) -> dict[str, Any]:
        order_id = params["tradeID"]
        # 1688's cancel carries no request id: one cancel per order is the stub's key
        self.market.cancel_order(
            ALI, order_id, params.get("cancelReason") or "other", f"cancel-{order_id}"
        )
        return {"success": True}

    def _api_alibaba_trade_pay_protocolPay_preparePay(  # noqa: N802
        self, params: dict[str, str]
    ) -> dict[str, Any]:
        pay = json.loads(params["tradeWithholdPreparePayParam"])
        order_id = str(pay["orderId"])
        result = self.market.pay(ALI, order_id, int(pay["payAmount"]), str(pay["opRequestId"]))
        channel = pay.get("payChannel") or "alipay"
        if result.paid:
            return {"success": True, "result": {"payChannel": channel, "paySuccess": True}}
        return {
            "success": False,
            "code": result.code or "PAY_FAILED",
            "message": result.message or "pay failed",
            "result": {"payChannel": channel, "paySuccess": False},
        }

    def _api_alibaba_alipay_url_get(self, params: dict[str, str]) -> dict[str, Any]:
        ids = [str(i) for i in json.loads(params["orderIdList"])]
        if not ids or len(ids) > 100:
            return business_error("alibaba.alipay.url.get", "PARAM_ERROR", "1 to 100 orders")
        failures, payable = [], []
        for order_id in ids:
            try:
                order = self.market.order(ALI, order_id)
            except P.MarketplaceNotFound:
                failures.append({"orderId": num_id(order_id), "errorCode": "ORDER_NOT_EXIST"})
                continue
            if order.status != "waitbuyerpay":
                failures.append({"orderId": num_id(order_id), "errorCode": "ORDER_STATUS_ERROR"})
            else:
                payable.append(order_id)
        if not payable:
            return {
                "success": False,
                "errorCode": "PAY_ORDER_ERROR",
                "errorMsg": "no order can be paid",
                "payFailureOrderList": failures,
            }
        url = (
            f"https://trade.1688.com/order/cashier.htm?orderId={payable[0]}"
            if len(payable) == 1
            else "https://cashiersu18.alipay.com/standard/gateway/?orders=" + ",".join(payable)
        )
        return {"success": True, "payUrl": url, "payFailureOrderList": failures}

    def _api_trade_receivegoods_confirm(self, params: dict[str, str]) -> dict[str, Any]:
        order = self.market.order(ALI, str(params["orderId"]))
        self.market.confirm_receipt(ALI, order.order_id, tuple(x.entry_id for x in order.lines))
        return {"success": True}

    def _api_alibaba_trade_getLogisticsTraceInfo_buyerView(  # noqa: N802
        self, params: dict[str, str]
    ) -> dict[str, Any]:
        order_id = str(params["orderId"])
        parcels = self.market.logistics(ALI, order_id)
        if params.get("logisticsId"):
            parcels = tuple(p for p in parcels if p.logistics_id == params["logisticsId"])
        if not parcels:
            return {"success": False, "errorCode": "404", "errorMessage": "no logistics trace yet"}
        return {
            "success": True,
            "logisticsTrace": [
                {
                    "logisticsId": p.logistics_id,
                    "orderId": num_id(order_id),
                    "logisticsBillNo": p.bill_no,
                    "logisticsSteps": [
                        {"acceptTime": naive_time(s.time_ms), "remark": s.remark} for s in p.steps
                    ],
                }
                for p in parcels
            ],
        }

    # after-sales ---------------------------------------------------------------------------
    def _api_alibaba_trade_getRefundReasonList(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        entries = tuple(str(e) for e in json.loads(params["orderEntryIds"]))
        reasons = self.market.refund_reasons(
            ALI, str(params["orderId"]), entries, params["goodsStatus"]
        )
        return refund_result(
            {
                "reasons": [
                    {
                        "id": r.reason_id,
                        "name": r.name,
                        "needVoucher": r.need_voucher,
                        "noRefundCarriage": r.no_refund_carriage,
                        "tip": r.tip,
                    }
                    for r in reasons
                ]
            }
        )

    def _api_alibaba_trade_createRefund(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        counts = json.loads(params.get("orderEntryCountList") or "[]")
        draft = P.RefundDraft(
            platform=ALI,
            order_id=str(params["orderId"]),
            entry_ids=tuple(str(e) for e in json.loads(params["orderEntryIds"])),
            dispute_request=params["disputeRequest"],
            goods_status=params["goodsStatus"],
            apply_payment_fen=int(params["applyPayment"]),
            apply_carriage_fen=int(params.get("applyCarriage") or 0),
            reason_id=int(params["applyReasonId"]),
            description=params.get("description", ""),
            vouchers=tuple(json.loads(params.get("vouchers") or "[]")),
            quantities=tuple((str(c["id"]), int(c["count"])) for c in counts),
        )
        refund = self.market.create_refund(draft)
        return refund_result({"refundId": refund.refund_id})

    def _api_alibaba_trade_refund_OpQueryOrderRefund(  # noqa: N802
        self, params: dict[str, str]
    ) -> dict[str, Any]:
        refund = self.market.refund(ALI, params["refundId"])
        return {"result": {"opOrderRefundModelDetail": refund_detail(refund)}}

    def _api_alibaba_trade_refund_OpQueryOrderRefundOperationList(  # noqa: N802
        self, params: dict[str, str]
    ) -> dict[str, Any]:
        """INFERRED shape: a refund's negotiation (its notes), oldest first."""
        notes = self.market.refund_notes(ALI, params["refundId"])
        return {
            "result": {
                "opOrderRefundOperationModels": [
                    {
                        "id": n.note_id,
                        "refundId": n.refund_id,
                        "operatorRoleId": ROLE_IDS[n.owner],
                        "remark": n.content,
                        "vouchers": list(n.images),
                        "gmtCreate": ali_time(n.created_ms),
                    }
                    for n in notes
                ]
            }
        }

    def _api_alibaba_trade_refund_OpQueryBatchRefundByOrderIdAndStatus(  # noqa: N802
        self, params: dict[str, str]
    ) -> dict[str, Any]:
        """INFERRED shape: every refund of one order, oldest first, as the detail has them."""
        refunds = self.market.order_refunds(ALI, str(params["orderId"]))
        return {"result": {"opOrderRefundModels": [refund_detail(r) for r in refunds]}}

    def _api_alibaba_trade_cancelRefund(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        refund_id = params["refundId"]
        self.market.cancel_refund(ALI, refund_id, f"cancel-{refund_id}")
        return refund_result(None)

    def _api_alibaba_trade_refund_returnGoods(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        self.market.return_goods(
            ALI,
            params["refundId"],
            params["logisticsCompanyNo"],
            params["freightBill"],
            description=params.get("description", ""),
            vouchers=tuple(json.loads(params.get("vouchers") or "[]")),
        )
        return refund_result(None)

    def _api_currentTime(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        """system:currentTime, the API of the official signature example (answer inferred)."""
        return {"result": ali_time(int(time.time() * 1000))}

    # goods ---------------------------------------------------------------------------------
    def _offer_query(self, q: dict[str, Any], *, seller: bool) -> dict[str, Any]:
        """keywordQuery's and querySellerOfferList's ``offerQueryParam`` as a sandbox search:
        sort (``{"price": "asc"}``), ``priceStart``/``priceEnd`` in yuan, ``categoryId`` and
        ``sellerOpenId`` all passed on (a seller list without ``sellerOpenId`` is refused)."""
        page = int(q.get("beginPage") or 1)
        size = int(q.get("pageSize") or 20)
        seller_id = q["sellerOpenId"] if seller else q.get("sellerOpenId")
        category = q.get("categoryId")
        found = self.market.search(
            P.SearchQuery(
                ALI,
                keyword=q.get("keyword") or "",
                language=q.get("country") or "en",
                page=page,
                page_size=size,
                sort=wire_sort(q.get("sort")),
                price_min_fen=wire_fen(q.get("priceStart")),
                price_max_fen=wire_fen(q.get("priceEnd")),
                category_id=int(category) if category not in (None, "") else None,
                shop_id=seller_id or None,
            )
        )
        return product_result(offer_page(found, page, size))

    def _api_product_search_keywordQuery(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        return self._offer_query(json.loads(params["offerQueryParam"]), seller=False)

    def _api_product_search_querySellerOfferList(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        """INFERRED: one seller's offers (``sellerOpenId``), keywordQuery's fields and page."""
        return self._offer_query(json.loads(params["offerQueryParam"]), seller=True)

    def _api_product_search_offerRecommend(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        """INFERRED: ``recommendOfferParam`` {beginPage, pageSize, country}; keywordQuery's
        page. The sandbox's recommendation: its keyword-less search (best sellers first)."""
        q = json.loads(params["recommendOfferParam"])
        page = int(q.get("beginPage") or 1)
        size = int(q.get("pageSize") or 20)
        found = self.market.search(
            P.SearchQuery(ALI, language=q.get("country") or "en", page=page, page_size=size)
        )
        return product_result(offer_page(found, page, size))

    def _api_product_image_upload(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        """The picture is checked here (the sandbox's own reader): a bad one is refused at the
        upload, as 1688 refuses what it cannot read; the id is new on every upload."""
        q = json.loads(params["uploadImageParam"])
        try:
            raw = base64.b64decode(q["imageBase64"], validate=True)
            images.decode_query_image(raw)
        except (binascii.Error, ValueError) as e:
            return business_error("product.image.upload", "IMAGE_INVALID", str(e))
        image_id = str(next(self._msg_ids))
        with self._lock:
            self._uploaded[image_id] = raw
        return product_result(image_id)

    def _api_product_search_imageQuery(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        q = json.loads(params["offerQueryParam"])
        with self._lock:
            picture = self._uploaded.get(str(q["imageId"]))
        if picture is None:
            return business_error("product.search.imageQuery", "IMAGE_NOT_EXIST", "no such image")
        page = int(q.get("beginPage") or 1)
        size = int(q.get("pageSize") or 20)
        found = self.market.search(
            P.SearchQuery(
                ALI,
                image=picture,
                language=q.get("country") or "en",
                page=page,
                page_size=size,
                shop_id=q.get("sellerOpenId") or None,
            )
        )
        return product_result(offer_page(found, page, size))

    def _api_category_translation_getById(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        language = params.get("language") or "en"
        c = self.market.categories(ALI, int(params["categoryId"]), language)
        return product_result(
            {
                "categoryId": c.category_id,
                "chineseName": c.name.original,
                "translatedName": c.name.translated or c.name.original,
                "language": language,
                "leaf": c.leaf,
                "level": c.level,
                "parentCateId": c.parent_id,
                "childCategorys": [
                    {
                        "id": k.category_id,
                        "chineseName": k.name.original,
                        "translatedName": k.name.translated or k.name.original,
                        "leaf": k.leaf,
                    }
                    for k in c.children
                ],
            }
        )

    def _api_product_search_queryProductDetail(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        q = json.loads(params["offerDetailParam"])
        offer = self.market.offer(ALI, str(q["offerId"]), q.get("country") or "en")
        return product_result(offer_detail(offer))

    # push compensation ---------------------------------------------------------------------
    def _api_push_query_messageList(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        page = max(1, int(params.get("page") or 1))
        size = min(200, max(20, int(params.get("pageSize") or 20)))
        topic = params.get("type")
        if self.queue_unpushed:
            while self.queue_from_market():
                pass
        with self._lock:
            waiting = [
                m.envelope
                for m in self.pushed
                if not m.confirmed and (not topic or m.envelope["type"] == topic)
            ]
        chosen = waiting[(page - 1) * size : page * size]
        return {"pushMessagePage": {"datas": chosen, "totalCount": len(waiting)}}

    def _api_push_message_confirm(self, params: dict[str, str]) -> dict[str, Any]:  # noqa: N802
        ids = {int(i) for i in json.loads(params["msgIdList"])}
        with self._lock:
            for m in self.pushed:
                if m.msg_id in ids:
                    m.confirmed = True
        return {"isSuccess": True}


class _FiveHundred(Exception):
    pass


def _json(answer: dict[str, Any]) -> bytes:
    return json.dumps(answer, ensure_ascii=False).encode()


# --- answer shapes ----------------------------------------------------------------------------
ROLE_IDS = {"buyer": 1, "seller": 2, "platform": 3}  # inferred
REFUND_FAMILY = {
    "alibaba.trade.getRefundReasonList",
    "alibaba.trade.createRefund",
    "alibaba.trade.cancelRefund",
    "alibaba.trade.refund.returnGoods",
}
PRODUCT_FAMILY = {
    "product.search.keywordQuery",
    "product.search.querySellerOfferList",
    "product.search.offerRecommend",
    "product.search.queryProductDetail",
    "product.image.upload",
    "product.search.imageQuery",
    "category.translation.getById",
}


def refund_result(payload: dict[str, Any] | None) -> dict[str, Any]:
    inner: dict[str, Any] = {"success": True, "code": None, "message": None}
    if payload is not None:
        inner["result"] = payload
    return {"result": inner}


def product_result(payload: dict[str, Any] | str) -> dict[str, Any]:
    return {"result": {"success": True, "code": "200", "message": None, "result": payload}}


def offer_page(found: P.SearchPage, page: int, size: int) -> dict[str, Any]:
    """keywordQuery's (and imageQuery's) page: prices as yuan strings."""
    return {
        "totalRecords": found.total,
        "totalPage": -(-found.total // size),
        "pageSize": size,
        "currentPage": page,
        "data": [
            {
                "offerId": num_id(s.offer_id),
                "imageUrl": s.image_url,
                "subject": s.title.original,
                "subjectTrans": s.title.translated or s.title.original,
                "priceInfo": {
                    "price": yuan_text(s.price_fen),
                    "promotionPrice": (
                        yuan_text(s.promotion_price_fen) if s.promotion_price_fen else None
                    ),
                },
                "monthSold": s.month_sold,
                "repurchaseRate": f"{s.repurchase_rate_pct}%",
                "sellerOpenId": s.seller_open_id,
            }
            for s in found.items
        ],
    }


def business_error(api: str, code: str, message: str) -> dict[str, Any]:
    """A business refusal in the envelope of the API's family."""
    if api == "alibaba.createOrder.preview":
        return {"success": False, "errorCode": code, "errorMsg": message, "orderPreviewResuslt": []}
    if api == "alibaba.trade.createCrossOrder":
        return {"success": False, "result": {"success": False, "code": code, "message": message}}
    if api in REFUND_FAMILY or api in PRODUCT_FAMILY:
        return {"result": {"success": False, "code": code, "message": message}}
    if api == "alibaba.alipay.url.get":
        return {"success": False, "errorCode": code, "errorMsg": message}
    if api == "alibaba.trade.refund.OpQueryOrderRefund":
        return {"errorCode": code, "errorMessage": message, "extErrorMessage": message}
    return {"success": False, "errorCode": code, "errorMessage": message}


def trade_info(
    order: P.MarketOrder, buyer_member_id: str, *, brief: bool = False
) -> dict[str, Any]:
    """buyerView's ``result`` (and one element of the order list): amounts in yuan, except
    ``discount`` and ``refundPayment`` in fen, as the official detail has them."""
    refunded = 0
    base = {
        "id": num_id(order.order_id),
        "idOfStr": order.order_id,
        "status": order.status,
        "businessType": "cb",
        "buyerID": buyer_member_id,
        "sellerID": order.seller_open_id,
        "sellerLoginId": order.seller_name,
        "createTime": ali_time(order.created_ms),
        "modifyTime": ali_time(order.modified_ms),
        "payTime": ali_time(order.paid_ms),
        "allDeliveredTime": ali_time(order.shipped_ms),
        "receivingTime": ali_time(order.received_ms),
        "completeTime": ali_time(order.completed_ms),
        "totalAmount": yuan(order.total_fen),
        "sumProductPayment": yuan(order.product_fen),
        "shippingFee": yuan(order.shipping_fen),
        "discount": order.discount_fen,  # fen ("单位分"); its sign for a reduction is unverified
        "refund": yuan(refunded),
        "refundPayment": refunded,
        "refundStatus": order.refund_status,
        "closeReason": order.close_reason,
        "closeOperateType": order.close_operate_type,
        "tradeType": "50060",
        "tradeTypeCode": "assureTrade",
        "flowTemplateCode": order.flow or "general",
        "buyerFeedback": order.message,
        "payTimeout": order.pay_timeout_s,
        "outOrderId": order.out_order_id,
        "overSeaOrder": True,
        "stepPayAll": False,
        "currency": order.currency,
    }
    if order.address is not None:
        a = order.address
        base["receiverInfo"] = {
            "toFullName": a.full_name,
            "toMobile": a.mobile,
            "toPhone": a.phone,
            "toPost": a.post_code,
            "toDivisionCode": a.district_code,
            "toArea": " ".join(x for x in (a.province, a.city, a.area, a.town) if x),
        }
    items = [
        {
            "subItemID": num_id(line.entry_id),
            "subItemIDString": line.entry_id,
            "productID": num_id(line.offer_id),
            "specId": line.spec_id,
            "skuID": num_id(line.sku_id),
            "name": line.title.original,
            "productImgUrl": [line.image_url] if line.image_url else [],
            "quantity": line.quantity,
            "price": yuan(line.unit_price_fen),
            "itemAmount": yuan(line.amount_fen),
            "status": line.status,
            "logisticsStatus": line.logistics_status,
            "refundStatus": line.refund_status,
            "unit": "件",
        }
        for line in order.lines
    ]
    info: dict[str, Any] = {"baseInfo": base, "productItems": items}
    if brief:
        return info
    native: dict[str, Any] = {
        "logisticsItems": [
            {
                "id": num_id(p.logistics_id) if p.logistics_id.isdigit() else p.logistics_id,
                "logisticsCode": p.logistics_id,
                "logisticsBillNo": p.bill_no,
                "logisticsCompanyName": p.company_name,
                "status": "alreadysend",
                "deliveredTime": ali_time(p.shipped_ms),
                "gmtCreate": ali_time(p.shipped_ms),
                "subItemIds": ",".join(p.entry_ids),
            }
            for p in order.parcels
        ]
    }
    if order.address is not None:
        a = order.address
        native.update(
            contactPerson=a.full_name,
            mobile=a.mobile,
            telephone=a.phone,
            zip=a.post_code,
            province=a.province,
            city=a.city,
            area=a.area,
            town=a.town,
            address=a.address,
            areaCode=a.district_code,
        )
    info["nativeLogistics"] = native
    return info


def refund_detail(refund: P.MarketRefund) -> dict[str, Any]:
    """``opOrderRefundModelDetail``: amounts in fen (the doc: "单位：分")."""
    return {
        "refundId": refund.refund_id,
        "orderId": num_id(refund.order_id),
        "orderEntryIdList": [num_id(e) for e in refund.entry_ids],
        "orderEntryCountList": [{"id": num_id(e), "count": n} for e, n in refund.quantities],
        "status": refund.status,
        "disputeRequest": refund.dispute_request,
        "disputeType": 2 if refund.after_sale else 1,  # 1 in-sale, 2 after-sale (inferred)
        "goodsStatus": refund.goods_status,
        "applyPayment": refund.apply_payment_fen,
        "applyCarriage": refund.apply_carriage_fen,
        "refundPayment": refund.refund_payment_fen,
        "refundCarriage": refund.refund_carriage_fen,
        "applyReasonId": refund.reason_id,
        "applyReason": refund.reason,
        "buyerDescription": refund.description,
        "buyerUploadVouchers": list(refund.vouchers),
        "gmtApply": ali_time(refund.created_ms),
        "gmtCreate": ali_time(refund.created_ms),
        "gmtModified": ali_time(refund.modified_ms),
        "gmtTimeOut": ali_time(refund.timeout_ms),
        "gmtCompleted": ali_time(refund.completed_ms),
        "sellerRefuseReason": refund.seller_refuse_reason,
        "freightBill": refund.return_bill_no,
        "logisticsCompanyNo": refund.return_company_no,
        "afterSaleRefund": refund.after_sale,
        # INFERRED (no official example seen): where a returnRefund's goods go once the seller
        # agreed, the seller's words, and what the buyer wrote and showed when sending them
        "refundAddress": _return_address(refund.return_address),
        "sellerAgreeMsg": refund.seller_agree_describe,
        "buyerSendGoodsDescription": refund.return_description,
        "buyerSendGoodsVouchers": list(refund.return_vouchers),
    }


def _return_address(a: P.Address | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "contactPerson": a.full_name,
        "mobile": a.mobile,
        "telephone": a.phone,
        "zip": a.post_code,
        "province": a.province,
        "city": a.city,
        "area": a.area,
        "town": a.town,
        "address": a.address,
        "areaCode": a.district_code,
    }


def offer_detail(offer: P.Offer) -> dict[str, Any]:
    """queryProductDetail's payload: prices as yuan strings."""
    return {
        "offerId": num_id(offer.offer_id),
        "categoryId": offer.category_id,
        "subject": offer.title.original,
        "subjectTrans": offer.title.translated or offer.title.original,
        "description": offer.description,
        "mainVideo": None,
        "productImage": {"images": list(offer.images)},
        "productAttribute": [
            {
                "attributeName": a.name.original,
                "attributeNameTrans": a.name.translated or a.name.original,
                "value": a.value.original,
                "valueTrans": a.value.translated or a.value.original,
            }
            for a in offer.attributes
        ],
        "productSkuInfos": [
            {
                "skuId": num_id(s.sku_id),
                "specId": s.spec_id,
                "price": yuan_text(s.price_fen),
                "promotionPrice": (
                    yuan_text(s.promotion_price_fen) if s.promotion_price_fen else None
                ),
                "amountOnSale": s.stock if s.on_sale else 0,
                "skuAttributes": [
                    {
                        "attributeName": a.name.original,
                        "attributeNameTrans": a.name.translated or a.name.original,
                        "value": a.value.original,
                        "valueTrans": a.value.translated or a.value.original,
                        "skuImageUrl": a.image_url,
                    }
                    for a in s.attributes
                ],
            }
            for s in offer.skus
        ],
        "productSaleInfo": {
            "amountOnSale": sum(s.stock for s in offer.skus if s.on_sale),
            "priceRangeList": [
                {"startQuantity": t.start_quantity, "price": yuan_text(t.price_fen)}
                for t in offer.price_tiers
            ],
            "quoteType": 1 if offer.price_tiers else 0,
        },
        "productShippingInfo": {
            "sendGoodsAddressText": offer.shipping.send_from,
            "weight": offer.shipping.weight_g / 1000,
            "length": offer.shipping.length_mm / 10,
            "width": offer.shipping.width_mm / 10,
            "height": offer.shipping.height_mm / 10,
        },
        "minOrderQuantity": offer.min_order_quantity,
        "sellerOpenId": offer.seller.seller_open_id,
        "status": "published" if offer.on_sale else "expired",
        "soldOut": sum(s.stock for s in offer.skus) == 0,
        "monthSold": offer.month_sold,
    }


@dataclass
class StubClient:
    """A thin signed caller for tests (httpx, form-encoded, object parameters as JSON)."""

    stub: AlibabaStub
    timeout: float = 5.0
    access_token: str | None = None

    def call(self, api: str, **params: Any) -> httpx.Response:
        form: dict[str, str] = {}
        for key, value in params.items():
            if value is None:
                continue
            if isinstance(value, dict | list):
                form[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            elif isinstance(value, bool):
                form[key] = "true" if value else "false"
            else:
                form[key] = str(value)
        form["_aop_timestamp"] = str(int(time.time() * 1000))
        if api not in NO_TOKEN:
            form["access_token"] = self.access_token or self.stub.access_token
        form["_aop_signature"] = self.stub.sign(api, form)
        return httpx.post(self.stub.api_url(api), data=form, timeout=self.timeout)
