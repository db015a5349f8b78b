"""API token format, and the keyed hashing of every secret Parley generates.

A token reads ``prl_<prefix>_<secret>``. The prefix (indexed, shown in lists) finds the row; the
secret is compared as an HMAC-SHA256 digest with ``hmac.compare_digest``. Tokens are long random
values, so a fast keyed hash is right; the database never holds anything usable as a token.

New digests are keyed from ``SECRET_KEY``; a digest still matches under any key of
``SECRET_KEY_FALLBACKS``, so rotating ``SECRET_KEY`` (old key moved to the fallbacks) keeps every
token and webhook password working until the old key is dropped from the fallbacks.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings

TOKEN_PREFIX = "prl"


@dataclass(frozen=True)
class IssuedToken:
    prefix: str
    secret_hash: str
    plaintext: str


def keyed_digest(secret: str, *, purpose: str, server_key: str | None = None) -> str:
    """HMAC-SHA256 of a generated secret under a key derived from ``server_key`` (SECRET_KEY
    unless given) and ``purpose``."""
    server_key = settings.SECRET_KEY if server_key is None else server_key
    key = hashlib.sha256(f"parley.{purpose}:{server_key}".encode()).digest()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def digest_matches(secret: str, expected: str, *, purpose: str) -> bool:
    """Whether ``expected`` is the digest of ``secret`` under SECRET_KEY or one of its fallbacks."""
    server_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    wanted = expected.encode()
    return any(
        hmac.compare_digest(keyed_digest(secret, purpose=purpose, server_key=k).encode(), wanted)
        for k in server_keys
    )


def _digest(secret: str) -> str:
    return keyed_digest(secret, purpose="api-token")


def issue() -> IssuedToken:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return IssuedToken(
        prefix=prefix, secret_hash=_digest(secret), plaintext=f"{TOKEN_PREFIX}_{prefix}_{secret}"
    )


def split(plaintext: str) -> tuple[str, str] | None:
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, secret_hash: str) -> bool:
    return digest_matches(secret, secret_hash, purpose="api-token")
