"""Sending one signed request to a customer's URL, safely.

The host is resolved once, every address is checked, and the connection goes to the address that
was checked (the Host header and TLS name stay the URL's), so a DNS answer that changes between
the check and the connect (rebinding) reaches nothing new. Redirects are never followed (a 3xx is
a failed attempt) and at most ``WEBHOOK_RESPONSE_CAP_BYTES`` of the answer is read.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import ParleyError

Resolver = Callable[[str, int], list[str]]


class UnsafeDestination(ParleyError):
    code = "unsafe_destination"


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


resolve: Resolver = _system_resolver
"""Module-level so tests can stand a stub resolver in for DNS."""


def allow_private() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS)


def check_url(url: str) -> None:
    """What can be said without DNS: the scheme, a host, and no private address literal."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination("Enter an http(s) URL with a host.", field="url")
    if parts.scheme != "https" and not allow_private():
        raise UnsafeDestination("Webhook URLs must use https.", field="url")
    if parts.username or parts.password:
        raise UnsafeDestination("Credentials in the URL are not allowed.", field="url")
    if allow_private():
        return
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".internal"):
        raise UnsafeDestination(f"{host} is not a public address.", field="url")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return
    _check_address(literal, host)


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, host: str) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        raise UnsafeDestination(
            f"{host} resolves to {address}, which is not a public address.", field="url"
        )


def safe_address(host: str, port: int) -> str:
    """The address to connect to: the first one DNS gives, after every one was checked."""
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise UnsafeDestination(f"{host} does not resolve: {exc}", field="url") from exc
    if not addresses:
        raise UnsafeDestination(f"{host} does not resolve.", field="url")
    if not allow_private():
        for text in addresses:
            _check_address(ipaddress.ip_address(text), host)
    return addresses[0]


@dataclass(frozen=True)
class Answer:
    status: int | None
    latency_ms: int
    excerpt: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def _cut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body``; an unsafe destination raises ``UnsafeDestination`` before any connection."""
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    address = safe_address(host, port)
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    cap = int(settings.WEBHOOK_RESPONSE_CAP_BYTES)
    kind = _PinnedHTTPS if secure else _PinnedHTTP
    connection = kind(host, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    # The socket timeout bounds each read; this bounds the whole exchange, so a receiver that
    # answers a byte at a time cannot hold a worker past the timeout.
    watchdog = threading.Timer(timeout, _cut, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(cap)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        latency = int((time.monotonic() - started) * 1000)
        if time.monotonic() - started >= timeout:
            return Answer(None, latency, "", f"timed out after {timeout:g} s")
        return Answer(None, latency, "", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        watchdog.cancel()
        connection.close()
    latency = int((time.monotonic() - started) * 1000)
    return Answer(status, latency, excerpt.decode("utf-8", "replace"))
