"""A long thread shows its latest page and pages back through earlier messages."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import services
from messaging.models import Conversation

pytestmark = pytest.mark.django_db


def test_thread_pages_back_and_stays_cheap(owner, other_owner, login):
    ours = PhoneNumber.objects.create(
        tenant=owner.tenant, number="+19195550101", status="active", messaging_status="ready"
    )
    for index in range(60):
        services.message_send(
            tenant=owner.tenant,
            from_number=ours.number,
            to=["+19845550111"],
            text=f"note {index:02d}",
        )
    conversation = Conversation.objects.get(tenant=owner.tenant)
    client = login(owner)

    with CaptureQueriesContext(connection) as queries:
        latest = client.get(f"/inbox/{conversation.pk}/").content.decode()
    assert "note 59" in latest and "note 10" in latest and "note 09" not in latest
    assert "Earlier messages" in latest and 'hx-trigger="every 2s"' in latest
    assert len(queries) < 25

    earlier_url = latest.split('class="earlier" href="')[1].split('"')[0].replace("&amp;", "&")
    earlier = client.get(earlier_url).content.decode()
    assert "note 09" in earlier and "note 00" in earlier and "note 10" not in earlier
    assert "Back to the latest messages" in earlier and "every 2s" not in earlier

    other = login(other_owner)
    assert other.get(earlier_url).status_code == 404
