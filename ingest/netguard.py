"""SSRF guard: outgoing fetches may only reach public addresses, checked after DNS resolution.

Every TCP connection the fetcher opens (feed URLs, each redirect hop, full-text pages, WebSub
hubs) goes through `GuardedBackend`: it resolves the host itself, refuses loopback, private,
link-local, multicast and other non-global addresses, and connects to the very address it
checked, so a DNS answer that changes between check and connect (rebinding) cannot slip through.
`allow_private_networks` opens non-global addresses (tests, the demo, intranets); a CIDR
allow-list narrows what it opens.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddressError(httpcore.ConnectError):
    """A connection was refused by the guard; the message names the address and why."""


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def why_not_public(ip: IPAddress) -> str | None:
    """None for a public unicast address, else what kind of address it is."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return why_not_public(inner)
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return kind
    return None if ip.is_global else "non-public"


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses outgoing connections may reach."""

    allow_private: bool = False
    allowlist: tuple[IPNetwork, ...] = ()  # when private is allowed, only these non-public ranges

    @classmethod
    def from_settings(cls, allow_private: bool, allowlist: str) -> AddressPolicy:
        return cls(allow_private, parse_networks(allowlist))

    def refusal(self, ip: IPAddress) -> str | None:
        """None when `ip` may be reached, else a one-line reason."""
        kind = why_not_public(ip)
        if kind is None:
            return None
        if not self.allow_private:
            return f"{ip} is a {kind} address (set WIREWATCH_ALLOW_PRIVATE_NETWORKS=1 to allow)"
        if self.allowlist and not any(ip in net for net in self.allowlist if net.version == ip.version):
            return f"{ip} is a {kind} address outside WIREWATCH_PRIVATE_NETWORK_ALLOWLIST"
        return None


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Comma-separated CIDRs ('10.0.0.0/8, 127.0.0.1') -> networks; ValueError names a bad one."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP network (use CIDR like 10.0.0.0/8)") from None
    return tuple(networks)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Addresses of `host` (an IP literal resolves to itself), in the resolver's order."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
    seen: dict[IPAddress, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
    return list(seen)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that checks every address before it connects to it."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port)
        allowed = [ip for ip in addresses if self.policy.refusal(ip) is None]
        if not allowed:
            reason = self.policy.refusal(addresses[0]) if addresses else "no address"
            raise BlockedAddressError(f"refused to connect to {host}: {reason}")
        error: Exception | None = None
        for ip in allowed:
            try:
                # Connect to the checked address itself, never to the name again.
                return await self._inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are never reachable from feeds")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
