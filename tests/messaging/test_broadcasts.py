"""Broadcasts: a tag or an imported list texted from a pool of numbers through the ordinary
send path; skips counted, replies in each recipient's conversation, pause and cancel, the
report, the API with an Idempotency-Key, nothing sent twice, and two tenants."""

from __future__ import annotations

from datetime import timedelta
from numbers.models import PhoneNumber

import pytest
from django.utils import timezone

from messaging import services
from messaging.models import Broadcast, BroadcastRecipient, Contact, Message, Tag
from messaging.services import broadcasts as broadcast_services
from tenants import services as tenant_services

from ..conftest import wait_until
from .conftest import emulator_messages

SENDABLE = [f"+1919555{1000 + i:04d}" for i in range(5)]
OPTED_OUT = "+19195551100"
BLOCKED = "+19195551101"
ABROAD = "+442079460018"  # outside the tenant's allowed countries: cannot be texted

pytestmark = pytest.mark.django_db


def _audience(tenant, tag: str = "spring") -> None:
    for number in [*SENDABLE, OPTED_OUT, BLOCKED, ABROAD]:
        services.contact_create(tenant=tenant, number=number, tags=[tag])
    services.contact_opt_out(tenant=tenant, number=OPTED_OUT, source="agent")
    tenant_services.blocked_number_add(tenant=tenant, number=BLOCKED)


def _second_number(line, bandwidth=None, e164: str = "+19195550109") -> PhoneNumber:
    if bandwidth is not None:
        bandwidth.emulator.state.put_in_service(
            e164, line.provisioning.site_id, line.provisioning.peer_id
        )
        bandwidth.emulator.state.register_number(e164)
    return PhoneNumber.objects.create(
        tenant=line.tenant,
        number=e164,
        status=PhoneNumber.Status.ACTIVE,
        messaging_status=PhoneNumber.MessagingStatus.READY,
    )


def test_not_textable_is_decided_in_one_place(tenant):
    refused = services.recipients_not_textable(tenant=tenant, numbers=[SENDABLE[0], ABROAD])
    assert list(refused) == [ABROAD] and refused[ABROAD]


@pytest.mark.django_db(transaction=True)
def test_a_small_broadcast_from_two_numbers(
    line, bandwidth, celery_worker, tenant_api, other_api, other_tenant, text_in
):
    second = _second_number(line, bandwidth)
    _audience(line.tenant)
    services.contact_create(tenant=other_tenant, number="+19195551999", tags=["spring"])
    body = {
        "name": "Spring sale",
        "text": "20% off this week",
        "from": [line.e164, second.number],
        "tag": "spring",
    }
    created = tenant_api.post(
        "/api/v1/broadcasts/", body, format="json", HTTP_IDEMPOTENCY_KEY="spring-1"
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "sending" and data["recipient_count"] == 8
    assert (data["skipped_opted_out"], data["skipped_blocked"], data["skipped_not_textable"]) == (
        1,
        1,
        1,
    )
    assert data["report"]["eta_seconds"] > 0 and data["rate_per_second"] == 2.0
    again = tenant_api.post(
        "/api/v1/broadcasts/", body, format="json", HTTP_IDEMPOTENCY_KEY="spring-1"
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == data["id"] and Broadcast.objects.count() == 1
    broadcast = Broadcast.objects.get(pk=data["id"])

    def all_delivered():
        return Message.objects.filter(
            broadcast_recipient__broadcast=broadcast, status="delivered"
        ).count() == len(SENDABLE)

    wait_until(all_delivered, timeout=60)
    broadcast.refresh_from_db()
    assert broadcast.status == "done"
    sent = [m for m in emulator_messages(bandwidth) if m.text == "20% off this week"]
    assert sorted(m.to[0] for m in sent) == SENDABLE  # each once; nobody skipped got it
    assert {m.from_ for m in sent} == {line.e164, second.number}
    assert bandwidth.emulator.message_limiter.refusals == 0

    replier = BroadcastRecipient.objects.get(broadcast=broadcast, number=SENDABLE[0])
    text_in(SENDABLE[0], replier.phone_number.number, "Is it on shoes too?")
    stopper = BroadcastRecipient.objects.get(broadcast=broadcast, number=SENDABLE[1])
    text_in(SENDABLE[1], stopper.phone_number.number, "STOP")
    conversation = replier.message.conversation

    def reply_stored():
        return (
            conversation.messages.filter(direction="in").exists()
            and Contact.objects.get(tenant=line.tenant, number=SENDABLE[1]).opted_out
        )

    wait_until(reply_stored, timeout=30)
    assert conversation.participants == [SENDABLE[0]]
    report = tenant_api.get(f"/api/v1/broadcasts/{broadcast.pk}/").json()["report"]
    assert (report["sent"], report["delivered"], report["failed"]) == (5, 5, 0)
    assert report["skipped"] == {"opted_out": 1, "blocked": 1, "not_textable": 1, "refused": 0}
    assert (report["replied"], report["opted_out"], report["progress"]) == (2, 1, 100)
    assert other_api.get(f"/api/v1/broadcasts/{broadcast.pk}/").status_code == 404
    assert other_api.get("/api/v1/broadcasts/").json()["results"] == []
    assert [b["id"] for b in tenant_api.get("/api/v1/broadcasts/").json()["results"]] == [
        broadcast.pk
    ]


def _broadcast(wired, numbers: list[str], **kwargs) -> Broadcast:
    return services.broadcast_create(
        tenant=wired.tenant,
        name="Promo",
        text="Hello from Acme",
        from_numbers=numbers,
        tag=Tag.objects.get(tenant=wired.tenant, name="spring"),
        **kwargs,
    ).broadcast


@pytest.fixture
def pool(wired) -> list[str]:
    for i in range(16):
        services.contact_create(tenant=wired.tenant, number=f"+1919556{i:04d}", tags=["spring"])
    PhoneNumber.objects.create(
        tenant=wired.tenant,
        number="+19195550109",
        status=PhoneNumber.Status.ACTIVE,
        messaging_status=PhoneNumber.MessagingStatus.READY,
    )
    return [wired.e164, "+19195550109"]


def test_the_advance_schedules_a_few_seconds_of_slots_then_pause_and_cancel(wired, pool, settings):
    """Each number gets the messages whose slots (1 s apart at 1 segment/s, plus the limiter's
    margin) fall within the lookahead, each scheduled for its slot."""
    settings.BROADCAST_LOOKAHEAD_SECONDS = 2.05
    broadcast = _broadcast(wired, pool)
    recipients = BroadcastRecipient.objects.filter(broadcast=broadcast)
    assert set(recipients.values_list("phone_number__number", flat=True)) == set(pool)
    assert services.broadcast_advance(broadcast_id=broadcast.pk) == 1.0
    queued = recipients.filter(status="queued")
    assert queued.count() == 6  # slots at 0, 1.02 and 2.04 s on each of the 2 numbers
    for number in pool:
        slots = sorted(
            Message.objects.filter(
                broadcast_recipient__broadcast=broadcast,
                from_number=number,
                scheduled_for__isnull=False,
            ).values_list("scheduled_for", flat=True)
        )
        assert len(slots) == 2 and (slots[1] - slots[0]).total_seconds() == pytest.approx(1.02)
    services.broadcast_advance(broadcast_id=broadcast.pk)
    assert queued.count() == 6  # the next slots are beyond the lookahead
    recipients.exclude(slot_at=None).update(slot_at=timezone.now() - timedelta(seconds=10))
    services.broadcast_advance(broadcast_id=broadcast.pk)  # as if 10 s had passed
    assert queued.count() == 12
    services.broadcast_pause(broadcast=broadcast)
    recipients.exclude(slot_at=None).update(slot_at=timezone.now() - timedelta(seconds=10))
    assert services.broadcast_advance(broadcast_id=broadcast.pk) is None
    assert queued.count() == 12
    services.broadcast_resume(broadcast=broadcast)
    services.broadcast_cancel(broadcast=broadcast)
    assert recipients.filter(status="canceled").count() == 4
    assert services.broadcast_advance(broadcast_id=broadcast.pk) is None
    broadcast.refresh_from_db()
    report = services_report(wired, broadcast)
    assert (report["canceled"], report["pending"], report["eta_seconds"]) == (4, 0, 0)


def services_report(wired, broadcast):
    from messaging import selectors

    return selectors.broadcast_report(tenant=wired.tenant, broadcast=broadcast)


def test_a_crash_mid_batch_sends_nobody_twice(wired, pool, monkeypatch, settings):
    settings.BROADCAST_LOOKAHEAD_SECONDS = 100
    broadcast = _broadcast(wired, pool)
    real = broadcast_services.message_send
    calls = {"n": 0}

    def dies_on_the_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(broadcast_services, "message_send", dies_on_the_third)
    with pytest.raises(RuntimeError):
        services.broadcast_advance(broadcast_id=broadcast.pk)
    monkeypatch.setattr(broadcast_services, "message_send", real)
    handed = Message.objects.filter(tag__startswith=f"broadcast:{broadcast.pk}:")
    assert handed.count() == 0  # the batch rolled back whole: no message, no recipient handed
    assert not BroadcastRecipient.objects.filter(broadcast=broadcast, status="queued").exists()
    for _ in range(3):  # the retried task, and the beat's pick-up
        services.broadcast_advance(broadcast_id=broadcast.pk)
    assert handed.count() == 16
    assert sorted(handed.values_list("to", flat=True)) == sorted(
        [[f"+1919556{i:04d}"] for i in range(16)]
    )
    broadcast.refresh_from_db()
    assert broadcast.status == "done"


def test_a_scheduled_broadcast_waits_for_its_time(wired, pool):
    broadcast = _broadcast(wired, pool[:1], send_at=timezone.now() + timedelta(hours=1))
    assert broadcast.status == "scheduled"
    assert services.broadcast_advance(broadcast_id=broadcast.pk) is None
    assert broadcast.pk not in services.broadcasts_due()
    Broadcast.objects.filter(pk=broadcast.pk).update(send_at=timezone.now())
    assert broadcast.pk in services.broadcasts_due()
    assert services.broadcast_advance(broadcast_id=broadcast.pk) == 1.0
    broadcast.refresh_from_db()
    assert broadcast.status == "sending" and broadcast.started_at is not None


def test_a_broadcast_to_an_imported_list(wired, pool):
    contact_import, _ = services.contact_import_preview(
        tenant=wired.tenant, filename="l.csv", data=b"number\n9195557001\n9195557002\n"
    )
    services.contact_import_start(contact_import=contact_import)
    broadcast = services.broadcast_create(
        tenant=wired.tenant,
        name="List",
        text="Hi",
        from_numbers=pool,
        contact_import=contact_import,
    ).broadcast
    assert sorted(
        BroadcastRecipient.objects.filter(broadcast=broadcast).values_list("number", flat=True)
    ) == ["+19195557001", "+19195557002"]


def test_api_refuses_bad_broadcasts_naming_the_field(
    tenant_api, wired, pool, other_tenant, make_token
):
    other_tag = services.contact_create(
        tenant=other_tenant, number="+19195551999", tags=["theirs"]
    ).tags.get()
    cases = [
        ({"name": "x", "text": "hi", "from": pool}, "tag"),
        ({"name": "x", "text": "hi", "from": ["+19195550999"], "tag": "spring"}, "from"),
        ({"name": "x", "text": " ", "from": pool, "tag": "spring"}, "text"),
        ({"name": "x", "text": "hi", "from": pool, "tag": other_tag.name}, "tag"),
        ({"name": "x", "text": "hi", "from": pool, "contact_import": 999999}, "contact_import"),
    ]
    for body, field in cases:
        response = tenant_api.post("/api/v1/broadcasts/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["error"]["fields"], (body, response.json())
    assert not Broadcast.objects.exists()


def test_ui_compose_detail_and_actions_with_two_tenants(login, owner, other_owner, wired, pool):
    client = login(owner)
    page = client.get("/broadcasts/new/")
    assert page.status_code == 200 and b"spring" in page.content
    tag = Tag.objects.get(tenant=wired.tenant, name="spring")
    bad = client.post("/broadcasts/new/", {"name": "Promo", "text": "Hi", "from": pool})
    assert bad.status_code == 400 and b"Choose who to text" in bad.content
    response = client.post(
        "/broadcasts/new/",
        {"name": "Promo", "text": "Hi", "from": pool, "audience": f"tag:{tag.pk}"},
    )
    broadcast = Broadcast.objects.get(tenant=wired.tenant)
    assert response.status_code == 302 and response["Location"] == f"/broadcasts/{broadcast.pk}/"
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and b"broadcast-bar" in detail.content
    assert b"about 8 s left" in detail.content  # 16 one-segment texts, 2 numbers at 1/s each
    assert client.get("/broadcasts/").status_code == 200
    intruder = login(other_owner)
    for url in (f"/broadcasts/{broadcast.pk}/", f"/broadcasts/{broadcast.pk}/progress/"):
        assert intruder.get(url).status_code == 404
    assert b"Promo" not in intruder.get("/broadcasts/").content
    blocked = intruder.post(f"/broadcasts/{broadcast.pk}/action/", {"action": "cancel"})
    assert blocked.status_code == 404
    client.post(f"/broadcasts/{broadcast.pk}/action/", {"action": "pause"})
    broadcast.refresh_from_db()
    assert broadcast.status == "paused"
    client.post(f"/broadcasts/{broadcast.pk}/action/", {"action": "cancel"})
    broadcast.refresh_from_db()
    assert broadcast.status == "canceled"
    other_tag = services.contact_create(
        tenant=other_owner.tenant, number="+19195551999", tags=["x"]
    ).tags.get()
    refused = client.post(
        "/broadcasts/new/",
        {"name": "P", "text": "Hi", "from": pool, "audience": f"tag:{other_tag.pk}"},
    )
    assert refused.status_code == 400


def test_staff_see_broadcasts_imports_and_tags_and_cancel_a_broadcast(client, wired, pool):
    from django.contrib.auth import get_user_model

    client.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    broadcast = _broadcast(wired, pool)
    services.contact_import_preview(
        tenant=wired.tenant, filename="a.csv", data=b"number\n9195557001\n"
    )
    for path in (
        "/admin/messaging/broadcast/",
        f"/admin/messaging/broadcast/{broadcast.pk}/change/",
        "/admin/messaging/contactimport/",
        "/admin/messaging/tag/",
    ):
        assert client.get(path).status_code == 200, path
    client.post(
        "/admin/messaging/broadcast/",
        {"action": "cancel", "_selected_action": [broadcast.pk]},
        follow=True,
    )
    broadcast.refresh_from_db()
    assert broadcast.status == "canceled"


def test_api_pause_resume_cancel_and_another_tenant(tenant_api, other_api, wired, pool):
    created = tenant_api.post(
        "/api/v1/broadcasts/",
        {"name": "Promo", "text": "Hi", "from": pool[0], "tag": "spring"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["from"] == [pool[0]]
    pk = created.json()["id"]
    for verb in ("pause", "resume", "cancel"):
        assert other_api.post(f"/api/v1/broadcasts/{pk}/{verb}/").status_code == 404
    assert Broadcast.objects.get(pk=pk).status == "sending"
    paused = tenant_api.post(f"/api/v1/broadcasts/{pk}/pause/")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    again = tenant_api.post(f"/api/v1/broadcasts/{pk}/pause/")
    assert again.status_code == 400 and again.json()["error"]["code"] == "not_active"
    assert tenant_api.post(f"/api/v1/broadcasts/{pk}/resume/").json()["status"] == "sending"
    canceled = tenant_api.post(f"/api/v1/broadcasts/{pk}/cancel/").json()
    assert canceled["status"] == "canceled" and canceled["report"]["canceled"] == 16


def test_tags_api_delete_and_another_tenant(tenant_api, other_api, wired, pool):
    spring = Tag.objects.get(tenant=wired.tenant, name="spring")
    services.contact_create(tenant=wired.tenant, number="+19195558888", tags=["spare"])
    spare = Tag.objects.get(tenant=wired.tenant, name="spare")
    assert other_api.delete(f"/api/v1/tags/{spare.pk}/").status_code == 404
    assert tenant_api.delete(f"/api/v1/tags/{spare.pk}/").status_code == 204
    assert not Tag.objects.filter(pk=spare.pk).exists()
    assert Contact.objects.filter(number="+19195558888").exists()
    _broadcast(wired, pool)
    kept = tenant_api.delete(f"/api/v1/tags/{spring.pk}/")
    assert kept.status_code == 400 and kept.json()["error"]["code"] == "in_use"
