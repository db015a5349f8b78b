"""POST /webhooks/bandwidth/numbers/: Basic auth with the 401 challenge, idempotency, unknown
orders, and another account's credentials."""

from __future__ import annotations

import base64
from numbers.models import NumberOrder, PhoneNumber

import pytest

from carrier.models import BandwidthAccount

from ..conftest import wait_until
from .conftest import buy, search, wait_for_status

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/webhooks/bandwidth/numbers/"


def notification(
    order_id: str, status: str = "COMPLETE", numbers: tuple[str, ...] = (), customer: str = ""
) -> str:
    listed = "".join(f"<TelephoneNumber>{n[2:]}</TelephoneNumber>" for n in numbers)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Notification>'
        "<SubscriptionId>sub-1</SubscriptionId><OrderType>orders</OrderType>"
        f"<OrderId>{order_id}</OrderId><CustomerOrderId>{customer}</CustomerOrderId><Status>{status}</Status><Message>Created</Message>"
        f"<CompletedTelephoneNumbers>{listed}</CompletedTelephoneNumbers>"
        "<LastModifiedDate>2026-11-23T16:00:00.000Z</LastModifiedDate></Notification>"
    )


def credentials(emulator) -> str:
    subscription = next(iter(emulator.state.subscriptions.values()))
    username, password = subscription.credentials
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def post(client, body: str, auth: str | None = None):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(URL, body, content_type="application/xml", **extra)


def test_without_credentials_the_answer_is_the_basic_challenge(ready, client):
    response = post(client, notification("whatever"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "auth",
    [
        "Basic " + base64.b64encode(b"a-1:wrong").decode(),
        "Basic " + base64.b64encode(b"t-0000:x").decode(),
        "Basic !!!",
        "Bearer abc",
    ],
)
def test_wrong_credentials_get_the_challenge_too(ready, client, auth):
    response = post(client, notification("whatever"), auth)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_a_tenants_callback_credentials_do_not_open_the_numbers_webhook(ready, client, tenant):
    app = next(a for a in ready.emulator.state.applications.values() if a.inbound_credentials)
    username, password = app.inbound_credentials
    auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    assert post(client, notification("whatever"), auth).status_code == 401


def test_an_unknown_order_gets_2xx_and_a_log_line(ready, client, caplog):
    with caplog.at_level("INFO", logger="numbers.webhooks"):
        response = post(client, notification("no-such-order"), credentials(ready.emulator))
    assert response.status_code == 200
    assert "unknown order no-such-order" in caplog.text


def test_unreadable_xml_is_400_after_authentication(ready, client):
    assert post(client, "<not-xml", credentials(ready.emulator)).status_code == 400


def test_replayed_and_late_notifications_change_nothing(ready, client, tenant_api, celery_worker):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    wait_for_status(pk, "active")
    order = NumberOrder.objects.get()
    completed_at = order.completed_at
    auth = credentials(ready.emulator)

    for status in ("COMPLETE", "COMPLETE", "RECEIVED", "FAILED"):
        body = notification(order.bandwidth_order_id, status, (number,))
        assert post(client, body, auth).status_code == 200

    order.refresh_from_db()
    assert order.status == NumberOrder.Status.COMPLETE and order.completed_at == completed_at
    assert PhoneNumber.objects.get(pk=pk).status == "active"


def test_another_accounts_notification_cannot_touch_the_platforms_orders(
    ready, client, tenant, tenant_api, celery_worker
):
    from carrier.webhook_auth import generate_account_credentials

    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    ready.emulator.state.subscriptions.clear()  # only our forged notification arrives
    pk = buy(tenant_api, [number])[0]["id"]
    order = wait_until(lambda: NumberOrder.objects.filter(bandwidth_order_id__isnull=False).first())
    foreign = BandwidthAccount.objects.create(name="Theirs", account_id="5550001")
    creds = generate_account_credentials(foreign.pk)
    foreign.notification_username = creds.username
    foreign.notification_password_hash = creds.password_hash
    foreign.save()
    auth = "Basic " + base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()

    body = notification(order.bandwidth_order_id, "COMPLETE", (number,))
    assert post(client, body, auth).status_code == 200

    assert PhoneNumber.objects.get(pk=pk).status == "ordering"


def test_a_notification_that_overtakes_the_purchase_commit_is_applied_later(
    ready, client, tenant_api, celery_worker
):
    auth = credentials(ready.emulator)
    ready.emulator.state.subscriptions.clear()  # we deliver the notification ourselves
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    order = wait_until(lambda: NumberOrder.objects.filter(bandwidth_order_id__isnull=False).first())
    placed = ready.emulator.state.orders[order.bandwidth_order_id]
    wait_until(lambda: placed.status == "COMPLETE")
    # As if the purchase's transaction had not committed when the notification came.
    NumberOrder.objects.filter(pk=order.pk).update(bandwidth_order_id=None)

    body = notification(order.bandwidth_order_id, "COMPLETE", (number,), order.customer_order_id)
    assert post(client, body, auth).status_code == 200

    NumberOrder.objects.filter(pk=order.pk).update(bandwidth_order_id=order.bandwidth_order_id)
    wait_for_status(pk, "active")
    assert NumberOrder.objects.get(pk=order.pk).status == "COMPLETE"


def test_another_account_cannot_name_the_bandwidth_id_of_our_order(ready, client, tenant):
    from carrier.webhook_auth import generate_account_credentials

    order = NumberOrder.objects.create(
        tenant=tenant,
        kind=NumberOrder.Kind.ORDER,
        customer_order_id="parley-ours-1",
        numbers=["+19195550999"],
    )
    foreign = BandwidthAccount.objects.create(name="Theirs", account_id="5550002")
    creds = generate_account_credentials(foreign.pk)
    foreign.notification_username = creds.username
    foreign.notification_password_hash = creds.password_hash
    foreign.save()
    auth = "Basic " + base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()

    body = notification("forged-1", "COMPLETE", ("+19195550999",), "parley-ours-1")
    assert post(client, body, auth).status_code == 200

    order.refresh_from_db()
    assert order.bandwidth_order_id is None and order.status == NumberOrder.Status.RECEIVED
