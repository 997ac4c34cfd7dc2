"""SSRF guard: links taken from feed content may not reach private networks.

The check runs at connect time, on the address actually connected to, so DNS rebinding (a name
that resolved to a public address when checked and to 127.0.0.1 when used) fails too: the
guarded network backend resolves the name once, refuses if ANY address is not public, and
connects to the address it checked. TLS still verifies the original host name.

Refused: loopback, private (RFC 1918, ULA), link-local (169.254.0.0/16 holds cloud metadata),
CGNAT (100.64.0.0/10), multicast, unspecified, reserved, and their IPv6 forms (including
IPv4-mapped addresses). Exceptions are decided by the caller per request (see ``allowed_hosts``).
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

# Hosts a request may reach even on a private address (set per request by the fetcher).
allowed_hosts: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("newsmon_allowed_hosts",
                                                                              default=frozenset())


class BlockedAddress(Exception):
    """A connection to a non-public address was refused."""


def address_problem(ip: str) -> str | None:
    """Why ``ip`` may not be reached from feed content, or None when it is a public address."""
    addr = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for label, test in (("loopback", addr.is_loopback), ("link-local", addr.is_link_local),
                        ("multicast", addr.is_multicast), ("unspecified", addr.is_unspecified),
                        ("private", addr.is_private), ("reserved", addr.is_reserved)):
        if test:
            return f"{label} address {addr}"
    if isinstance(addr, ipaddress.IPv4Address) and addr in ipaddress.ip_network("100.64.0.0/10"):
        return f"carrier-grade NAT address {addr}"
    if not addr.is_global:
        return f"non-public address {addr}"
    return None


def is_private_host(host: str) -> bool:
    """True when ``host`` is an IP literal or a name that resolves to a non-public address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return any(address_problem(info[4][0]) for info in infos)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that checks every address it connects to."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        if host.lower().strip("[]") in allowed_hosts.get():
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [info[4][0] for info in infos]
        for ip in addresses:
            problem = address_problem(ip)
            if problem:
                raise BlockedAddress(f"{host} resolves to a {problem}; links from feeds may not reach private networks")
        return await self.inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
