"""The webhook endpoints API: owners and admins manage endpoints; another tenant's are a 404."""

from __future__ import annotations

import pytest
import yaml
from standardwebhooks import Webhook

from core import secret_box
from integrations import catalogue, services
from integrations.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/parley"


def _create(client, **body):
    body = {"url": URL, "event_types": ["message.received"], **body}
    return client.post("/api/v1/webhook-endpoints/", body, format="json")


def test_create_shows_the_secret_once_and_stores_it_encrypted(tenant, tenant_api):
    response = _create(
        tenant_api, description="CRM", event_types=["message.received", "call.completed"]
    )
    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    Webhook(secret)  # a valid Standard Webhooks secret
    assert body["event_types"] == ["call.completed", "message.received"]
    assert body["enabled"] is True and body["description"] == "CRM"
    stored = WebhookEndpoint.objects.get(pk=body["id"])
    assert secret not in stored.secret_encrypted
    assert secret_box.decrypt(stored.secret_encrypted) == secret
    fetched = tenant_api.get(f"/api/v1/webhook-endpoints/{body['id']}/").json()
    assert "secret" not in fetched and fetched["url"] == URL
    listed = tenant_api.get("/api/v1/webhook-endpoints/").json()["results"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]


def test_patch_changes_fields_and_delete_removes(tenant, tenant_api):
    pk = _create(tenant_api).json()["id"]
    response = tenant_api.patch(
        f"/api/v1/webhook-endpoints/{pk}/",
        {"event_types": ["number.activated"], "enabled": False, "description": "off"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["event_types"] == ["number.activated"]
    assert response.json()["enabled"] is False
    assert tenant_api.delete(f"/api/v1/webhook-endpoints/{pk}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=pk).exists()


def test_rotate_secret_returns_a_new_one_and_keeps_the_old_for_the_overlap(tenant, tenant_api):
    created = _create(tenant_api).json()
    response = tenant_api.post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret/")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != created["secret"] and response.json()["previous_secret_expires_at"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert secret_box.decrypt(endpoint.previous_secret_encrypted) == created["secret"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event_types": ["message.exploded"]}, "event_types[0]"),
        ({"event_types": []}, "event_types"),
        ({"url": ""}, "url"),
        ({"url": "ftp://hooks.example.com/"}, "url"),
        ({"url": "https://user:pw@hooks.example.com/"}, "url"),
        ({"description": "x" * 201}, "description"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(tenant, tenant_api, body, field):
    response = _create(tenant_api, **body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_another_tenants_endpoints_and_deliveries_are_404(
    tenant, other_tenant, tenant_api, other_api
):
    theirs, _ = services.webhook_endpoint_create(
        tenant=other_tenant, url=URL, event_types=["message.received"]
    )
    delivery = services.webhook_endpoint_ping(endpoint=theirs)
    mine = _create(tenant_api).json()["id"]
    base = f"/api/v1/webhook-endpoints/{theirs.pk}"
    assert [e["id"] for e in tenant_api.get("/api/v1/webhook-endpoints/").json()["results"]] == [
        mine
    ]
    assert tenant_api.get(f"{base}/").status_code == 404
    assert tenant_api.patch(f"{base}/", {"enabled": False}, format="json").status_code == 404
    assert tenant_api.delete(f"{base}/").status_code == 404
    assert tenant_api.post(f"{base}/rotate-secret/").status_code == 404
    assert tenant_api.post(f"{base}/test/").status_code == 404
    assert tenant_api.get(f"{base}/deliveries/").status_code == 404
    assert tenant_api.post(f"{base}/deliveries/{delivery.pk}/replay/").status_code == 404
    assert (
        tenant_api.post(
            f"{base}/replay-failed/", {"since": "2026-01-01T00:00:00Z"}, format="json"
        ).status_code
        == 404
    )
    # Their delivery under my endpoint is not found either.
    assert (
        tenant_api.post(
            f"/api/v1/webhook-endpoints/{mine}/deliveries/{delivery.pk}/replay/"
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.enabled
    assert other_api.get(f"{base}/deliveries/").json()["results"][0]["event_type"] == "ping"


def test_delivery_log_filters_are_checked(tenant, tenant_api):
    pk = _create(tenant_api).json()["id"]
    bad = tenant_api.get(f"/api/v1/webhook-endpoints/{pk}/deliveries/?status=lost")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    bad = tenant_api.get(f"/api/v1/webhook-endpoints/{pk}/deliveries/?since=yesterday")
    assert bad.status_code == 400 and "since" in bad.json()["error"]["fields"]


def test_agents_may_look_but_not_change(tenant, agent, login):
    client = login(agent)
    assert client.get("/api/v1/webhook-endpoints/").status_code == 200
    response = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": URL, "event_types": ["message.received"]},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_every_event_schema_is_in_the_openapi_components(tenant_api):
    response = tenant_api.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    components = schema["components"]["schemas"]
    for event_type in [*catalogue.EVENT_TYPES, catalogue.PING]:
        entry = components[catalogue.component_name(event_type)]
        assert entry["properties"]["type"]["enum"] == [event_type]
        assert entry["required"] == ["type", "timestamp", "data"]
    paths = schema["paths"]
    assert "/api/v1/webhook-endpoints/{id}/deliveries/" in paths
    assert "/api/v1/webhook-endpoints/{id}/rotate-secret/" in paths


def test_the_readme_documents_every_event():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for event_type in catalogue.EVENT_TYPES:
        assert f"`{event_type}`" in readme


def test_rotate_field_keys_re_encrypts_webhook_secrets(tenant, settings):
    from cryptography.fernet import Fernet

    from carrier import services as carrier_services

    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    endpoint, secret = services.webhook_endpoint_create(
        tenant=tenant, url=URL, event_types=["message.received"]
    )
    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    results = {r.field: r for r in carrier_services.field_keys_rotate()}
    assert results["integrations.WebhookEndpoint.secret_encrypted"].rotated == 1
    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    endpoint.refresh_from_db()
    assert secret_box.decrypt(endpoint.secret_encrypted) == secret


def test_old_settled_events_are_purged_and_pending_ones_kept(tenant):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import Delivery, Event

    endpoint, _ = services.webhook_endpoint_create(
        tenant=tenant, url=URL, event_types=["message.received"]
    )
    settled = services.webhook_endpoint_ping(endpoint=endpoint)
    pending = services.webhook_endpoint_ping(endpoint=endpoint)
    Delivery.objects.filter(pk=settled.pk).update(status="succeeded")
    old = timezone.now() - timedelta(days=31)
    Event.objects.update(created_at=old)
    assert services.outbox_purge() == 1
    assert list(Delivery.objects.values_list("pk", flat=True)) == [pending.pk]
