"""Settings > Webhooks: owners and admins add endpoints, see the secret once, read the delivery
log and replay; agents are refused; another tenant's endpoints are a 404."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/parley"


def test_owner_adds_an_endpoint_and_sees_the_secret_once(owner, login):
    client = login(owner)
    response = client.post(
        "/settings/webhooks/",
        {"url": URL, "description": "CRM", "event_types": ["message.received", "call.completed"]},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.tenant_id == owner.tenant_id
    assert endpoint.event_types == ["call.completed", "message.received"]
    page = response.content.decode()
    assert 'id="new-secret"' in page and "whsec_" in page
    again = client.get("/settings/webhooks/").content.decode()
    assert URL in again and "whsec_" not in again


def test_a_bad_url_is_a_400_naming_the_reason(admin_member, login, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False
    response = login(admin_member).post(
        "/settings/webhooks/", {"url": "http://hooks.example.com/", "event_types": ["ping"]}
    )
    assert response.status_code == 400
    response = login(admin_member).post(
        "/settings/webhooks/", {"url": "http://hooks.example.com/", "event_types": ["call.started"]}
    )
    assert response.status_code == 400 and "must use https" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_detail_page_shows_the_delivery_log_and_replays(owner, login):
    endpoint, _ = services.webhook_endpoint_create(
        tenant=owner.tenant, url=URL, event_types=["message.received"]
    )
    delivery = services.webhook_endpoint_ping(endpoint=endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=1)
    DeliveryAttempt.objects.create(
        tenant=owner.tenant,
        delivery=delivery,
        number=1,
        url=URL,
        response_status=503,
        latency_ms=42,
        response_excerpt="try later",
    )
    client = login(owner)
    page = client.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    assert delivery.webhook_id in page and "503" in page and "42 ms" in page
    assert "try later" in page
    response = client.post(f"/settings/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
    rotated = client.post(f"/settings/webhooks/{endpoint.pk}/rotate/").content.decode()
    assert 'id="new-secret"' in rotated and "whsec_" in rotated
    assert client.post(f"/settings/webhooks/{endpoint.pk}/toggle/").status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    replay = client.post(
        f"/settings/webhooks/{endpoint.pk}/replay-failed/",
        {"since": timezone.now().strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "Enable the endpoint" in replay.content.decode()
    assert client.post(f"/settings/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_agents_are_refused(agent, login):
    client = login(agent)
    assert client.get("/settings/webhooks/").status_code == 403
    response = client.post("/settings/webhooks/", {"url": URL, "event_types": ["call.started"]})
    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_another_tenants_endpoint_is_404(owner, other_owner, login):
    theirs, _ = services.webhook_endpoint_create(
        tenant=other_owner.tenant, url=URL, event_types=["message.received"]
    )
    delivery = services.webhook_endpoint_ping(endpoint=theirs)
    client = login(owner)
    assert URL not in client.get("/settings/webhooks/").content.decode()
    base = f"/settings/webhooks/{theirs.pk}"
    assert client.get(f"{base}/").status_code == 404
    for action in ["rotate", "test", "toggle", "delete", f"deliveries/{delivery.pk}/replay"]:
        assert client.post(f"{base}/{action}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.enabled and WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


def test_the_banner_shows_managers_a_disabled_endpoint(owner, agent, login):
    endpoint, _ = services.webhook_endpoint_create(
        tenant=owner.tenant, url=URL, event_types=["message.received"]
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_reason="the receiver answered 410 Gone"
    )
    assert "410 Gone" in login(owner).get("/settings/members/").content.decode()
    assert "webhook-banner" not in login(agent).get("/settings/members/").content.decode()
