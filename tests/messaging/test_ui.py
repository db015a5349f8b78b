"""The inbox, threads, compose, new conversation and contacts pages, for two tenants."""

from __future__ import annotations

import pytest

from messaging import services
from messaging.models import Conversation, Message

from .conftest import drain, post_events, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbound(client, wired):
    post_events(
        client,
        wired.auth,
        [received(wired.e164, "+19195550123", "Is the shop open?", message_id="u1")],
    )
    drain()
    return Message.objects.get()


def test_inbox_lists_conversations_with_unread_and_preview(inbound, owner, login, other_owner):
    page = login(owner).get("/inbox/").content.decode()
    assert "+19195550123" in page and "Is the shop open?" in page
    assert 'title="unread">1<' in page
    assert 'hx-trigger="every 3s"' in page
    assert "+19195550123" not in login(other_owner).get("/inbox/").content.decode()


def test_inbox_filters_and_search(inbound, owner, agent, login):
    client = login(owner)
    conversation = inbound.conversation
    assert "+19195550123" in client.get("/inbox/?view=unassigned").content.decode()
    assert "+19195550123" not in client.get("/inbox/?view=mine").content.decode()
    services.conversation_assign(conversation=conversation, assignee=owner)
    assert "+19195550123" in client.get("/inbox/?view=mine").content.decode()
    assert "+19195550123" not in login(agent).get("/inbox/?view=mine").content.decode()
    services.conversation_set_status(conversation=conversation, status="closed")
    assert "+19195550123" not in client.get("/inbox/?view=open").content.decode()
    assert "+19195550123" in client.get("/inbox/?view=closed").content.decode()
    for query in ["shop", "919-555-0123", "5550123"]:
        assert "+19195550123" in client.get(f"/inbox/?view=all&q={query}").content.decode()
    assert "+19195550123" not in client.get("/inbox/?view=all&q=nothing").content.decode()
    contact = conversation.contacts.get()
    services.contact_update(contact=contact, name="Dana Reyes")
    assert "+19195550123" in client.get("/inbox/?view=all&q=dana").content.decode()


def test_rows_fragment_updates_without_reload(inbound, owner, login, client, wired):
    ui = login(owner)
    post_events(
        client, wired.auth, [received(wired.e164, "+19195550777", "New here", message_id="u2")]
    )
    drain()
    fragment = ui.get("/inbox/rows/?view=open").content.decode()
    assert "New here" in fragment and "<html" not in fragment


def test_thread_shows_states_and_failure_reason_and_marks_read(inbound, wired, owner, login):
    failed = services.message_send(
        tenant=wired.tenant, from_number=wired.e164, to=["+19195550123"], text="Sorry"
    ).message
    Message.objects.filter(pk=failed.pk).update(
        status="failed",
        error_code=4720,
        error_description="The recipient's number cannot receive texts (landline or invalid).",
    )
    client = login(owner)
    page = client.get(f"/inbox/{inbound.conversation_id}/").content.decode()
    assert "Is the shop open?" in page and "Failed" in page
    assert "cannot receive texts" in page and "error 4720" in page
    assert Conversation.objects.get().unread_count == 0
    fragment = client.get(f"/inbox/{inbound.conversation_id}/thread/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "Sorry" in fragment


def test_thread_escapes_what_people_wrote_and_keeps_their_line_breaks(wired, owner, login, client):
    post_events(
        client,
        wired.auth,
        [received(wired.e164, "+19195550123", 'Tom & "Jo"\n<script>x()</script>', message_id="x1")],
    )
    drain()
    owner.user.first_name, owner.user.last_name = "<b>Ann</b>", "Lee"
    owner.user.save()
    sent = services.message_send(
        tenant=wired.tenant,
        from_number=wired.e164,
        to=["+19195550123"],
        text="a\r\nb",
        sent_by=owner.user,
    ).message
    Message.objects.filter(pk=sent.pk).update(status="failed", error_description="<i>no</i>")
    page = login(owner).get(f"/inbox/{sent.conversation_id}/thread/").content.decode()
    assert "<script>" not in page and "<b>Ann" not in page and "<i>no" not in page
    assert "Tom &amp; &quot;Jo&quot;<br>&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<div>a<br>b</div>" in page
    assert "&lt;b&gt;Ann&lt;/b&gt; Lee" in page and "&lt;i&gt;no&lt;/i&gt;" in page
    assert f'data-message="{sent.pk}" data-status="failed"' in page


def test_compose_sends_from_the_thread(inbound, owner, login):
    client = login(owner)
    response = client.post(f"/inbox/{inbound.conversation_id}/send/", {"text": "Yes, until 6"})
    assert response.status_code == 302
    sent = Message.objects.get(direction="out")
    assert sent.text == "Yes, until 6" and sent.sent_by == owner.user and sent.status == "queued"


def test_after_stop_the_composer_is_disabled_with_one_clear_message(inbound, wired, owner, login):
    services.contact_opt_out(tenant=wired.tenant, number="+19195550123", source="keyword")
    client = login(owner)
    words = "You can't text this conversation until they reply START."
    page = client.get(f"/inbox/{inbound.conversation_id}/").content.decode()
    assert page.count(words) == 1 and page.count('role="alert"') == 0
    composer = page[page.index('id="composer"') :]
    assert "<fieldset disabled>" in composer[: composer.index("</form>")]
    response = client.post(f"/inbox/{inbound.conversation_id}/send/", {"text": "Hello?"})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(words) == 1 and "has opted out" not in page, "one message, not two"
    assert not Message.objects.filter(direction="out").exists()


def test_new_conversation_to_several_numbers(wired, owner, login):
    client = login(owner)
    assert wired.e164 in client.get("/inbox/new/").content.decode()
    response = client.post(
        "/inbox/new/",
        {"from": wired.e164, "to": "+19195550123, 919 555 0124", "text": "Group hello"},
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert conversation.participants == ["+19195550123", "+19195550124"]
    assert response["Location"] == f"/inbox/{conversation.pk}/"
    bad = client.post("/inbox/new/", {"from": wired.e164, "to": "12", "text": "x"})
    assert bad.status_code == 400 and "not a valid phone number" in bad.content.decode()


def test_segment_counter(owner, login):
    client = login(owner)
    assert (
        "1 segment · GSM-7" in client.post("/inbox/segments/", {"text": "hello"}).content.decode()
    )
    assert (
        "2 segments · GSM-7"
        in client.post("/inbox/segments/", {"text": "a" * 161}).content.decode()
    )
    assert "UCS-2" in client.post("/inbox/segments/", {"text": "héllo 😀"}).content.decode()


def test_assign_close_reopen_mark_read(inbound, owner, login):
    client = login(owner)
    url = f"/inbox/{inbound.conversation_id}/action/"
    client.post(url, {"action": "assign", "assignee": "me"})
    client.post(url, {"action": "close"})
    conversation = Conversation.objects.get()
    assert conversation.assignee == owner and conversation.status == "closed"
    client.post(url, {"action": "reopen"})
    client.post(url, {"action": "read"})
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.unread_count == 0


def test_contacts_page_and_history(inbound, wired, owner, login):
    client = login(owner)
    contact = inbound.conversation.contacts.get()
    page = client.get("/contacts/").content.decode()
    assert "+19195550123" in page and "subscribed" in page
    client.post(f"/contacts/{contact.pk}/", {"action": "opt_out"})
    assert "opted out" in client.get("/contacts/").content.decode()
    detail = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Opted out" in detail and "Agent" in detail
    client.post(f"/contacts/{contact.pk}/", {"name": "Dana", "notes": "VIP"})
    contact.refresh_from_db()
    assert contact.name == "Dana" and contact.notes == "VIP"


def test_other_tenant_gets_404_on_every_page(inbound, wired, other_owner, login):
    client = login(other_owner)
    contact = inbound.conversation.contacts.get()
    conversation_id = inbound.conversation_id
    for path in [
        f"/inbox/{conversation_id}/",
        f"/inbox/{conversation_id}/thread/",
        f"/contacts/{contact.pk}/",
    ]:
        assert client.get(path).status_code == 404
    for path in [
        f"/inbox/{conversation_id}/send/",
        f"/inbox/{conversation_id}/action/",
        f"/messages/{inbound.pk}/change/",
        f"/contacts/{contact.pk}/",
    ]:
        assert client.post(path, {"text": "x", "action": "close"}).status_code == 404
    assert "+19195550123" not in client.get("/contacts/").content.decode()
    assert wired.e164 not in client.get("/inbox/new/").content.decode()
    other_send = client.post("/inbox/new/", {"from": wired.e164, "to": "+19195550123", "text": "x"})
    assert other_send.status_code == 400
    assert Conversation.objects.get().status == "open"


def test_pages_need_a_login(client):
    for path in ["/inbox/", "/inbox/new/", "/contacts/", "/inbox/rows/"]:
        assert client.get(path).status_code == 302


def test_inbox_query_count_does_not_grow_with_conversations(
    client, wired, owner, login, django_assert_max_num_queries
):
    for index in range(12):
        post_events(
            client,
            wired.auth,
            [received(wired.e164, f"+1919555{4000 + index:04d}", "hi", message_id=f"q{index}")],
        )
    drain()
    ui = login(owner)
    with django_assert_max_num_queries(12):
        assert ui.get("/inbox/rows/?view=open").status_code == 200
    conversation = Conversation.objects.first()
    with django_assert_max_num_queries(16):
        assert ui.get(f"/inbox/{conversation.pk}/thread/").status_code == 200


def test_media_files_are_served_only_to_their_tenant(inbound, wired, owner, other_owner, login):
    from django.core.files.base import ContentFile

    from messaging.models import Media

    item = Media(tenant=wired.tenant, message=inbound, content_type="image/png", status="stored")
    item.file.save("pic.png", ContentFile(b"png-bytes"), save=True)
    response = login(owner).get(f"/media/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"png-bytes"
    assert login(other_owner).get(f"/media/{item.pk}/").status_code == 404


def test_scheduled_message_is_edited_and_cancelled_from_the_thread(
    wired, owner, other_owner, login
):
    from datetime import timedelta

    from django.utils import timezone

    client = login(owner)
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        "/inbox/new/",
        {"from": wired.e164, "to": "+19195550123", "text": "Tomorrow", "send_at": later},
    )
    message = Message.objects.get()
    assert message.status == "queued" and message.scheduled_for > timezone.now()
    thread = client.get(f"/inbox/{message.conversation_id}/").content.decode()
    assert "scheduled for" in thread and f"/messages/{message.pk}/change/" in thread
    assert client.get(f"/messages/{message.pk}/change/").status_code == 200
    assert login(other_owner).get(f"/messages/{message.pk}/change/").status_code == 404
    client.post(f"/messages/{message.pk}/change/", {"action": "reschedule", "text": "Tmrw 9am"})
    message.refresh_from_db()
    assert message.text == "Tmrw 9am"
    client.post(f"/messages/{message.pk}/change/", {"action": "cancel"})
    message.refresh_from_db()
    assert message.status == "canceled"
    page = client.get(f"/messages/{message.pk}/change/").content.decode()
    assert "can no longer be changed" in page
