"""Staff admin: endpoints (no secrets shown), deliveries with their attempts, replay."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from core import secret_box
from integrations import services
from integrations.models import Delivery, DeliveryAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    return client


def test_admin_shows_deliveries_and_replays_them(staff, tenant, other_tenant):
    endpoint, secret = services.webhook_endpoint_create(
        tenant=tenant, url="https://hooks.example.com/a", event_types=["message.received"]
    )
    services.webhook_endpoint_create(
        tenant=other_tenant, url="https://hooks.example.com/b", event_types=["call.started"]
    )
    delivery = services.webhook_endpoint_ping(endpoint=endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=1)
    DeliveryAttempt.objects.create(
        tenant=tenant, delivery=delivery, number=1, url=endpoint.url, response_status=500
    )
    for path in [
        "/admin/integrations/webhookendpoint/",
        f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/",
        "/admin/integrations/delivery/?status__exact=failed",
        f"/admin/integrations/delivery/{delivery.pk}/change/",
        "/admin/integrations/event/",
    ]:
        response = staff.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert secret not in page and secret_box.decrypt(endpoint.secret_encrypted) not in page
    assert (
        "hooks.example.com/b" in staff.get("/admin/integrations/webhookendpoint/").content.decode()
    )
    response = staff.post(
        "/admin/integrations/delivery/",
        {"action": "replay", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "1 deliveries queued again" in response.content.decode()
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
