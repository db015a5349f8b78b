from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .selectors import current_membership, memberships_for_user
from .throttling import RateLimitState

SESSION_KEY = "parley_tenant_id"


class TenantMiddleware:
    """Sets ``request.tenant`` and ``request.membership`` for a signed-in user of the client UI.

    The current tenant is the one chosen with the switcher (kept in the session), else the user's
    first membership. A user with no membership gets ``None`` for both.

    Times on the page are in the member's time zone (their profile's, else the tenant's).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/api/"):
            memberships = list(memberships_for_user(user=user))
            current = current_membership(memberships, request.session.get(SESSION_KEY))
            request.memberships = memberships  # type: ignore[attr-defined]
            if current is not None:
                request.membership = current  # type: ignore[attr-defined]
                request.tenant = current.tenant  # type: ignore[attr-defined]
                timezone.activate(zoneinfo.ZoneInfo(current.effective_timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RateLimitHeadersMiddleware:
    """Writes the ``RateLimit-*`` headers that the API throttle counted, on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        state = getattr(request, "rate_limit", None)
        if isinstance(state, RateLimitState):
            for name, value in state.headers().items():
                response[name] = value
        return response
