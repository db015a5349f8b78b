"""Messaging fixtures: fast retries, webhook helpers, inbound texts through the emulator."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from numbers.models import PhoneNumber
from typing import Any

import pytest
import requests
from django.test import Client

from carrier.models import Provisioning
from carrier.webhook_auth import generate_tenant_credentials
from messaging import memo, services
from tenants.models import Tenant


@pytest.fixture(autouse=True)
def _fresh_memos() -> None:
    """The webhook's per-process memos and wake throttle start empty, like the cache."""
    memo.clear()
    services.wake_throttle.reset()


def drain() -> int:
    """Processes the stored events now, as the woken drain task would (tests about processing)."""
    return services.raw_events_drain()


@pytest.fixture(autouse=True)
def _fast_messaging(settings: Any) -> None:
    settings.RETRY_BASE_SECONDS = 0.05
    settings.RETRY_MAX_SECONDS = 0.5
    settings.MESSAGING_RECONCILE_DELAY_SECONDS = 0.3
    settings.MESSAGING_RECONCILE_GRACE_SECONDS = 1.0
    settings.MESSAGING_STUCK_AFTER_SECONDS = 0


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class Wired:
    """A tenant with an active number and callback credentials, without the emulator."""

    def __init__(self, tenant: Tenant, e164: str) -> None:
        creds = generate_tenant_credentials(tenant.id)
        self.tenant = tenant
        self.username, self.password = creds.username, creds.password
        Provisioning.objects.update_or_create(
            tenant=tenant,
            defaults={
                "status": Provisioning.Status.READY,
                "messaging_application_id": "app-" + tenant.slug,
                "callback_username": creds.username,
                "callback_password_hash": creds.password_hash,
            },
        )
        self.number = PhoneNumber.objects.create(
            tenant=tenant,
            number=e164,
            status=PhoneNumber.Status.ACTIVE,
            messaging_status=PhoneNumber.MessagingStatus.READY,
        )
        self.e164 = e164

    @property
    def auth(self) -> str:
        return basic(self.username, self.password)


@pytest.fixture
def wired(tenant: Tenant) -> Wired:
    return Wired(tenant, "+19195550101")


@pytest.fixture
def other_wired(other_tenant: Tenant) -> Wired:
    return Wired(other_tenant, "+19195550202")


def received(
    our: str,
    sender: str,
    text: str,
    *,
    message_id: str = "1700000000000abcdefghijklmnop",
    to: list[str] | None = None,
    media: list[str] | None = None,
    direction: str = "in",
) -> dict[str, Any]:
    recipients = to or [our]
    return {
        "type": "message-received",
        "time": "2026-11-23T10:00:00.000Z",
        "description": "Incoming message received",
        "to": our,
        "message": {
            "id": message_id,
            "time": "2026-11-23T10:00:00.000Z",
            "to": recipients,
            "from": sender,
            "text": text,
            "applicationId": "app",
            "media": media or [],
            "owner": our,
            "direction": direction,
            "segmentCount": 1,
        },
    }


def status_event(
    kind: str, our: str, recipient: str, message_id: str, error_code: int | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "time": "2026-11-23T10:00:01.000Z",
        "description": "ok",
        "to": recipient,
        "message": {
            "id": message_id,
            "time": "2026-11-23T10:00:00.000Z",
            "to": [recipient],
            "from": our,
            "text": "",
            "applicationId": "app",
            "owner": our,
            "direction": "out",
            "segmentCount": 1,
        },
    }
    if error_code is not None:
        event["errorCode"] = error_code
    return event


def post_events(client: Client, auth: str | None, events: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(
        "/webhooks/bandwidth/messaging/",
        data=json.dumps(events),
        content_type="application/json",
        **headers,
    )


@pytest.fixture
def text_in(bandwidth: Any) -> Callable[..., dict[str, Any]]:
    """Simulates a text from a handset to our number through the emulator's sim endpoint."""

    def send(sender: str, to: str | list[str], text: str, media: list[Any] | None = None) -> Any:
        body: dict[str, Any] = {"from": sender, "to": to, "text": text}
        if media:
            body["media"] = media
        response = requests.post(f"{bandwidth.url}/_sim/messages/inbound", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    return send


def emulator_messages(bandwidth: Any, direction: str = "out") -> list[Any]:
    with bandwidth.emulator.state.lock:
        return [m for m in bandwidth.emulator.state.messages.values() if m.direction == direction]
