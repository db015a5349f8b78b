"""Outgoing webhooks end to end: domain events over real HTTP to a local receiver, signed per
Standard Webhooks, retried, disabled on 410, never sent for a change that rolled back."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from integrations import services
from integrations.models import Delivery, Event
from messaging import services as messaging_services

from ..conftest import wait_until
from .conftest import of_type

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def test_inbound_text_arrives_as_a_verified_message_received(
    line, other_line, bandwidth, celery_worker, receiver, make_endpoint, tenant_api
):
    endpoint, secret = make_endpoint(line.tenant, receiver.url + "/hooks")
    make_endpoint(other_line.tenant, receiver.url + "/other")
    started = time.monotonic()
    response = requests.post(
        f"{bandwidth.url}/_sim/messages/inbound",
        json={"from": "+19195550123", "to": line.e164, "text": "Is the plumber coming?"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    [request] = receiver.wait_for(of_type("message.received"), timeout=10)
    assert time.monotonic() - started < 5
    payload = Webhook(secret).verify(request.body, _headers(request))
    assert request.path == "/hooks"
    assert payload["type"] == "message.received" and payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["from"] == "+19195550123" and data["text"] == "Is the plumber coming?"
    assert data["phone_number"] == line.e164
    fetched = tenant_api.get(f"/api/v1/messages/{data['message_id']}/")
    assert fetched.status_code == 200 and fetched.json()["text"] == "Is the plumber coming?"
    # The other tenant's endpoint heard nothing of it.
    assert not [r for r in receiver.requests if r.path == "/other"]
    delivery = wait_until(
        lambda: Delivery.objects.filter(endpoint=endpoint, status="succeeded").first()
    )
    assert delivery.webhook_id == _headers(request)["webhook-id"]
    assert delivery.attempt_log.get().response_status == 200


def test_a_send_reports_sent_then_delivered(
    line, bandwidth, celery_worker, receiver, make_endpoint
):
    _, secret = make_endpoint(line.tenant, receiver.url + "/hooks")
    message = messaging_services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="On our way"
    ).message
    requests_seen = receiver.wait_for(of_type("message.status_changed"), timeout=15, count=2)
    verified = [Webhook(secret).verify(r.body, _headers(r)) for r in requests_seen]
    statuses = sorted((p["data"]["status"] for p in verified), key=["sent", "delivered"].index)
    assert statuses == ["sent", "delivered"]
    assert {p["data"]["message_id"] for p in verified} == {message.pk}
    assert len({_headers(r)["webhook-id"] for r in requests_seen}) == 2


def test_a_receiver_that_is_down_gets_the_event_once_it_is_back(
    tenant, celery_worker, receiver, make_endpoint, tenant_api
):
    endpoint, secret = make_endpoint(tenant, receiver.url + "/hooks", ["contact.opted_out"])
    answers = iter([503, 503, 500])

    def flaky(request):
        code = next(answers, 200)
        return code, {}, b"unavailable" if code != 200 else b"ok"

    receiver.respond(flaky)
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="api")
    [delivered] = wait_until(
        lambda: list(Delivery.objects.filter(endpoint=endpoint, status="succeeded")), timeout=20
    )
    assert delivered.attempts == 4
    webhook_ids = {_headers(r)["webhook-id"] for r in receiver.requests}
    assert webhook_ids == {delivered.webhook_id}  # the idempotency key held over the retries
    for request in receiver.requests:
        Webhook(secret).verify(request.body, _headers(request))
    log = tenant_api.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/").json()
    [entry] = log["results"]
    attempts = sorted(entry["attempt_log"], key=lambda a: a["number"])
    assert [a["number"] for a in attempts] == [1, 2, 3, 4]
    assert [a["response_status"] for a in attempts] == [503, 503, 500, 200]
    assert attempts[0]["response_excerpt"] == "unavailable"
    assert all(a["latency_ms"] >= 0 for a in attempts)
    assert "webhook-signature" not in attempts[0]["request_headers"]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.last_success_at is not None


def test_a_410_disables_the_endpoint_and_tells_its_owners(
    tenant, owner, login, celery_worker, receiver, make_endpoint
):
    endpoint, _ = make_endpoint(tenant, receiver.url + "/gone", ["contact.opted_out"])
    receiver.respond(lambda request: (410, {}, b"gone"))
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="api")
    wait_until(lambda: Delivery.objects.filter(endpoint=endpoint, status="failed").exists())
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    assert len(receiver.requests) == 1  # not retried
    wait_until(lambda: mail.outbox)
    assert owner.user.email in mail.outbox[0].to and endpoint.url in mail.outbox[0].body
    page = login(owner).get("/inbox/")
    assert b"webhook-banner" in page.content and endpoint.url.encode() in page.content
    # Later events are not sent to a disabled endpoint.
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550124", source="api")
    time.sleep(1)
    assert len(receiver.requests) == 1
    # Fixed and enabled again with a replay: the refused event and the one it missed arrive.
    receiver.respond(lambda request: (200, {}, b"ok"))
    services.webhook_endpoint_update(endpoint=endpoint, enabled=True, replay_missed=True)
    later = receiver.wait_for(lambda r: r.path == "/gone", count=3)
    assert sorted(r.json()["data"]["number"] for r in later[1:]) == [
        "+19195550123",
        "+19195550124",
    ]


def test_a_change_that_rolled_back_sends_nothing(tenant, celery_worker, receiver, make_endpoint):
    make_endpoint(tenant, receiver.url + "/hooks", ["contact.opted_out"])

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="api")
        assert Event.objects.count() == 1
        raise Abandon
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550124", source="api")
    receiver.wait_for(of_type("contact.opted_out"))
    time.sleep(0.5)
    assert [r.json()["data"]["number"] for r in receiver.requests] == ["+19195550124"]
    assert Event.objects.count() == 1


def test_rotation_signs_with_both_secrets_during_the_overlap(
    tenant, celery_worker, receiver, make_endpoint
):
    endpoint, old = make_endpoint(tenant, receiver.url + "/hooks", ["contact.opted_out"])
    endpoint, new = services.webhook_endpoint_rotate_secret(endpoint=endpoint)
    assert new != old and new.startswith("whsec_")
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="api")
    [request] = receiver.wait_for(of_type("contact.opted_out"))
    headers = _headers(request)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, headers)
    Webhook(new).verify(request.body, headers)
    # After the overlap only the new secret signs.
    endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    endpoint.save()
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550124", source="api")
    later = receiver.wait_for(of_type("contact.opted_out"), count=2)[-1]
    assert len(_headers(later)["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(later.body, _headers(later))


def test_failing_for_five_days_disables_and_reenabling_replays_what_was_missed(
    tenant, owner, celery_worker, receiver, make_endpoint
):
    endpoint, secret = make_endpoint(tenant, receiver.url + "/hooks", ["contact.opted_out"])
    endpoint.failing_since = timezone.now() - timedelta(days=5, minutes=1)
    endpoint.save()
    assert services.endpoints_check_health() == 1
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "5 days" in endpoint.disabled_reason
    wait_until(lambda: mail.outbox)
    # While it is off, events are kept but not sent.
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="api")
    time.sleep(0.5)
    assert receiver.requests == []
    services.webhook_endpoint_update(endpoint=endpoint, enabled=True, replay_missed=True)
    [request] = receiver.wait_for(of_type("contact.opted_out"))
    assert Webhook(secret).verify(request.body, _headers(request))["data"]["number"] == (
        "+19195550123"
    )


def test_replaying_failed_deliveries_keeps_their_webhook_id(
    tenant, celery_worker, receiver, make_endpoint, tenant_api, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0.1]
    endpoint, _ = make_endpoint(tenant, receiver.url + "/hooks", ["contact.opted_out"])
    receiver.respond(lambda request: (500, {}, b"broken"))
    since = timezone.now()
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="api")
    [failed] = wait_until(
        lambda: list(Delivery.objects.filter(endpoint=endpoint, status="failed")), timeout=10
    )
    assert failed.attempts == 2 and "gave up after 2 attempts" in failed.last_error
    receiver.respond(lambda request: (204, {}, b""))
    replayed = tenant_api.post(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/replay-failed/",
        {"since": since.isoformat()},
        format="json",
    )
    assert replayed.status_code == 202 and replayed.json() == {"replayed": 1}
    wait_until(lambda: Delivery.objects.filter(pk=failed.pk, status="succeeded").exists())
    assert {_headers(r)["webhook-id"] for r in receiver.requests} == {failed.webhook_id}
    one = tenant_api.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/deliveries/{failed.pk}/replay/")
    assert one.status_code == 202
    wait_until(lambda: Delivery.objects.get(pk=failed.pk).attempts == 4)


def test_the_test_button_sends_a_signed_ping(
    tenant, celery_worker, receiver, make_endpoint, tenant_api
):
    endpoint, secret = make_endpoint(tenant, receiver.url + "/hooks")
    response = tenant_api.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/test/")
    assert response.status_code == 202 and response.json()["event_type"] == "ping"
    [request] = receiver.wait_for(of_type("ping"))
    assert Webhook(secret).verify(request.body, _headers(request))["data"] == {
        "endpoint_id": endpoint.pk
    }


def test_the_sweep_sends_what_a_lost_task_left_behind(
    tenant, celery_worker, receiver, make_endpoint, monkeypatch
):
    endpoint, secret = make_endpoint(tenant, receiver.url + "/hooks", ["contact.opted_out"])
    monkeypatch.setattr(services, "_enqueue_fan_out", lambda pk: None)  # the broker lost it
    messaging_services.contact_opt_out(tenant=tenant, number="+19195550123", source="api")
    time.sleep(0.5)
    assert receiver.requests == [] and Event.objects.get().fanned_out_at is None
    later = timezone.now() + timedelta(minutes=1)
    monkeypatch.undo()
    assert services.outbox_sweep(now=later) == (1, 0)
    [request] = receiver.wait_for(of_type("contact.opted_out"))
    Webhook(secret).verify(request.body, _headers(request))
    wait_until(lambda: Delivery.objects.get(endpoint=endpoint).status == "succeeded")


def test_a_delivery_is_claimed_while_its_endpoint_row_is_locked(tenant, make_endpoint):
    """Deliveries to one endpoint run side by side: claiming one must not skip it because
    another transaction holds its endpoint's row (the settle of a failure locks it)."""
    import threading

    from django.db import connection

    from integrations.models import WebhookEndpoint

    endpoint, _ = make_endpoint(tenant, "https://hooks.example.com/in", ["contact.opted_out"])
    delivery = services.webhook_endpoint_ping(endpoint=endpoint)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        claimed = services._claim(delivery.pk)
    finally:
        release.set()
        holder.join()
    assert claimed is not None and claimed.pk == delivery.pk
