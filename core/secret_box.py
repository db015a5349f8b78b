"""Encryption at rest for secrets Parley must be able to read back (tenants' Bandwidth secrets,
webhook signing secrets). It lives in core so every app, at any layer, uses the one mechanism.

Keys come from ``FIELD_ENCRYPTION_KEYS`` (newest first), then the older single
``FIELD_ENCRYPTION_KEY``: the newest encrypts, every key decrypts, and ``rotate`` re-encrypts a
value with the newest (``manage.py rotate_field_keys`` does it for every field in ``FIELDS``).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Every encrypted column, as (app label, model name, field name).
FIELDS = (
    ("carrier", "BandwidthAccount", "client_secret_encrypted"),
    ("integrations", "WebhookEndpoint", "secret_encrypted"),
    ("integrations", "WebhookEndpoint", "previous_secret_encrypted"),
    ("compliance", "ComplianceAccount", "signing_secret_encrypted"),
    ("porting", "PortInRequest", "pin_encrypted"),
)


def keys() -> list[str]:
    """The configured keys, newest first; ImproperlyConfigured when none is set or one is bad."""
    configured = [key for key in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if key]
    single = getattr(settings, "FIELD_ENCRYPTION_KEY", "")
    if single and single not in configured:
        configured.append(single)
    if not configured:
        raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS (Fernet keys, newest first).")
    for position, key in enumerate(configured, start=1):
        try:
            Fernet(key.encode())
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"Encryption key {position} of FIELD_ENCRYPTION_KEYS is not 32 url-safe "
                "base64-encoded bytes (Fernet.generate_key())."
            ) from exc
    return configured


def _fernets() -> list[Fernet]:
    return [Fernet(key.encode()) for key in keys()]


def _box() -> MultiFernet:
    return MultiFernet(_fernets())


def encrypt(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _box().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with any key of FIELD_ENCRYPTION_KEYS "
            "(was a key dropped before rotate_field_keys ran?)."
        ) from exc


def is_current(ciphertext: str) -> bool:
    """Whether the value is already encrypted with the newest key."""
    try:
        _fernets()[0].decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


def rotate(ciphertext: str) -> str:
    """The same secret encrypted with the newest key; ImproperlyConfigured if no key reads it."""
    try:
        return _box().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with any key of FIELD_ENCRYPTION_KEYS."
        ) from exc
