"""Calls in the contact's conversation timeline, and the call buttons on contact and thread."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from messaging import services as messaging_services
from messaging.models import Contact, Conversation
from voice.models import Call

pytestmark = pytest.mark.django_db


def _number(tenant, e164):
    return PhoneNumber.objects.create(
        tenant=tenant, number=e164, status="active", messaging_status="ready"
    )


def test_calls_with_the_contact_appear_in_the_thread(owner, other_owner, login):
    ours = _number(owner.tenant, "+19195550101")
    theirs = _number(other_owner.tenant, "+19195550202")
    messaging_services.message_send(
        tenant=owner.tenant, from_number=ours.number, to=["+19845550111"], text="See you at 3"
    )
    conversation = Conversation.objects.get(tenant=owner.tenant)
    Call.objects.create(
        tenant=owner.tenant,
        phone_number=ours,
        our_number=ours.number,
        other_party="+19845550111",
        direction="inbound",
        status="completed",
        duration=42,
    )
    Call.objects.create(
        tenant=other_owner.tenant,
        phone_number=theirs,
        our_number=theirs.number,
        other_party="+19845550111",
        direction="inbound",
        status="no-answer",
    )

    client = login(owner)
    page = client.get(f"/inbox/{conversation.pk}/").content.decode()
    assert "See you at 3" in page
    assert "Call from (984) 555-0111" in page and "42 s" in page
    assert "No answer" not in page  # the other tenant's call with the same customer
    assert 'action="/calls/dial/"' in page and 'value="+19845550111"' in page

    contact = Contact.objects.get(tenant=owner.tenant, number="+19845550111")
    contact_page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert 'action="/calls/dial/"' in contact_page
