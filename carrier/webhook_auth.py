"""Basic authentication of Bandwidth's callbacks, the way Bandwidth does it.

Bandwidth's first attempt may come without credentials and expects ``401`` with
``WWW-Authenticate: Basic`` (never 403, never a 401 without that header); it then retries with the
credentials configured on the application or subscription. Each tenant has its own generated
callback credentials; the username names the tenant (``t-<tenant uuid hex>``), so a webhook is
authenticated before its body is parsed, and the body's number must then belong to that tenant.
Passwords are stored only as keyed hashes and compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse

from tenants.signals import tenant_changed
from tenants.tokens import digest_matches, keyed_digest

PURPOSE = "bandwidth-callback"
CACHE_TTL = 3600

credentials_forgotten = Signal()
"""Sent with ``tenant_id`` when the tenant's callback credentials changed (the memo listens)."""


@dataclass(frozen=True)
class GeneratedCredentials:
    username: str
    password: str
    password_hash: str


def generate_tenant_credentials(tenant_id: uuid.UUID) -> GeneratedCredentials:
    return _generate(f"t-{tenant_id.hex}")


def generate_account_credentials(account_pk: int) -> GeneratedCredentials:
    return _generate(f"a-{account_pk}")


def _generate(username: str) -> GeneratedCredentials:
    password = secrets.token_urlsafe(32)
    return GeneratedCredentials(username, password, keyed_digest(password, purpose=PURPOSE))


def challenge(realm: str = "Parley webhooks") -> HttpResponse:
    response = HttpResponse(status=401)
    response["WWW-Authenticate"] = f'Basic realm="{realm}", charset="UTF-8"'
    return response


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _tenant_key(tenant_id: uuid.UUID) -> str:
    return f"parley:callback-creds:{tenant_id}"


def authenticated_tenant_id(request: HttpRequest) -> uuid.UUID | None:
    """The tenant whose callback credentials this request carries, or None."""
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    username, password = credentials
    if not username.startswith("t-"):
        return None
    try:
        tenant_id = uuid.UUID(hex=username[2:])
    except ValueError:
        return None
    stored = cache.get(_tenant_key(tenant_id))
    if stored is None:
        from .models import Provisioning

        row = (
            Provisioning.objects.filter(tenant_id=tenant_id)
            .values_list("callback_username", "callback_password_hash")
            .first()
        )
        stored = row or ("", "")
        cache.set(_tenant_key(tenant_id), stored, CACHE_TTL)
    expected_username, expected_hash = stored
    if not expected_hash or username != expected_username:
        return None
    return tenant_id if digest_matches(password, expected_hash, purpose=PURPOSE) else None


def account_credentials_match(request: HttpRequest, username: str, password_hash: str) -> bool:
    """For account-wide callbacks (number order notifications)."""
    credentials = basic_credentials(request)
    if credentials is None or not password_hash or credentials[0] != username:
        return False
    return digest_matches(credentials[1], password_hash, purpose=PURPOSE)


def forget_tenant_credentials(tenant_id: uuid.UUID) -> None:
    """Called by every writer of callback credentials; drops the cached ones now and after commit
    (a webhook between the write and the commit may have cached the old hash)."""

    def drop() -> None:
        cache.delete(_tenant_key(tenant_id))
        credentials_forgotten.send(sender=GeneratedCredentials, tenant_id=tenant_id)

    drop()
    transaction.on_commit(drop, robust=True)


def _forget_tenant_credentials(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_tenant_credentials(instance.tenant_id)


def _on_tenant_changed(sender: Any, tenant_ids: list[uuid.UUID], **kwargs: Any) -> None:
    for tenant_id in tenant_ids:
        forget_tenant_credentials(tenant_id)


def connect_signals() -> None:
    from .models import Provisioning

    tenant_changed.connect(_on_tenant_changed, dispatch_uid="carrier.webhook_auth.tenant")

    for signal, uid in (
        (post_save, "carrier.webhook_auth"),
        (post_delete, "carrier.webhook_auth.d"),
    ):
        signal.connect(_forget_tenant_credentials, sender=Provisioning, dispatch_uid=uid)
