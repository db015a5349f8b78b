"""POST /webhooks/bandwidth/portins/ (Basic with the 401 challenge, two tenants), the reconciler
and the documents' retention."""

from __future__ import annotations

import base64
from datetime import timedelta
from numbers.models import PhoneNumber

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from porting import services, tasks
from porting.models import PortInDocument, PortInRequest

from ..conftest import wait_until
from .conftest import OTHER_PORTED, PORTED, order_id_of, sim, submitted

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/webhooks/bandwidth/portins/"


def notification(order_id: str, status: str, note: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Notification>'
        "<SubscriptionId>sub-1</SubscriptionId><OrderType>portins</OrderType>"
        f"<OrderId>{order_id}</OrderId><Status>{status}</Status><Note>{note}</Note>"
        "<LastModifiedDate>2026-11-23T16:00:00.000Z</LastModifiedDate></Notification>"
    )


def credentials(bandwidth) -> str:
    with bandwidth.emulator.state.lock:
        subscription = next(
            s for s in bandwidth.emulator.state.subscriptions.values() if s.order_type == "portins"
        )
    username, password = subscription.credentials
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def post(client, body: str, auth: str | None = None):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(URL, body, content_type="application/xml", **extra)


def test_without_or_with_wrong_credentials_the_answer_is_the_basic_challenge(
    lines, tenant_api, client, bandwidth
):
    port_in = submitted(tenant_api, [PORTED])
    body = notification(order_id_of(port_in["id"]), "COMPLETE")
    for auth in (None, "Basic " + base64.b64encode(b"p-1:wrong").decode(), "Bearer x"):
        response = post(client, body, auth)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic")
    assert PortInRequest.objects.get(pk=port_in["id"]).status == "SUBMITTED"


def test_a_notification_moves_only_the_order_it_names_and_reads_it_again(
    lines, tenant_api, other_api, client, bandwidth
):
    mine = submitted(tenant_api, [PORTED])
    theirs = submitted(other_api, [OTHER_PORTED])
    assert bandwidth.emulator.scheduler.drain(10)
    with bandwidth.emulator.state.lock:
        order = bandwidth.emulator.state.portins[order_id_of(mine["id"])]
        order.status = "FOC"
        order.actual_foc = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    response = post(
        client,
        notification(order_id_of(mine["id"]), "FOC", "Order waiting for activation"),
        credentials(bandwidth),
    )
    assert response.status_code == 200
    row = PortInRequest.objects.get(pk=mine["id"])
    assert row.status == "FOC"
    assert row.foc_at is not None
    assert PortInRequest.objects.get(pk=theirs["id"]).status == "SUBMITTED"
    again = post(client, notification(order_id_of(mine["id"]), "FOC"), credentials(bandwidth))
    assert again.status_code == 200
    assert row.events.filter(status="FOC").count() == 1
    unknown = post(client, notification("no-such-order", "COMPLETE"), credentials(bandwidth))
    assert unknown.status_code == 200
    assert post(client, "<nonsense", credentials(bandwidth)).status_code == 400


def test_reconciler_reads_port_ins_no_notification_moved_for_a_day(
    lines, tenant_api, other_api, bandwidth
):
    stale = submitted(tenant_api, [PORTED])
    fresh = submitted(other_api, [OTHER_PORTED])
    assert bandwidth.emulator.scheduler.drain(10)
    for pk in (stale["id"], fresh["id"]):
        with bandwidth.emulator.state.lock:
            bandwidth.emulator.state.portins[order_id_of(pk)].status = "FOC"
    day_ago = timezone.now() - timedelta(days=1, minutes=5)
    PortInRequest.objects.filter(pk=stale["id"]).update(moved_at=day_ago, synced_at=day_ago)

    assert services.port_ins_to_reconcile() == [stale["id"]]
    assert tasks.reconcile_port_ins() == 1
    assert PortInRequest.objects.get(pk=stale["id"]).status == "FOC"
    assert PortInRequest.objects.get(pk=fresh["id"]).status == "SUBMITTED"
    assert services.port_ins_to_reconcile() == []


def test_documents_are_deleted_after_the_retention_period(lines, tenant_api, bandwidth, settings):
    settings.PORTING_DOCUMENT_RETENTION_DAYS = 30
    port_in = submitted(tenant_api, [PORTED])
    sim(bandwidth, port_in["id"], status="COMPLETE")
    wait_until(lambda: PhoneNumber.objects.get(number=PORTED).status == "active")
    names = [d.file.name for d in PortInDocument.objects.all()]
    assert names and all(default_storage.exists(n) for n in names)

    assert tasks.purge_port_in_documents() == 0
    PortInRequest.objects.filter(pk=port_in["id"]).update(
        closed_at=timezone.now() - timedelta(days=31)
    )
    assert tasks.purge_port_in_documents() == len(names)
    assert not any(default_storage.exists(n) for n in names)
    assert PortInDocument.objects.filter(purged_at=None).count() == 0
    assert tenant_api.get(f"/api/v1/port-ins/{port_in['id']}/").json()["documents"] == []


def test_completion_tells_the_apps_above_numbers_through_the_signal(lines, tenant_api, bandwidth):
    from numbers.signals import number_status_changed

    seen: list[tuple[str, str, str]] = []

    def receiver(sender, phone_number, old_status, new_status, **kwargs):
        seen.append((phone_number.number, old_status, new_status))

    number_status_changed.connect(receiver, dispatch_uid="test-porting-signal")
    try:
        port_in = submitted(tenant_api, [PORTED])
        sim(bandwidth, port_in["id"], status="COMPLETE")
        wait_until(lambda: PhoneNumber.objects.get(number=PORTED).status == "active")
    finally:
        number_status_changed.disconnect(dispatch_uid="test-porting-signal")
    assert seen == [(PORTED, "porting", "active")]
    assert PortInRequest.objects.get(pk=port_in["id"]).closed_at is not None


@pytest.mark.parametrize(
    ("bandwidth_status", "shown"),
    [
        ("VALIDATE_TFNS", "SUBMITTED"),
        ("INVALID_TFNS", "EXCEPTION"),
        ("SOMETHING_NEW", "SUBMITTED"),
    ],
)
def test_toll_free_validation_states_are_told_as_what_they_amount_to(
    lines, tenant_api, bandwidth, bandwidth_status, shown
):
    port_in = submitted(tenant_api, [PORTED])
    assert bandwidth.emulator.scheduler.drain(10)
    with bandwidth.emulator.state.lock:
        bandwidth.emulator.state.portins[order_id_of(port_in["id"])].status = bandwidth_status
    services.port_in_sync(port_in_id=port_in["id"])
    assert PortInRequest.objects.get(pk=port_in["id"]).status == shown
