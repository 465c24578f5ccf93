"""Where the gateway may send a callback (CONTRACT section 9): the rule, and the resolver that
makes a delivery connect only to an address the rule allowed.

The rule, for a URL and each address its host resolves to:

- credentials in the URL (``https://user:pass@...``) are refused, always;
- https only; http only to a loopback host in dev mode;
- an address the operator's allowlist permits (``callback_allowlist``: host names, ``.suffix``
  names, IP addresses or CIDR networks; ``callback_allowlist_ports``: the ports they may use,
  empty for any) is allowed;
- loopback is allowed in dev mode only;
- link-local, multicast, unspecified, reserved and the gateway's own addresses are refused;
- other non-public addresses (private networks, carrier-grade NAT, unique local IPv6) are refused
  unless ``callback_allow_private_networks``;
- a host with any refused address is refused (a name cannot mix a public and a private answer).

IPv4-mapped, 6to4 and NAT64 IPv6 addresses are judged by the IPv4 address inside them.

The URL is checked when it is saved (40001 with the reason) and again on every delivery:
:class:`CheckedResolver` resolves the name once, checks every answer, and hands aiohttp only
checked addresses to connect to (a DNS answer that changes after the check is checked again,
never trusted). TLS is still verified against the URL's host name, and the Host header is the
URL's. An IP literal is never resolved: :meth:`CallbackPolicy.check_literal` checks it before
the connection.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from daigou.config import Settings

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class Refused(OSError):
    """The callback policy refuses this URL or address; the message says why. An OSError, so
    aiohttp reports a refused resolution as a failed connection."""


def ip_of(text: str) -> IP | None:
    """The address `text` names (an IPv6 zone is dropped), judged as the IPv4 address inside
    an IPv4-mapped, 6to4 or NAT64 address; None when `text` is not an address."""
    try:
        ip: IP = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _is_own(ip: IP) -> bool:
    """An address of this machine: the kernel lets a socket bind only to its own addresses."""
    family = socket.AF_INET6 if isinstance(ip, ipaddress.IPv6Address) else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(ip), 0))
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class CallbackPolicy:
    dev: bool
    allow_private: bool
    allow_names: frozenset[str]  # lower case; ".example.com" matches its subdomains
    allow_networks: tuple[Network, ...]
    allow_ports: frozenset[int]  # empty: any port
    own_names: frozenset[str]  # the gateway's public host name

    @classmethod
    def from_settings(cls, settings: Settings) -> CallbackPolicy:
        names: set[str] = set()
        networks: list[Network] = []
        for entry in settings.callback_allowlist:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                networks.append(
                    ipaddress.ip_network(entry.replace("[", "").replace("]", ""), strict=False)
                )
            except ValueError:
                names.add(entry.removeprefix("*").rstrip("."))  # "*.example.com" = ".example.com"
        own = urlsplit(settings.resolved_public_url).hostname or ""
        return cls(
            dev=settings.is_dev,
            allow_private=settings.callback_allow_private_networks,
            allow_names=frozenset(names),
            allow_networks=tuple(networks),
            allow_ports=frozenset(settings.callback_allowlist_ports),
            own_names=frozenset({own.lower()} - {""}),
        )

    # --- the rule ----------------------------------------------------------------------------
    def _allowlisted(self, host: str, ip: IP | None, port: int) -> bool:
        if self.allow_ports and port not in self.allow_ports:
            return False
        name = host.lower().rstrip(".")
        if name in self.allow_names or any(
            n.startswith(".") and name.endswith(n) for n in self.allow_names
        ):
            return True
        return ip is not None and any(ip in net for net in self.allow_networks)

    def refusal(self, host: str, address: str, port: int) -> str | None:
        """Why `host` (resolved to `address`) may not be called on `port` (``"10.0.0.1, a
        private or reserved address"``); None: it may."""
        ip = ip_of(address)
        if ip is None:
            return f"{address[:60]}, not a usable address"
        if self._allowlisted(host, ip, port):
            return None
        if ip.is_loopback:
            return None if self.dev else f"{ip}, a loopback address"
        if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
            return f"{ip}, a link-local, multicast or reserved address"
        if host.lower().rstrip(".") in self.own_names or _is_own(ip):
            return f"{ip}, an address of the gateway itself"
        if (ip.is_private or not ip.is_global) and not self.allow_private:
            return f"{ip}, a private or reserved address"
        return None

    def check_url(self, url: str) -> SplitResult:
        """The URL's parts, or :class:`Refused` for its form (scheme, credentials, port); its
        addresses are checked by :meth:`check_addresses` or at connection time."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise Refused("not a valid URL") from exc
        host = parts.hostname
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not host:
            raise Refused(
                "must be an https URL" + (" (http only to a loopback host)" if self.dev else "")
            )
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise Refused("credentials in the URL are not accepted")
        if scheme == "http":
            literal = ip_of(host)
            loopback = host == "localhost" or (literal is not None and literal.is_loopback)
            if not self.dev:
                raise Refused("must be an https URL")
            if not loopback:
                raise Refused("http is allowed only to loopback (127.0.0.0/8, ::1, localhost)")
        return parts

    def port_of(self, parts: SplitResult) -> int:
        return parts.port or (443 if parts.scheme.lower() == "https" else 80)

    def check_addresses(self, parts: SplitResult, addresses: list[str]) -> None:
        host = parts.hostname or ""
        port = self.port_of(parts)
        for address in addresses:
            reason = self.refusal(host, address, port)
            if reason is not None:
                raise Refused(_because(host, reason))
            ip = ip_of(address)
            if parts.scheme.lower() == "http" and (ip is None or not ip.is_loopback):
                raise Refused(f"{host[:100]} resolves to {address}, not a loopback address")

    def check_literal(self, url: str) -> None:
        """Before a delivery: the URL's form, and its host when that is an IP literal (aiohttp
        does not resolve a literal, so the resolver never sees it)."""
        parts = self.check_url(url)
        host = parts.hostname or ""
        if ip_of(host) is not None:
            self.check_addresses(parts, [host])

    def resolve_and_check(self, url: str) -> SplitResult:
        """Save time: the URL's form, then every address its host resolves to now."""
        parts = self.check_url(url)
        host = parts.hostname or ""
        if ip_of(host) is not None:
            self.check_addresses(parts, [host])
            return parts
        try:
            infos = socket.getaddrinfo(host, self.port_of(parts), type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError) as exc:
            raise Refused(f"cannot resolve the host {host[:100]!r}") from exc
        self.check_addresses(parts, list(dict.fromkeys(str(info[4][0]) for info in infos)))
        return parts


def _because(host: str, reason: str) -> str:
    if ip_of(host) is not None:
        return f"refused: {reason}"
    return f"refused: {host[:100]} resolves to {reason}"


class CheckedResolver(AbstractResolver):
    """aiohttp's resolver for deliveries: the system resolver's answers, each checked by the
    policy; a host with any refused answer raises :class:`Refused` (the attempt fails, nothing
    is sent). aiohttp connects to the addresses returned here, so what was checked is what is
    connected to."""

    def __init__(self, policy: CallbackPolicy) -> None:
        self.policy = policy
        self._inner: ThreadedResolver | None = None

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = ThreadedResolver()
        answers = await self._inner.resolve(host, port, family)
        for answer in answers:
            reason = self.policy.refusal(host, answer["host"], port)
            if reason is not None:
                raise Refused(_because(host, reason))
        return answers

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
