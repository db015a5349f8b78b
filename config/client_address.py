"""The address of the client behind a request, for login throttling."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, trusting X-Forwarded-For only as far as TRUSTED_PROXY_COUNT.

    Each of our N proxies appends the address it was reached from, so the client is the N-th
    entry from the right; anything to its left came from the client and may be forged. Without
    configured proxies, or when the header is shorter than the chain, the socket's peer is used.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
    return remote
