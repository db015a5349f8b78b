"""The Bandwidth client factory: which account, credentials and endpoints a tenant's calls use."""

from __future__ import annotations

from django.conf import settings

from bandwidth.client import BandwidthClient, Credentials, Endpoints, Timeouts
from core import secret_box
from tenants.models import Tenant

from . import selectors
from .models import BandwidthAccount


def endpoints() -> Endpoints:
    return Endpoints(
        messaging_base_url=settings.BANDWIDTH_MESSAGING_BASE_URL,
        voice_base_url=settings.BANDWIDTH_VOICE_BASE_URL,
        numbers_base_url=settings.BANDWIDTH_NUMBERS_BASE_URL,
        oauth_token_url=settings.BANDWIDTH_OAUTH_TOKEN_URL,
        api_base_url=settings.BANDWIDTH_API_BASE_URL,
    )


def timeouts() -> Timeouts:
    return Timeouts(
        connect=settings.BANDWIDTH_CONNECT_TIMEOUT, read=settings.BANDWIDTH_READ_TIMEOUT
    )


def platform_credentials() -> Credentials:
    return Credentials(
        account_id=settings.BANDWIDTH_ACCOUNT_ID,
        client_id=settings.BANDWIDTH_CLIENT_ID,
        client_secret=settings.BANDWIDTH_CLIENT_SECRET,
        username=settings.BANDWIDTH_USERNAME,
        password=settings.BANDWIDTH_PASSWORD,
        prefer_basic=settings.BANDWIDTH_USE_BASIC_AUTH,
    )


def credentials_for(account: BandwidthAccount | None) -> Credentials:
    if account is None or account.kind == BandwidthAccount.Kind.PLATFORM:
        return platform_credentials()
    return Credentials(
        account_id=account.account_id,
        client_id=account.client_id,
        client_secret=secret_box.decrypt(account.client_secret_encrypted),
    )


def client_for_account(account: BandwidthAccount | None) -> BandwidthClient:
    return BandwidthClient(credentials_for(account), endpoints(), timeouts())


def client_for_tenant(tenant: Tenant) -> BandwidthClient:
    """The client on the tenant's own account when it brought one, else on the platform's."""
    return client_for_account(selectors.bandwidth_account_for(tenant=tenant))
