"""Settings > Webhooks in Chromium: add an endpoint pointing at a local receiver, copy the secret
shown once, send a test ping, and read its delivery in the log."""

import pytest
from standardwebhooks import Webhook

from integrations.models import Delivery, WebhookEndpoint

from ..conftest import sign_in, wait_until
from .conftest import of_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_adds_an_endpoint_and_pings_it(
    browser_page, owner, other_owner, celery_worker, receiver
):
    page = browser_page
    sign_in(page, owner)
    page.goto("/settings/members/")
    page.click("text=Webhooks")
    page.wait_for_url("**/settings/webhooks/")
    page.fill("#id_url", receiver.url + "/hooks")
    page.fill("#id_description", "Our CRM")
    page.click("form >> text=Add endpoint")
    secret = page.inner_text("#new-secret code.secret")
    endpoint = WebhookEndpoint.objects.get(tenant=owner.tenant)
    assert secret.startswith("whsec_")

    page.click(f"#endpoint-{endpoint.pk} >> a")
    page.click("text=Send a test ping")
    [request] = receiver.wait_for(of_type("ping"), timeout=15)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert Webhook(secret).verify(request.body, headers)["data"]["endpoint_id"] == endpoint.pk
    wait_until(lambda: Delivery.objects.filter(endpoint=endpoint, status="succeeded").exists())
    page.reload()
    row = page.inner_text("#deliveries")
    assert "ping" in row and headers["webhook-id"] in row and "succeeded" in row
