"""Toll fraud on texts: where a tenant may text is its outbound policy, checked on every send path
(API, inbox, scheduled sends, automatic replies) before anything is stored or sent; two tenants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import services
from messaging.models import Conversation, Message
from tenants.services import outbound_policy_update

from ..conftest import wait_until
from .conftest import drain, emulator_messages

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+19195550123"
JAMAICA = "+18765551234"
LONDON = "+442071838750"
REFUSED = [
    ("+19005551234", "US", "NANP 900 numbers are premium-rate"),
    ("+19765551234", "", "NANP 976 numbers are premium-rate"),
    (JAMAICA, "JM", "JM is not among this tenant's destination countries (CA, US)"),
    (LONDON, "GB", "GB is not among this tenant's destination countries"),
    ("+5351234567", "CU", "CU is not among"),
    ("+882123456789", "001", "international-network numbers"),
]


def _send(client, line, to, **extra):
    body = {"from": line.e164, "to": to, "text": "Hi", **extra}
    return client.post("/api/v1/messages/", body, format="json")


def _assert_refused(response, number, country, reason):
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "destination_not_allowed"
    assert list(error["fields"]) == ["to"]
    where = f" ({country})" if country else ""
    assert error["message"].startswith(f"{number}{where} is not allowed: ")
    assert reason in error["message"]


@pytest.mark.parametrize(("number", "country", "reason"), REFUSED)
def test_the_api_refuses_a_disallowed_recipient_and_stores_nothing(
    line, bandwidth, tenant_api, number, country, reason
):
    _assert_refused(_send(tenant_api, line, [number]), number, country, reason)
    _assert_refused(_send(tenant_api, line, [CUSTOMER, number]), number, country, reason)
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    _assert_refused(_send(tenant_api, line, [number], send_at=later), number, country, reason)
    assert not Message.objects.exists()
    assert not Conversation.objects.exists()
    assert emulator_messages(bandwidth) == []


def test_staff_allow_texts_to_britain_for_one_tenant_only(
    line, other_line, bandwidth, tenant_api, other_api, celery_worker
):
    outbound_policy_update(tenant=line.tenant, text_countries=["US", "CA", "GB"])
    response = _send(tenant_api, line, [LONDON, CUSTOMER])
    assert response.status_code == 202, response.content
    wait_until(lambda: Message.objects.get(pk=response.json()["id"]).status == "delivered")
    assert [m.to for m in emulator_messages(bandwidth)] == [[LONDON, CUSTOMER]]
    _assert_refused(_send(other_api, other_line, [LONDON]), LONDON, "GB", "GB is not among")
    assert not Message.objects.filter(tenant=other_line.tenant).exists()
    # Calls are a separate list: Britain is allowed for texts only.
    call = tenant_api.post(
        "/api/v1/calls/",
        {"from": line.e164, "to": LONDON, "agent": "+19195550111"},
        format="json",
    )
    assert call.status_code == 403 and call.json()["error"]["code"] == "destination_not_allowed"


def test_the_inbox_shows_a_refusal_as_a_form_error(line, owner, login, bandwidth, text_in):
    client = login(owner)
    page = client.post("/inbox/new/", {"from": line.e164, "to": "1-976-555-1234", "text": "Hi"})
    assert page.status_code == 400
    assert "+19765551234 is not allowed: NANP 976 numbers are premium-rate." in (
        page.content.decode()
    )
    assert not Message.objects.exists()

    # A Jamaican texts in (inbound is not restricted); the reply is refused.
    text_in(JAMAICA, line.e164, "Hello from Kingston")

    def stored() -> Conversation | None:
        drain()
        return Conversation.objects.filter(tenant=line.tenant).first()

    conversation = wait_until(stored)
    reply = client.post(f"/inbox/{conversation.pk}/send/", {"text": "Hi back"})
    assert reply.status_code == 400
    assert "+18765551234 (JM) is not allowed" in reply.content.decode()
    assert not Message.objects.filter(direction="out").exists()
    assert emulator_messages(bandwidth) == []


def test_no_automatic_reply_goes_to_a_disallowed_number(
    line, celery_worker, bandwidth, text_in, caplog
):
    text_in(JAMAICA, line.e164, "HELP")
    wait_until(lambda: any("automatic reply to HELP not sent" in r.message for r in caplog.records))
    assert not Message.objects.filter(direction="out").exists()
    assert emulator_messages(bandwidth) == []
    text_in(CUSTOMER, line.e164, "HELP")
    wait_until(lambda: len(emulator_messages(bandwidth)) == 1)
    assert emulator_messages(bandwidth)[0].to == [CUSTOMER]


def test_a_scheduled_text_whose_destination_became_refused_fails_unsent(line, bandwidth):
    outbound_policy_update(tenant=line.tenant, text_countries=["US", "CA", "JM"])
    message = services.message_send(
        tenant=line.tenant,
        from_number=line.e164,
        to=[JAMAICA],
        text="See you tomorrow",
        send_at=timezone.now() + timedelta(seconds=30),
    ).message
    outbound_policy_update(tenant=line.tenant, text_countries=["US", "CA"])
    Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now())
    assert services.message_dispatch(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_description.startswith("+18765551234 (JM) is not allowed")
    assert emulator_messages(bandwidth) == []
