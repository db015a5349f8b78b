"""Fixtures shared by every test module: two tenants, their people, and API clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tenants import services
from tenants.models import Membership, Tenant

from .factories import PASSWORD, MembershipFactory, TenantFactory


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters and routing caches live in Redis; each test starts without them."""
    cache.clear()


@pytest.fixture
def tenant(db: None) -> Tenant:
    return TenantFactory(name="Acme Plumbing", slug="acme")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return TenantFactory(name="Globex Dental", slug="globex")


@pytest.fixture
def owner(tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=tenant, role=Membership.Role.OWNER)


@pytest.fixture
def admin_member(tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=tenant, role=Membership.Role.ADMIN)


@pytest.fixture
def agent(tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=tenant, role=Membership.Role.AGENT)


@pytest.fixture
def other_owner(other_tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=other_tenant, role=Membership.Role.OWNER)


@pytest.fixture
def login() -> Callable[[Membership], Client]:
    """A browser-like client signed in as the given member."""

    def sign_in(membership: Membership) -> Client:
        client = Client()
        assert client.login(username=membership.user.username, password=PASSWORD)
        return client

    return sign_in


@pytest.fixture
def make_token() -> Callable[..., str]:
    def issue(tenant: Tenant, scopes: list[str] | None = None, **kwargs: Any) -> str:
        _, plaintext = services.api_token_create(
            tenant=tenant, name="test", scopes=scopes or services.ALL_SCOPES, **kwargs
        )
        return plaintext

    return issue


@pytest.fixture
def api() -> Callable[[str], APIClient]:
    def client_for(token: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return client_for


@pytest.fixture
def tenant_api(
    tenant: Tenant, make_token: Callable[..., str], api: Callable[[str], APIClient]
) -> APIClient:
    return api(make_token(tenant))


@pytest.fixture
def other_api(
    other_tenant: Tenant, make_token: Callable[..., str], api: Callable[[str], APIClient]
) -> APIClient:
    return api(make_token(other_tenant))
