"""The messaging API: send, read messages, conversations, contacts, opt-outs, and two-tenant
isolation of every endpoint (Idempotency-Key: tests/core/test_idempotency.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import services
from messaging.models import Message
from tenants.errors import ParleyError

from ..conftest import wait_until
from .conftest import emulator_messages

pytestmark = pytest.mark.django_db(transaction=True)


def test_post_message_sends_and_get_shows_its_status(line, celery_worker, bandwidth, tenant_api):
    response = tenant_api.post(
        "/api/v1/messages/",
        {"from": line.e164, "to": ["+19195550123"], "text": "From the API", "tag": "order-7"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["from"] == line.e164
    assert body["segment_count"] == 1 and body["encoding"] == "GSM-7"
    wait_until(
        lambda: tenant_api.get(f"/api/v1/messages/{body['id']}/").json()["status"] == "delivered"
    )
    assert Message.objects.get(pk=body["id"]).sent_by_token is not None


def test_scheduled_send_answers_201_and_can_be_edited_and_cancelled(line, bandwidth, tenant_api):
    send_at = (timezone.now() + timedelta(hours=1)).isoformat()
    response = tenant_api.post(
        "/api/v1/messages/",
        {"from": line.e164, "to": ["+19195550123"], "text": "Later", "send_at": send_at},
        format="json",
    )
    assert response.status_code == 201
    message_id = response.json()["id"]
    edited = tenant_api.patch(f"/api/v1/messages/{message_id}/", {"text": "Later!"}, format="json")
    assert edited.status_code == 200 and edited.json()["text"] == "Later!"
    cancelled = tenant_api.delete(f"/api/v1/messages/{message_id}/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "canceled"
    again = tenant_api.patch(f"/api/v1/messages/{message_id}/", {"text": "x"}, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "not_editable"


def test_multipart_upload_sends_an_mms(line, celery_worker, bandwidth, tenant_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = tenant_api.post(
        "/api/v1/messages/",
        {
            "from": line.e164,
            "to": ["+19195550123"],
            "text": "pic",
            "media": SimpleUploadedFile("a.jpg", b"\xff\xd8jpeg", content_type="image/jpeg"),
        },
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    wait_until(lambda: Message.objects.get(pk=response.json()["id"]).status == "delivered")
    assert emulator_messages(bandwidth)[0].message_type == "mms"


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        ({"to": ["12"]}, "to", "not a valid phone number"),
        ({"to": [f"+1919555{n:04d}" for n in range(11)]}, "to", "at most 10"),
        ({"text": "x" * 2049}, "text", "at most 2048"),
        ({"from": "+19195550999"}, "from", "not an active number"),
        ({"media": ["ftp://example.com/a.png"]}, "media", "http(s) URL"),
    ],
)
def test_bad_sends_are_refused_with_the_field(
    line, bandwidth, tenant_api, payload, field, fragment
):
    body = {"from": line.e164, "to": ["+19195550123"], "text": "Hi", **payload}
    response = tenant_api.post("/api/v1/messages/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"] and fragment in error["message"]
    assert Message.objects.count() == 0


def test_opted_out_contact_is_refused_by_name(line, bandwidth, tenant_api):
    services.contact_opt_out(tenant=line.tenant, number="+19195550123", source="api")
    contact = services._contact_for(line.tenant, "+19195550123")
    services.contact_update(contact=contact, name="Dana Reyes")
    response = tenant_api.post(
        "/api/v1/messages/",
        {"from": line.e164, "to": ["+19195550123"], "text": "Hi"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "opted_out"
    assert "Dana Reyes has opted out" in response.json()["error"]["message"]


def test_daily_segment_cap(line, bandwidth, tenant_api):
    services.messaging_policy_update(tenant=line.tenant, daily_segment_cap=2)
    payload = {"from": line.e164, "to": ["+19195550123", "+19195550124"], "text": "Hi"}
    assert tenant_api.post("/api/v1/messages/", payload, format="json").status_code == 202
    refused = tenant_api.post("/api/v1/messages/", payload, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "daily_cap"


def test_suspended_tenant_cannot_send(line, bandwidth):
    line.tenant.status = "suspended"
    line.tenant.save()
    with pytest.raises(ParleyError, match="suspended"):
        services.message_send(
            tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="Hi"
        )


def test_message_list_filters(line, bandwidth, tenant_api):
    a = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="a"
    ).message
    b = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550124"], text="b"
    ).message
    Message.objects.filter(pk=b.pk).update(status="failed")

    def ids(query: str) -> set[int]:
        response = tenant_api.get(f"/api/v1/messages/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {a.pk, b.pk}
    assert ids(f"conversation={a.conversation_id}") == {a.pk}
    assert ids("number=%2B19195550124") == {b.pk}
    assert ids("status=failed") == {b.pk}
    assert ids("direction=in") == set()
    assert ids("since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z") == {a.pk, b.pk}
    assert ids("since=2999-01-01T00:00:00Z") == set()
    assert tenant_api.get("/api/v1/messages/?since=yesterday").status_code == 400


def test_the_number_filter_matches_whole_numbers_of_this_tenant_only(
    line, other_line, bandwidth, tenant_api, other_api
):
    def send(tenant_line, to: list[str]) -> int:
        return services.message_send(
            tenant=tenant_line.tenant, from_number=tenant_line.e164, to=to, text="x"
        ).message.pk

    alone = send(line, ["+19195550123"])
    group = send(line, ["+19195550123", "+19195550124"])
    other = send(line, ["+19195550124"])
    theirs = send(other_line, ["+19195550123"])

    def ids(client, number: str) -> set[int]:
        response = client.get("/api/v1/messages/", {"number": number})
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    partial = tenant_api.get("/api/v1/messages/", {"number": "+1919555"})
    assert partial.status_code == 400
    assert list(partial.json()["error"]["fields"]) == ["number"]
    assert ids(tenant_api, "+19195550123") == {alone, group}
    assert ids(tenant_api, "(919) 555-0124") == {group, other}
    assert ids(tenant_api, "+19195550125") == set()
    assert ids(tenant_api, line.e164) == {alone, group, other}  # everything it sent
    assert ids(other_api, "+19195550123") == {theirs}
    assert ids(other_api, "+19195550124") == set()


def test_conversations_get_and_patch(line, bandwidth, tenant_api, owner):
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="a"
    ).message
    conversation_id = message.conversation_id
    rows = tenant_api.get("/api/v1/conversations/").json()["results"]
    assert [r["id"] for r in rows] == [conversation_id]
    assert rows[0]["participants"] == ["+19195550123"] and rows[0]["number"] == line.e164
    patched = tenant_api.patch(
        f"/api/v1/conversations/{conversation_id}/",
        {"status": "closed", "assignee": owner.pk, "read": True},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["status"] == "closed" and patched.json()["assignee"] == owner.pk


def test_contacts_and_opt_outs_endpoints(line, bandwidth, tenant_api):
    created = tenant_api.post("/api/v1/opt-outs/", {"number": "919-555-0123"}, format="json")
    assert created.status_code == 201 and created.json()["opted_out"] is True
    contacts = tenant_api.get("/api/v1/contacts/").json()["results"]
    assert [(c["number"], c["opted_out"]) for c in contacts] == [("+19195550123", True)]
    ledger = tenant_api.get("/api/v1/opt-outs/").json()["results"]
    assert [(e["number"], e["action"], e["source"]) for e in ledger] == [
        ("+19195550123", "opt_out", "api")
    ]
    removed = tenant_api.delete("/api/v1/opt-outs/+19195550123/")
    assert removed.status_code == 200 and removed.json()["opted_out"] is False
    assert tenant_api.delete("/api/v1/opt-outs/+19195550123/").status_code == 404


def test_other_tenant_sees_nothing_of_this_tenant(
    line, other_line, bandwidth, tenant_api, other_api
):
    message = services.message_send(
        tenant=line.tenant, from_number=line.e164, to=["+19195550123"], text="private"
    ).message
    contact = message.conversation.contacts.get()
    services.contact_opt_out(tenant=line.tenant, number="+19195550123", source="api")
    for path in [
        f"/api/v1/messages/{message.pk}/",
        f"/api/v1/conversations/{message.conversation_id}/",
        f"/api/v1/contacts/{contact.pk}/",
    ]:
        assert tenant_api.get(path).status_code == 200
        assert other_api.get(path).status_code == 404
    for path in [
        "/api/v1/messages/",
        "/api/v1/conversations/",
        "/api/v1/contacts/",
        "/api/v1/opt-outs/",
    ]:
        assert other_api.get(path).json()["results"] == []
    assert (
        other_api.patch(
            f"/api/v1/conversations/{message.conversation_id}/", {"status": "closed"}, format="json"
        ).status_code
        == 404
    )
    assert other_api.delete(f"/api/v1/messages/{message.pk}/").status_code == 404
    assert other_api.delete("/api/v1/opt-outs/+19195550123/").status_code == 404
    from_other_number = other_api.post(
        "/api/v1/messages/", {"from": line.e164, "to": ["+19195550123"], "text": "x"}, format="json"
    )
    assert from_other_number.status_code == 400
