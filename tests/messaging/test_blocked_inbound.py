"""A text from a blocked number: recorded (its raw event, outcome ``blocked``), never a
conversation, an unread count or a reply; a STOP from it still opts it out, silently."""

from __future__ import annotations

import pytest

from messaging.models import Contact, Conversation, Message, OptOut, RawEvent
from tenants import services as tenant_services

from .conftest import drain, post_events, received

pytestmark = pytest.mark.django_db

SPAMMER = "+19195550166"


def test_a_blocked_senders_text_is_recorded_but_not_shown(client, wired, other_wired):
    tenant_services.blocked_number_add(tenant=wired.tenant, number=SPAMMER, reason="spam")
    events = [received(wired.e164, SPAMMER, "buy now", message_id="b-1")]
    assert post_events(client, wired.auth, events).status_code == 200
    other = [received(other_wired.e164, SPAMMER, "hello other", message_id="b-2")]
    assert post_events(client, other_wired.auth, other).status_code == 200
    assert drain() == 2

    raw = RawEvent.objects.get(message_id="b-1")
    assert raw.tenant == wired.tenant and raw.outcome == RawEvent.Outcome.BLOCKED
    assert raw.payload["message"]["text"] == "buy now"
    assert not Conversation.objects.filter(tenant=wired.tenant).exists()
    assert not Message.objects.filter(tenant=wired.tenant).exists()
    # the other tenant never blocked the number: its text arrives as usual
    assert Message.objects.get(tenant=other_wired.tenant).text == "hello other"
    assert RawEvent.objects.get(message_id="b-2").outcome == RawEvent.Outcome.PROCESSED


def test_stop_from_a_blocked_sender_opts_out_without_a_reply(client, wired):
    tenant_services.blocked_number_add(tenant=wired.tenant, number=SPAMMER)
    post_events(client, wired.auth, [received(wired.e164, SPAMMER, "STOP", message_id="b-3")])
    assert drain() == 1
    assert Contact.objects.get(tenant=wired.tenant, number=SPAMMER).opted_out
    assert OptOut.objects.filter(tenant=wired.tenant, number=SPAMMER).count() == 1
    assert not Message.objects.exists()
