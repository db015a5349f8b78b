"""Fixtures of the numbers tests: tenants provisioned on the emulator by the real flow."""

from __future__ import annotations

from collections.abc import Callable
from numbers.models import PhoneNumber
from typing import Any

import pytest
from rest_framework.test import APIClient

from bandwidth.emulator.app import RunningEmulator
from carrier import services
from carrier.models import Provisioning
from tenants.models import Tenant

from ..conftest import wait_until


@pytest.fixture
def provision(bandwidth: RunningEmulator) -> Callable[[Tenant], Provisioning]:
    def run(tenant: Tenant) -> Provisioning:
        return services.provisioning_run(tenant=tenant)

    return run


@pytest.fixture
def ready(
    bandwidth: RunningEmulator,
    provision: Callable[[Tenant], Provisioning],
    tenant: Tenant,
    other_tenant: Tenant,
) -> RunningEmulator:
    """Both tenants provisioned on one emulator (the platform account).

    A purchase is placed at Bandwidth by a task after it commits: tests that need the order
    placed ask for ``celery_worker`` too. Orders complete after 0.2 s instead of 0.04 s, so a
    notification rarely overtakes the placing task's answer (those paths have their own tests).
    """
    bandwidth.emulator.config.order_complete_delay = 10.0
    bandwidth.emulator.config.disconnect_complete_delay = 10.0
    provision(tenant)
    provision(other_tenant)
    return bandwidth


def search(client: APIClient, **query: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/numbers/available", query)
    assert response.status_code == 200, response.content
    return response.json()["results"]  # type: ignore[no-any-return]


def buy(client: APIClient, numbers: list[str]) -> list[dict[str, Any]]:
    response = client.post("/api/v1/numbers/", {"numbers": numbers}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["numbers"]  # type: ignore[no-any-return]


def status_of(pk: int) -> str:
    return PhoneNumber.objects.get(pk=pk).status


def wait_for_status(pk: int, status: str) -> PhoneNumber:
    wait_until(lambda: status_of(pk) == status)
    return PhoneNumber.objects.get(pk=pk)
