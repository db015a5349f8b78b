"""Once per Bandwidth account: reseller settings and the notification subscriptions."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.utils import timezone

from bandwidth.client import BandwidthClient
from bandwidth.client.compliance import BrandDetails
from bandwidth.errors import ValidationError as BandwidthValidationError
from carrier.clients import client_for_account
from carrier.models import BandwidthAccount
from carrier.webhook_auth import PURPOSE as WEBHOOK_PURPOSE
from core import secret_box
from core.errors import Conflict
from tenants.tokens import keyed_digest

from ..models import (
    Brand,
    ComplianceAccount,
)
from .common import _refused

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
    if not account.main_brand_id:
        changed += _main_brand_ensure(client, account)
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


# --- Parley's own (main) brand ---

PLATFORM_BRAND_FIELDS = (
    "legal_name",
    "ein",
    "street",
    "city",
    "state",
    "postal_code",
    "website",
)


def platform_brand_missing() -> list[str]:
    """The ``COMPLIANCE_PLATFORM_*`` settings still empty (production has no sample values)."""
    brand = settings.COMPLIANCE_PLATFORM_BRAND
    return [name for name in PLATFORM_BRAND_FIELDS if not str(brand.get(name, "")).strip()]


def platform_setting_names(fields: list[str]) -> list[str]:
    return [f"COMPLIANCE_PLATFORM_{name.upper()}" for name in fields]


def brand_status_from(identity: str) -> str:
    if identity in ("VERIFIED", "VETTED_VERIFIED"):
        return Brand.Status.VERIFIED
    if identity == "UNVERIFIED":
        return Brand.Status.UNVERIFIED
    return Brand.Status.PENDING


def _main_brand_ensure(client: BandwidthClient, account: ComplianceAccount) -> list[str]:
    """Registers Parley's own brand, the reseller's main one, before any tenant's brand. A main
    brand already on the account (an earlier run that lost its answer) is adopted, not doubled."""
    existing = client.compliance.brands_list(kind="MAIN")
    if existing:
        record = existing[0]
    else:
        missing = platform_brand_missing()
        if missing:
            names = ", ".join(platform_setting_names(missing))
            raise Conflict(
                "Parley's own brand cannot be registered yet: the platform operator must set "
                f"{names}. Texting registration resumes once they are set.",
                code="platform_brand_not_configured",
            )
        brand = settings.COMPLIANCE_PLATFORM_BRAND
        try:
            record = client.compliance.brand_create(
                BrandDetails(
                    entity_type=brand["entity_type"],
                    company_name=brand["legal_name"],
                    display_name=settings.COMPLIANCE_RESELLER_NAME,
                    ein="".join(ch for ch in brand["ein"] if ch.isdigit()),
                    email=settings.COMPLIANCE_RESELLER_EMAIL,
                    phone=settings.COMPLIANCE_RESELLER_PHONE,
                    street=brand["street"],
                    city=brand["city"],
                    state=brand["state"],
                    postal_code=brand["postal_code"],
                    country=brand["country"],
                    vertical=brand["vertical"],
                    website=brand["website"],
                    is_main=True,
                )
            )
        except BandwidthValidationError as error:
            raise _refused(error) from error
    account.main_brand_id = record.brand_id
    account.main_brand_status = brand_status_from(record.identity_status)
    account.main_brand_checked_at = timezone.now()
    return ["main_brand_id", "main_brand_status", "main_brand_checked_at"]


def client_for_compliance_account(account: ComplianceAccount) -> BandwidthClient:
    return client_for_account(
        BandwidthAccount.objects.filter(account_id=account.account_id).first()
    )


def platform_brand_refresh(*, account: ComplianceAccount) -> ComplianceAccount:
    """Reads the main brand's state from Bandwidth (the reconciler, the admin's action)."""
    record = client_for_compliance_account(account).compliance.brand_get(account.main_brand_id)
    account.main_brand_status = brand_status_from(record.identity_status)
    account.main_brand_checked_at = timezone.now()
    account.save(update_fields=["main_brand_status", "main_brand_checked_at", "updated_at"])
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
