"""The team's tools in the inbox: internal notes, canned replies, the after-hours text, the
split-pane page; every page and endpoint for two tenants."""

from __future__ import annotations

import pytest

from messaging import canned, services
from messaging.models import AfterHoursReplySent, CannedReply, Message, Note

from .conftest import drain, post_events, received

pytestmark = pytest.mark.django_db

WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def inbound(client, wired):
    post_events(client, wired.auth, [received(wired.e164, "+19195550123", "Hi", message_id="t1")])
    drain()
    return Message.objects.get()


def _text_at(client, wired, when: str, message_id: str, text: str = "Are you open?") -> None:
    event = received(wired.e164, "+19195550123", text, message_id=message_id)
    event["time"] = event["message"]["time"] = when
    assert post_events(client, wired.auth, [event]).status_code == 200
    drain()


def _after_hours_replies(wired) -> list[Message]:
    return list(
        Message.objects.filter(tenant=wired.tenant, direction="out", tag="parley:after-hours")
    )


# --- internal notes


def test_a_note_is_shown_marked_and_never_becomes_a_message(
    inbound, wired, owner, login, other_owner
):
    client = login(owner)
    url = f"/inbox/{inbound.conversation_id}/notes/"
    assert client.post(url, {"note": "VIP <b>customer</b>, call back"}).status_code == 302
    note = Note.objects.get()
    assert note.tenant == wired.tenant and note.author == owner.user
    assert Message.objects.filter(direction="out").count() == 0
    page = client.get(f"/inbox/{inbound.conversation_id}/").content.decode()
    assert "Internal note · not sent" in page and "VIP &lt;b&gt;customer&lt;/b&gt;" in page
    thread = client.get(f"/inbox/{inbound.conversation_id}/thread/").content.decode()
    assert f'data-note="{note.pk}"' in thread
    empty = client.post(url, {"note": "   "})
    assert empty.status_code == 400 and "Write the note first." in empty.content.decode()
    assert Note.objects.count() == 1
    other = login(other_owner)
    assert other.post(url, {"note": "sneaky"}).status_code == 404
    assert other.get(f"/inbox/{inbound.conversation_id}/thread/").status_code == 404
    assert Note.objects.count() == 1


# --- canned replies


def test_canned_variables_are_filled_by_name_only():
    class Person:
        name = "Jane Doe"
        number = "+19195550123"

    values = canned.values_for(Person())
    assert canned.render("Hi {first_name} {last_name}!", values) == "Hi Jane Doe!"
    assert canned.render("{0.__class__} {name!r} {unknown}", values) == (
        "{0.__class__} {name!r} {unknown}"
    )
    assert canned.render("Hi {first_name}, thanks", canned.values_for(None)) == "Hi, thanks"


def test_canned_replies_are_managed_in_settings_and_offered_in_the_composer(
    inbound, wired, owner, agent, login, other_owner
):
    contact = inbound.conversation.contacts.get()
    services.contact_update(contact=contact, name="Jane <Doe>")
    client = login(owner)
    assert client.get("/settings/canned-replies/").status_code == 200
    saved = client.post(
        "/settings/canned-replies/", {"title": "Greeting", "body": "Hi {first_name}, thanks!"}
    )
    assert saved.status_code == 302
    reply = CannedReply.objects.get()
    assert reply.tenant == wired.tenant
    bad = client.post("/settings/canned-replies/", {"title": "greeting", "body": "x"})
    assert bad.status_code == 400 and "Another reply has this title." in bad.content.decode()
    missing = client.post("/settings/canned-replies/", {"title": "Empty", "body": ""})
    assert missing.status_code == 400 and 'id="body-error"' in missing.content.decode()
    assert CannedReply.objects.count() == 1

    page = client.get(f"/inbox/{inbound.conversation_id}/").content.decode()
    assert 'data-insert-into="text"' in page
    assert 'value="Hi Jane, thanks!"' in page

    services.contact_update(contact=contact, name="<script>alert(1)</script> Doe")
    page = client.get(f"/inbox/{inbound.conversation_id}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page

    edit = f"/settings/canned-replies/{reply.pk}/"
    assert client.post(edit, {"title": "Hello", "body": "Hello {name}"}).status_code == 302
    reply.refresh_from_db()
    assert reply.title == "Hello"

    assert login(agent).get("/settings/canned-replies/").status_code == 200
    assert login(agent).post(edit, {"title": "x", "body": "y"}).status_code == 403
    other = login(other_owner)
    assert "Hello" not in other.get("/settings/canned-replies/").content.decode()
    assert other.get(edit).status_code == 404
    assert other.post(edit, {"action": "delete"}).status_code == 404
    assert client.post(edit, {"action": "delete"}).status_code == 302
    assert not CannedReply.objects.exists()


# --- the after-hours text


def test_after_hours_text_once_per_contact_per_closed_period(client, wired, other_wired):
    services.after_hours_reply_update(
        tenant=wired.tenant, enabled=True, text="We open at 9.", hours=WEEKDAYS
    )
    # Monday 05:00 in New York: closed until 09:00.
    _text_at(client, wired, "2026-11-23T10:00:00.000Z", "ah-1")
    replies = _after_hours_replies(wired)
    assert [m.text for m in replies] == ["We open at 9."] and replies[0].auto_reply
    assert replies[0].to == ["+19195550123"]
    _text_at(client, wired, "2026-11-23T10:30:00.000Z", "ah-2")
    assert len(_after_hours_replies(wired)) == 1, "one per closed period"
    # Monday 10:00 in New York: open, no reply.
    _text_at(client, wired, "2026-11-23T15:00:00.000Z", "ah-3")
    assert len(_after_hours_replies(wired)) == 1
    # Tuesday 05:00: a new closed period, a new reply.
    _text_at(client, wired, "2026-11-24T10:00:00.000Z", "ah-4")
    assert len(_after_hours_replies(wired)) == 2
    assert AfterHoursReplySent.objects.filter(tenant=wired.tenant).count() == 2
    # the other tenant has no after-hours text
    event = received(other_wired.e164, "+19195550123", "hi", message_id="ah-5")
    post_events(client, other_wired.auth, [event])
    drain()
    assert not Message.objects.filter(tenant=other_wired.tenant, direction="out").exists()


def test_after_hours_text_respects_opt_outs_and_keywords(client, wired):
    services.after_hours_reply_update(
        tenant=wired.tenant, enabled=True, text="We open at 9.", hours=WEEKDAYS
    )
    _text_at(client, wired, "2026-11-23T10:00:00.000Z", "ao-1", text="STOP")
    assert _after_hours_replies(wired) == [], "a keyword gets its own reply, not this one"
    _text_at(client, wired, "2026-11-24T10:00:00.000Z", "ao-2", text="hello?")
    assert _after_hours_replies(wired) == [], "never to an opted-out contact"


def test_after_hours_settings_page_checks_fields_for_two_tenants(
    wired, owner, agent, login, other_owner
):
    client = login(owner)
    assert client.get("/settings/after-hours/").status_code == 200
    empty = client.post("/settings/after-hours/", {"enabled": "on", "mon_open": "on"})
    assert empty.status_code == 400 and 'id="text-error"' in empty.content.decode()
    bad = client.post(
        "/settings/after-hours/",
        {
            "enabled": "on",
            "text": "Closed",
            "mon_open": "on",
            "mon_opens": "18:00",
            "mon_closes": "09:00",
        },
    )
    assert bad.status_code == 400
    assert "The closing time must be after the opening time." in bad.content.decode()
    ok = client.post(
        "/settings/after-hours/",
        {
            "enabled": "on",
            "text": "Closed now",
            "tue_open": "on",
            "tue_opens": "08:00",
            "tue_closes": "12:00",
        },
    )
    assert ok.status_code == 302
    page = client.get("/settings/after-hours/").content.decode()
    assert "Closed now" in page and 'value="08:00"' in page
    assert "Closed now" not in login(other_owner).get("/settings/after-hours/").content.decode()
    assert login(agent).post("/settings/after-hours/", {"text": "x"}).status_code == 403


# --- the split pane


def test_the_thread_page_loads_the_list_beside_it_with_the_open_conversation_marked(
    inbound, owner, other_owner, login
):
    client = login(owner)
    page = client.get(f"/inbox/{inbound.conversation_id}/").content.decode()
    assert 'class="inbox-split with-thread"' in page
    assert 'hx-trigger="load, every 3s"' in page, "the list is fetched once the thread is shown"
    assert f"current={inbound.conversation_id}" in page, "the polled list keeps the mark"
    assert 'id="shortcuts"' in page and 'data-shortcut="a"' in page
    rows = client.get(f"/inbox/rows/?view=open&current={inbound.conversation_id}").content
    assert f'data-conversation="{inbound.conversation_id}" aria-current="true"' in rows.decode()
    theirs = login(other_owner).get(f"/inbox/rows/?view=open&current={inbound.conversation_id}")
    assert f'data-conversation="{inbound.conversation_id}"' not in theirs.content.decode()
