"""Once per Bandwidth account: reseller settings and the notification subscriptions."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings

from bandwidth.client import BandwidthClient
from carrier.webhook_auth import PURPOSE as WEBHOOK_PURPOSE
from core import secret_box
from tenants.tokens import keyed_digest

from ..models import (
    ComplianceAccount,
)

# --- the account (once per Bandwidth account) ---


def _webhook_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/bandwidth/compliance/{path}/"


def _account_ready(client: BandwidthClient) -> ComplianceAccount:
    """Reseller settings and the notification subscriptions, created the first time."""
    account_id = client.credentials.account_id
    account, _ = ComplianceAccount.objects.get_or_create(account_id=account_id)
    changed: list[str] = []
    if not account.reseller_ready:
        client.compliance.reseller_settings_ensure(
            company_name=settings.COMPLIANCE_RESELLER_NAME,
            phone=settings.COMPLIANCE_RESELLER_PHONE,
            email=settings.COMPLIANCE_RESELLER_EMAIL,
        )
        account.reseller_ready = True
        changed.append("reseller_ready")
    if not account.tnoptions_subscription_id:
        username = f"c-{uuid.uuid4().hex[:12]}"
        password = secrets.token_urlsafe(32)
        account.tnoptions_subscription_id = client.numbers.create_subscription(
            order_type="tnoptions",
            url=_webhook_url("tnoptions"),
            username=username,
            password=password,
        )
        account.webhook_username = username
        account.webhook_password_hash = keyed_digest(password, purpose=WEBHOOK_PURPOSE)
        changed += ["tnoptions_subscription_id", "webhook_username", "webhook_password_hash"]
    if not account.toll_free_subscription_id:
        secret = secrets.token_urlsafe(32)[:40]
        account.toll_free_subscription_id = client.compliance.toll_free_subscribe(
            callback_url=_webhook_url("toll-free"), shared_secret=secret
        )
        account.signing_secret_encrypted = secret_box.encrypt(secret)
        changed += ["toll_free_subscription_id", "signing_secret_encrypted"]
    if changed:
        account.save(update_fields=[*changed, "updated_at"])
    return account


def toll_free_signing_secrets() -> list[str]:
    """The shared secrets that sign toll-free verification webhooks (one per account)."""
    secrets_found = []
    for ciphertext in ComplianceAccount.objects.exclude(signing_secret_encrypted="").values_list(
        "signing_secret_encrypted", flat=True
    ):
        secrets_found.append(secret_box.decrypt(ciphertext))
    return secrets_found


def tnoptions_webhook_account(username: str) -> ComplianceAccount | None:
    return ComplianceAccount.objects.filter(webhook_username=username).first() if username else None
