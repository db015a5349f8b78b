"""API authentication: ``Authorization: Bearer <token>`` and, for the browser, the session."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from . import services
from .middleware import SESSION_KEY
from .models import ApiToken
from .selectors import api_token_find, current_membership, memberships_for_user


class TokenPrincipal:
    """The caller of an API request made with a token: the tenant's integration, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, token: ApiToken) -> None:
        self.token = token

    def __str__(self) -> str:
        return f"token {self.token.prefix}"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        value = value.strip()
        if not value:
            raise exceptions.AuthenticationFailed("The Authorization header has no token.")
        token = api_token_find(plaintext=value)
        if token is None:
            raise exceptions.AuthenticationFailed("The API token is wrong, revoked or expired.")
        services.api_token_touch(token=token)
        request.tenant = token.tenant  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        # Times in responses carry the tenant's offset (ISO 8601, like 2026-12-01T19:34:00-05:00).
        timezone.activate(zoneinfo.ZoneInfo(token.tenant.timezone))
        return TokenPrincipal(token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """A signed-in client user; the tenant is the one chosen in the UI."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        memberships = list(memberships_for_user(user=user))
        current = current_membership(memberships, request._request.session.get(SESSION_KEY))
        request.tenant = current.tenant if current else None  # type: ignore[attr-defined]
        request.membership = current  # type: ignore[attr-defined]
        if current is not None:
            timezone.activate(zoneinfo.ZoneInfo(current.effective_timezone))
        return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A Parley API token (prl_…)."}


class TenantSessionScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.TenantSessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
