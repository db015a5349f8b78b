"""Times in the viewer's time zone with one format, and names wherever a number appears."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from messaging import services as messaging_services
from messaging.models import Contact, Message
from notifications.templatetags.parley import relative

from ..messaging.conftest import Wired, drain, post_events, received

pytestmark = pytest.mark.django_db

SEND_AT = "2027-01-15T19:34"  # EST, UTC-5: 2027-01-16 00:34 UTC


@pytest.fixture
def ny_wired(tenant):
    tenant.timezone = "America/New_York"
    tenant.save()
    return Wired(tenant, "+19195550101")


def _schedule(client, wired):
    response = client.post(
        "/inbox/new/",
        {"from": wired.e164, "to": "+19195550142", "text": "See you soon", "send_at": SEND_AT},
    )
    assert response.status_code == 302, response.content
    return Message.objects.get(text="See you soon")


def test_new_york_schedules_1934_and_sees_1934_everywhere(
    ny_wired, owner, login, tenant_api, other_owner
):
    client = login(owner)
    message = _schedule(client, ny_wired)
    assert message.scheduled_for == datetime(2027, 1, 16, 0, 34, tzinfo=UTC)

    thread = client.get(f"/inbox/{message.conversation_id}/").content.decode()
    assert "scheduled for" in thread
    assert "Jan 15, 2027, 19:34" in thread and "00:34" not in thread
    assert 'datetime="2027-01-15T19:34:00-05:00"' in thread
    change = client.get(f"/messages/{message.pk}/change/").content.decode()
    assert "Jan 15, 2027, 19:34" in change and "America/New_York" in change

    body = tenant_api.get(f"/api/v1/messages/{message.pk}/").json()
    assert body["scheduled_for"] == "2027-01-15T19:34:00-05:00"
    assert body["created_at"].endswith(("-05:00", "-04:00"))

    # The other tenant neither sees the page nor the API row.
    assert login(other_owner).get(f"/inbox/{message.conversation_id}/").status_code == 404


def test_a_member_zone_overrides_the_tenant_zone(ny_wired, owner, login):
    client = login(owner)
    message = _schedule(client, ny_wired)
    owner.timezone = "Europe/London"
    owner.save()
    thread = client.get(f"/inbox/{message.conversation_id}/").content.decode()
    assert "Jan 16, 2027, 00:34" in thread and "19:34" not in thread
    # A time typed by this member is read in their zone too.
    rescheduled = client.post(
        f"/messages/{message.pk}/change/", {"action": "reschedule", "send_at": "2027-01-16T09:00"}
    )
    assert rescheduled.status_code == 302
    message.refresh_from_db()
    assert message.scheduled_for == datetime(2027, 1, 16, 9, 0, tzinfo=UTC)


def test_relative_times_in_lists():
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    with timezone.override("America/New_York"):
        assert relative(now - timedelta(seconds=20), now) == "just now"
        assert relative(now - timedelta(minutes=2), now) == "2 min ago"
        assert relative(now - timedelta(hours=3), now) == "3 h ago"
        assert relative(now - timedelta(hours=11), now) == "01:00"
        assert relative(now - timedelta(days=1, hours=1), now).startswith("yesterday ")
        assert relative(now - timedelta(days=20), now) == "Nov 10"
        assert relative(now - timedelta(days=400), now) == "Oct 26, 2025"


def test_inbox_and_thread_show_names_with_e164_as_secondary(
    client, wired, owner, login, other_owner, other_wired
):
    post_events(client, wired.auth, [received(wired.e164, "+19195550142", "Hi", message_id="n1")])
    post_events(
        client,
        other_wired.auth,
        [received(other_wired.e164, "+19195550142", "Other", message_id="n2")],
    )
    drain()
    Contact.objects.filter(tenant=wired.tenant).update(name="Jane Doe")
    Contact.objects.filter(tenant=other_wired.tenant).update(name="Secret Name")
    wired.number.friendly_name = "Front desk"
    wired.number.save()
    ui = login(owner)
    rows = ui.get("/inbox/rows/?view=all").content.decode()
    assert '<span class="party-name">Jane Doe</span> <span class="e164">+19195550142</span>' in rows
    assert "min ago" in rows or "just now" in rows
    assert "Secret Name" not in rows
    conversation = Message.objects.get(bandwidth_id="n1").conversation_id
    thread = ui.get(f"/inbox/{conversation}/").content.decode()
    assert 'From <span class="party-name">Front desk</span>' in thread
    assert "<title>Jane Doe · Parley</title>" in thread
    new = ui.get("/inbox/new/").content.decode()
    assert "Front desk · (919) 555-0101 (+19195550101)" in new
    # The other tenant's page names its own contact.
    other_rows = login(other_owner).get("/inbox/rows/?view=all").content.decode()
    assert "Secret Name" in other_rows and "Jane Doe" not in other_rows


def test_an_unnamed_number_reads_in_national_form():
    template = Template("{% load parley %}{% party '+19195550142' %}|{% party '+442079460018' %}")
    html = template.render(Context({}))
    assert (
        '<span class="party-name">(919) 555-0142</span> <span class="e164">+19195550142</span>'
        in html
    )
    assert "+44 20 7946 0018" in html


def test_inbox_rows_look_names_up_once_per_page(client, wired, owner, login):
    events = [
        received(wired.e164, f"+1919555{1000 + i}", f"hi {i}", message_id=f"q{i}") for i in range(8)
    ]
    post_events(client, wired.auth, events)
    drain()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ui = login(owner)
    ui.get("/inbox/rows/?view=all")
    with CaptureQueriesContext(connection) as queries:
        ui.get("/inbox/rows/?view=all")
    contact_lookups = [q for q in queries if "messaging_contact" in q["sql"]]
    assert len(contact_lookups) == 1


def test_message_send_keeps_utc_in_the_database(ny_wired):
    result = messaging_services.message_send(
        tenant=ny_wired.tenant,
        from_number=ny_wired.e164,
        to=["+19195550142"],
        text="x",
        send_at=datetime(2027, 1, 16, 0, 34, tzinfo=UTC),
    )
    assert result.message.scheduled_for.utcoffset() == timedelta(0)


def test_a_thread_looks_its_names_up_once(client, wired, owner, login):
    post_events(client, wired.auth, [received(wired.e164, "+19195550142", "Hi", message_id="o1")])
    drain()
    conversation = Message.objects.get(bandwidth_id="o1").conversation_id
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ui = login(owner)
    with CaptureQueriesContext(connection) as queries:
        assert ui.get(f"/inbox/{conversation}/").status_code == 200
    lookups = [
        q["sql"]
        for q in queries
        if q["sql"].startswith(
            (
                'SELECT "messaging_contact"."number" AS "number"',
                'SELECT "numbers_phonenumber"."number" AS "number"',
            )
        )
    ]
    assert len(lookups) == 2, lookups
