"""1688 answers classified into the port's errors: one table of the shapes the reference and
public clients show (gateway envelope, business failure in a 200, inside `result`, bare HTTP)."""

from __future__ import annotations

import pytest

from daigou.marketplace import port as P
from daigou.marketplace.alibaba1688 import errors as E
from daigou.marketplace.alibaba1688.errors import classify, error_fields

ACL = {"error_code": "gw.APIACLDecline", "error_message": "AppKey is not allowed(acl)"}

TABLE = [
    # (status, body, retry-after, expected class, expected code)
    (200, {"result": {"orderId": 1}, "success": True}, None, None, None),
    (200, {"success": "true", "result": {}}, None, None, None),
    (200, {"access_token": "t", "expires_in": "36000"}, None, None, None),
    (200, {"success": True, "errorCode": "0", "result": {}}, None, None, None),
    (200, {"success": True, "errorCode": "", "errorMessage": ""}, None, None, None),
    # rate limits: 429, and the gateway's Qos codes (public clients)
    (429, "", None, P.MarketplaceRateLimited, "429"),
    (
        400,
        {"error_code": "gw.QosAppFrequencyLimit", "error_message": "x"},
        None,
        P.MarketplaceRateLimited,
        "gw.QosAppFrequencyLimit",
    ),
    (
        200,
        {"error_code": "gw.QosRequestLimit"},
        "3",
        P.MarketplaceRateLimited,
        "gw.QosRequestLimit",
    ),
    (
        400,
        {"errorCode": "gw.QosAPIFrequencyLimit"},
        None,
        P.MarketplaceRateLimited,
        "gw.QosAPIFrequencyLimit",
    ),
    # the access token: refresh once and repeat
    (401, "Request need user authenticated", None, E.TokenRejected, "401"),
    (
        400,
        {"error_code": "gw.AccessTokenExpired", "error_message": "expired"},
        None,
        E.TokenRejected,
        "gw.AccessTokenExpired",
    ),
    (
        400,
        {"error_code": "400", "error_message": "access_token is expired"},
        None,
        E.TokenRejected,
        "400",
    ),
    # the gateway failing
    (502, "<html>bad gateway</html>", None, E.Unavailable, "502"),
    (503, {"error_code": "gw.ServiceUnavailable"}, None, E.Unavailable, "gw.ServiceUnavailable"),
    # not found
    (
        404,
        {"error_code": "404", "error_message": "no trace yet"},
        None,
        P.MarketplaceNotFound,
        "NOT_FOUND",
    ),
    (
        200,
        {"success": False, "errorCode": "ORDER_NOT_EXIST", "errorMessage": "no"},
        None,
        P.MarketplaceNotFound,
        "NOT_FOUND",
    ),
    # the gateway refusing the call itself: an operator must act
    (400, ACL, None, E.GatewayRefused, "gw.APIACLDecline"),
    (400, {"error_code": "gw.SignatureInvalid"}, None, E.GatewayRefused, "gw.SignatureInvalid"),
    (403, "", None, E.GatewayRefused, "403"),
    # business refusals in their several spellings
    (
        200,
        {"success": False, "errorCode": "5004", "errorMessage": "申请金额超过"},
        None,
        P.MarketplaceRefused,
        "5004",
    ),
    (200, {"success": "false", "errorCode": "X", "errorMsg": "m"}, None, P.MarketplaceRefused, "X"),
    (
        200,
        {"result": {"success": False, "code": "PRODUCT_TRADE_STAT_ERROR", "message": "s"}},
        None,
        P.MarketplaceRefused,
        "PRODUCT_TRADE_STAT_ERROR",
    ),
    (200, {"success": False}, None, P.MarketplaceRefused, "FAILED"),
    (
        200,
        {"success": True, "result": {"success": "false", "errorCode": "Y", "message": "m"}},
        None,
        P.MarketplaceRefused,
        "Y",
    ),
    (200, {"success": True, "result": {"success": True, "result": []}}, None, None, None),
    (
        400,
        {"error": "invalid_grant", "error_description": "refresh token expired"},
        None,
        P.MarketplaceRefused,
        "invalid_grant",
    ),
]


@pytest.mark.parametrize(("status", "body", "retry_after", "kind", "code"), TABLE)
def test_an_answer_is_classified(status, body, retry_after, kind, code):
    error = classify(status, body, retry_after=retry_after, what="order")
    if kind is None:
        assert error is None
        return
    assert type(error) is kind, error
    assert error.code == code


def test_retry_after_is_honoured_and_defaulted():
    limited = classify(200, {"error_code": "gw.QosRequestLimit"}, retry_after="3")
    assert isinstance(limited, P.MarketplaceRateLimited) and limited.retry_after_s == 3.0
    default = classify(429, "", retry_after="soon")
    assert isinstance(default, P.MarketplaceRateLimited)
    assert default.retry_after_s == E.DEFAULT_RETRY_AFTER_S


def test_stock_codes_are_marked_and_messages_capped():
    refused = classify(200, {"result": {"success": False, "code": "PRODUCT_TRADE_STAT_ERROR"}})
    assert isinstance(refused, P.MarketplaceRefused) and refused.stock_problem
    long = classify(200, {"success": False, "errorCode": "X", "errorMessage": "m" * 5000})
    assert isinstance(long, P.MarketplaceRefused) and len(long.message) == E.TEXT_CAP


def test_error_fields_reads_each_spelling():
    assert error_fields(ACL) == ("gw.APIACLDecline", "AppKey is not allowed(acl)")
    assert error_fields({"errorCode": "A", "errorMessage": "b"}) == ("A", "b")
    assert error_fields({"success": True}) is None
    assert error_fields("text") is None
