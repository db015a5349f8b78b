"""Webhook fixtures: a local receiver over real HTTP, fast retry waits, endpoint helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from integrations import services
from integrations.models import WebhookEndpoint
from messaging import memo
from messaging import services as messaging_services
from tenants.models import Tenant

from ..bandwidth.receiver import Receiver
from ..numbers.conftest import provision, ready  # noqa: F401 (tenants provisioned on the emulator)


@pytest.fixture(autouse=True)
def _fast_webhooks(settings: Any) -> None:
    settings.WEBHOOK_RETRY_SCHEDULE = [0.3, 0.3, 0.3, 0.3, 0.3]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    settings.RETRY_BASE_SECONDS = 0.05
    settings.RETRY_MAX_SECONDS = 0.5
    settings.MESSAGING_RECONCILE_DELAY_SECONDS = 0.3
    settings.MESSAGING_RECONCILE_GRACE_SECONDS = 1.0
    memo.clear()
    messaging_services.wake_throttle.reset()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def make_endpoint() -> Callable[..., tuple[WebhookEndpoint, str]]:
    def make(tenant: Tenant, url: str, event_types: list[str] | None = None):
        return services.webhook_endpoint_create(
            tenant=tenant,
            url=url,
            event_types=event_types or ["message.received", "message.status_changed"],
        )

    return make


def of_type(kind: str) -> Callable[[Any], bool]:
    return lambda request: request.json()["type"] == kind
