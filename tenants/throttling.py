"""The API's one rate limit: requests per API token (per user for session callers), counted in
the shared cache. Every throttled response says where the caller stands (``RateLimit-Limit``,
``RateLimit-Remaining``, ``RateLimit-Reset`` in seconds); a refusal is ``429`` with
``Retry-After``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        allowed = super().allow_request(request, view)
        if self.rate is None or self.key is None:
            return allowed
        history = self.history
        duration = float(getattr(self, "duration", 0))
        allowed_requests = int(getattr(self, "num_requests", 0))
        reset = math.ceil(history[-1] - self.now + duration) if history else math.ceil(duration)
        state = RateLimitState(
            limit=allowed_requests,
            remaining=max(0, allowed_requests - len(history)),
            reset_seconds=max(0, reset),
        )
        # The HttpRequest outlives DRF's wrapper: the middleware writes the headers from it.
        request._request.rate_limit = state  # type: ignore[attr-defined]
        return allowed
