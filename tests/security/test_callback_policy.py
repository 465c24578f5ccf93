"""The callback URL policy (CONTRACT section 9): what a URL may point at in production and in dev
mode, the operator's allowlist, and deliveries that connect only to the address that was checked
(a DNS answer that changes after the check is refused, never followed)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from daigou.config import Settings
from daigou.core.errors import ApiError
from daigou.messages import sender
from daigou.messages.callbacks import check_url
from daigou.messages.url_policy import CallbackPolicy, Refused, ip_of
from tests.support.receiver import Receiver

TOKEN = "t" * 40
KEY = "n1kZ3o7m9Jc3VZ2cS0yq9rN3pN5Xr3b3gqYV0Q3l6xE="

# the resolver stub: names -> addresses (anything else does not resolve)
DNS: dict[str, list[str]] = {
    "public.example": ["93.184.216.34"],
    "public6.example": ["2606:2800:220:1:248:1893:25c8:1946"],
    "intranet.example": ["10.1.2.3"],
    "mixed.example": ["93.184.216.34", "10.1.2.3"],
    "loop.example": ["127.0.0.1"],
    "loop6.example": ["::1"],
    "mapped.example": ["::ffff:127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "localhost": ["127.0.0.1"],
    "hooks.corp.example": ["10.20.30.40"],
    "a.hooks.corp.example": ["10.20.30.41"],
}


@pytest.fixture
def dns(monkeypatch) -> Iterator[dict[str, list[str]]]:
    answers = {k: list(v) for k, v in DNS.items()}

    def fake_getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        out = []
        for address in answers[host]:
            if ":" in address:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return out

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    yield answers


def production(tmp_path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mode": "production",
        "admin_token": TOKEN,
        "secret_key": KEY,
        "data_dir": tmp_path,
        "database_url": f"sqlite:///{tmp_path}/x.sqlite3",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def dev(tmp_path, **overrides: Any) -> Settings:
    return production(tmp_path, mode="dev", **overrides)


def refused(settings: Settings, url: str) -> str:
    with pytest.raises(ApiError) as caught:
        check_url(settings, url)
    assert caught.value.code == 40001
    assert caught.value.data["errors"][0]["field"] == "callbackUrl"
    return caught.value.msg


# --- the matrix -------------------------------------------------------------------------------
PRODUCTION_REFUSED = [
    "https://127.0.0.1/hook",
    "https://127.8.9.10/hook",  # all of 127.0.0.0/8
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "https://[::ffff:7f00:1]/hook",  # the same, in hex
    "https://[2002:7f00:1::]/hook",  # 6to4 around 127.0.0.1
    "https://[64:ff9b::a00:1]/hook",  # NAT64 around 10.0.0.1
    "https://10.0.0.1/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.10/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://[fd00::1]/hook",  # unique local
    "https://[fe80::1]/hook",  # link-local
    "https://169.254.169.254/latest/meta-data",  # cloud metadata
    "https://224.0.0.1/hook",  # multicast
    "https://[ff02::1]/hook",
    "https://0.0.0.0/hook",
    "https://240.0.0.1/hook",  # reserved
    "https://localhost/hook",
    "https://loop.example/hook",  # a name resolving to loopback
    "https://loop6.example/hook",
    "https://mapped.example/hook",
    "https://metadata.example/hook",
    "https://intranet.example/hook",
    "https://mixed.example/hook",  # one private answer is enough
    "http://public.example/hook",  # production: https only
    "http://127.0.0.1:8000/hook",
    "https://user:pass@public.example/hook",  # credentials
    "https://user@public.example/hook",
    "https://:pass@public.example/hook",
    "https://no-such-host.invalid/hook",
]


@pytest.mark.parametrize("url", PRODUCTION_REFUSED)
def test_production_refuses(tmp_path, dns, url):
    refused(production(tmp_path), url)


@pytest.mark.parametrize(
    "url",
    ["https://public.example/hook", "https://public6.example:8443/x", "https://93.184.216.34/"],
)
def test_production_accepts_public_https(tmp_path, dns, url):
    assert check_url(production(tmp_path), url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://[::1]:8000/hook",
        "http://localhost:8000/hook",
        "https://loop.example/hook",  # https to a name resolving to loopback
        "https://public.example/hook",
    ],
)
def test_dev_mode_allows_loopback(tmp_path, dns, url):
    assert check_url(dev(tmp_path), url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://loop.example/hook",  # http only to a loopback literal or localhost
        "https://10.0.0.1/hook",  # dev mode widens loopback only
        "https://169.254.169.254/",
        "https://user:pass@127.0.0.1/hook",
        "http://user:pass@127.0.0.1:8000/hook",
    ],
)
def test_dev_mode_refuses_everything_else(tmp_path, dns, url):
    refused(dev(tmp_path), url)


def test_credentials_are_refused_with_a_reason_and_never_echoed(tmp_path, dns):
    msg = refused(production(tmp_path), "https://alice:s3cr3t@public.example/hook")
    assert "credentials" in msg and "s3cr3t" not in msg


def test_private_networks_setting_widens_private_ranges_only(tmp_path, dns):
    relaxed = production(tmp_path, callback_allow_private_networks=True)
    assert check_url(relaxed, "https://intranet.example/hook")
    assert check_url(relaxed, "https://192.168.1.10/hook")
    for url in (
        "https://127.0.0.1/hook",
        "https://169.254.169.254/",
        "https://[fe80::1]/hook",
        "https://224.0.0.1/hook",
        "http://intranet.example/hook",
    ):
        refused(relaxed, url)


def test_the_allowlist_permits_hosts_and_networks_on_its_ports(tmp_path, dns):
    settings = production(
        tmp_path,
        callback_allowlist="hooks.corp.example, .corp.example,127.0.0.1/32,[fd00::]/8",
        callback_allowlist_ports="443,8443",
    )
    assert settings.callback_allowlist_ports == [443, 8443]
    assert check_url(settings, "https://hooks.corp.example/hook")
    assert check_url(settings, "https://a.hooks.corp.example:8443/hook")  # suffix entry
    assert check_url(settings, "https://127.0.0.1/hook")  # loopback, allowlisted
    assert check_url(settings, "https://[fd00::5]/hook")
    refused(settings, "https://hooks.corp.example:9000/hook")  # a port not on the list
    refused(settings, "https://127.0.0.2/hook")  # outside the /32
    refused(settings, "https://intranet.example/hook")  # not on the list
    refused(settings, "http://hooks.corp.example/hook")  # still https only
    wildcard = production(tmp_path, callback_allowlist="*.corp.example")
    assert check_url(wildcard, "https://a.hooks.corp.example/hook")
    refused(wildcard, "https://intranet.example/hook")


def test_an_address_of_the_gateway_itself_is_refused(tmp_path, dns):
    own = production(tmp_path, public_url="https://gateway.example")
    dns["gateway.example"] = ["93.184.216.34"]
    assert "gateway itself" in refused(own, "https://gateway.example/hook")
    policy = CallbackPolicy.from_settings(production(tmp_path))
    # any address this machine can bind is its own; 127.0.0.1 is one (loopback wins the reason)
    assert policy.refusal("x", "127.0.0.1", 443) is not None
    local = _a_non_loopback_address_of_this_machine()
    if local is not None:
        assert "gateway itself" in (policy.refusal("x", local, 443) or "") or "private" in (
            policy.refusal("x", local, 443) or ""
        )


def _a_non_loopback_address_of_this_machine() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: picks the outgoing address
            address = str(s.getsockname()[0])
    except OSError:
        return None
    ip = ip_of(address)
    return None if ip is None or ip.is_loopback else address


def test_ip_of_unwraps_embedded_ipv4():
    assert str(ip_of("::ffff:10.0.0.1")) == "10.0.0.1"
    assert str(ip_of("2002:a00:1::")) == "10.0.0.1"
    assert str(ip_of("64:ff9b::7f00:1")) == "127.0.0.1"
    assert str(ip_of("[fe80::1%eth0]")) == "fe80::1"
    assert ip_of("example.com") is None


# --- deliveries connect to the checked address -------------------------------------------------
def test_a_name_rebound_to_loopback_after_the_check_is_refused_at_delivery(tmp_path, dns):
    settings = production(tmp_path)
    policy = CallbackPolicy.from_settings(settings)
    with Receiver() as rx:
        url = f"https://rebind.example:{rx.port}/hook"
        dns["rebind.example"] = ["93.184.216.34"]
        assert check_url(settings, url)  # saved while it pointed at a public address
        dns["rebind.example"] = ["127.0.0.1"]  # then the attacker's DNS answers loopback
        outcome = sender.post_now(url, b"{}", {}, 2.0, policy)
        assert outcome.error == "refused" and outcome.http_status is None
        assert "127.0.0.1" in (outcome.snippet or "")
        assert rx.requests == []  # nothing was sent


def test_a_stored_url_with_credentials_or_a_refused_literal_is_refused_at_delivery(tmp_path):
    policy = CallbackPolicy.from_settings(production(tmp_path))
    with Receiver() as rx:
        for url in (rx.url, f"https://u:p@127.0.0.1:{rx.port}/hook"):
            outcome = sender.post_now(url, b"{}", {}, 2.0, policy)
            assert outcome.error == "refused", outcome
        assert rx.requests == []


def test_dev_mode_delivers_to_loopback_with_the_original_host_header(tmp_path, dns):
    policy = CallbackPolicy.from_settings(dev(tmp_path))
    with Receiver() as rx:
        outcome = sender.post_now(f"http://localhost:{rx.port}/hook", b"{}", {}, 2.0, policy)
        assert outcome.ok, outcome
        (request,) = rx.wait_for(1)
        assert request.headers["host"] == f"localhost:{rx.port}"


class _Redirect(BaseHTTPRequestHandler):
    target = ""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.send_response(302)
        self.send_header("location", self.target)
        self.send_header("content-length", "0")
        self.end_headers()


def test_redirects_are_not_followed(tmp_path):
    policy = CallbackPolicy.from_settings(dev(tmp_path))
    with Receiver() as rx:
        handler = type("H", (_Redirect,), {"target": rx.url})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/hook"
            outcome = sender.post_now(url, b"{}", {}, 2.0, policy)
        finally:
            server.shutdown()
            server.server_close()
        assert outcome.http_status == 302 and outcome.error == "non_2xx"
        assert rx.requests == []


def test_snippets_are_not_kept_when_turned_off(tmp_path):
    policy = CallbackPolicy.from_settings(dev(tmp_path))
    with Receiver(status=500) as rx:
        kept = sender.post_now(rx.url, b"{}", {}, 2.0, policy)
        dropped = sender.post_now(rx.url, b"{}", {}, 2.0, policy, keep_snippet=False)
    assert kept.snippet == '{"ok":true}'
    assert dropped.snippet is None and dropped.http_status == 500


def test_refused_is_an_oserror_so_aiohttp_reports_a_failed_connection():
    assert issubclass(Refused, OSError)
