"""The inbox for teams in Chromium: split pane at 1440 px, one column at 390 px with no sideways
scroll, keyboard shortcuts, canned replies, internal notes, the STOP state, the after-hours texts
per number; axe on every page."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from messaging import services
from messaging.models import AfterHoursReply, Conversation, Note

from ..browser.accessibility import DESKTOP, PHONE, horizontal_overflow, serious_violations
from ..conftest import sign_in
from .conftest import drain, post_events, received

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "A long question about the order " + "that keeps going " * 20


@pytest.fixture
def conversations(client, wired):
    second = received(wired.e164, "+19195550124", "Second customer", message_id="bt-2")
    post_events(client, wired.auth, [second])
    drain()
    post_events(client, wired.auth, [received(wired.e164, "+19195550123", LONG, message_id="bt-1")])
    drain()
    first = Conversation.objects.get(participants=["+19195550123"])
    services.contact_update(contact=first.contacts.get(), name="Jane Doe")
    services.canned_reply_save(
        tenant=wired.tenant, title="Thanks", body="Thanks {first_name}, we are on it."
    )
    listed = Conversation.objects.filter(tenant=wired.tenant).order_by("-last_message_at", "-id")
    assert listed[0] == first, "Jane wrote last, so she leads the list"
    return list(listed)


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_split_pane_shortcuts_canned_replies_and_notes_at_1440(
    browser_page, wired, owner, conversations
):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, owner)
    page.goto("/inbox/")
    assert page.locator(".inbox-list").is_visible()
    assert page.locator(".inbox-placeholder").is_visible()
    assert serious_violations(page) == []

    page.keyboard.press("j")
    page.wait_for_url(f"**/inbox/{conversations[0].pk}/")
    listed, thread = _box(page, ".inbox-list"), _box(page, ".inbox-pane")
    assert listed["x"] + listed["width"] <= thread["x"], "list and thread side by side"
    assert abs(listed["y"] - thread["y"]) < 40
    assert page.locator(f"[data-conversation='{conversations[0].pk}'][aria-current=true]").count()
    assert horizontal_overflow(page) <= 0
    assert serious_violations(page) == []

    page.keyboard.press("j")
    page.wait_for_url(f"**/inbox/{conversations[1].pk}/")
    page.keyboard.press("k")
    page.wait_for_url(f"**/inbox/{conversations[0].pk}/")

    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    assert dialog.is_visible() and "Assign the conversation to me" in dialog.inner_text()
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    page.keyboard.press("a")
    page.wait_for_selector(f"text=assigned to {owner.user.email}")
    page.keyboard.press("r")
    assert page.evaluate("() => document.activeElement.id") == "text"
    page.select_option("#canned", label="Thanks")
    assert page.input_value("#text") == "Thanks Jane, we are on it."

    page.click("body")
    page.fill("#note", "Called her, waiting for the part")
    page.click("button:has-text('Add note')")
    page.wait_for_selector(".note:has-text('Internal note · not sent')")
    assert "Called her, waiting for the part" in page.locator(".note").inner_text()
    assert Note.objects.filter(tenant=wired.tenant).count() == 1

    page.locator("body").focus()
    page.keyboard.press("c")
    page.wait_for_selector("button:has-text('Reopen')")
    conversations[0].refresh_from_db()
    assert conversations[0].status == "closed"
    assert conversations[0].assignee == owner


def test_one_column_without_sideways_scroll_at_390(browser_page, owner, conversations):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto("/inbox/")
    assert page.locator(".inbox-list").is_visible()
    assert not page.locator(".inbox-placeholder").is_visible()
    assert horizontal_overflow(page) <= 0
    assert serious_violations(page) == []

    page.click(f"[data-conversation='{conversations[0].pk}']")
    page.wait_for_url(f"**/inbox/{conversations[0].pk}/")
    assert not page.locator(".inbox-list").is_visible(), "the thread alone on a phone"
    assert page.locator("a:has-text('← Inbox')").is_visible()
    assert horizontal_overflow(page) <= 0
    assert serious_violations(page) == []

    for path in ("/settings/canned-replies/", "/settings/after-hours/"):
        page.goto(path)
        assert horizontal_overflow(page) <= 0, path
        assert serious_violations(page) == [], path


def test_after_stop_the_composer_is_disabled_with_one_message(
    browser_page, wired, owner, conversations
):
    services.contact_opt_out(tenant=wired.tenant, number="+19195550123", source="keyword")
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, owner)
    page.goto(f"/inbox/{conversations[0].pk}/")
    notice = page.locator("#opted-out-notice")
    assert notice.count() == 1 and "until they reply START" in notice.inner_text()
    assert page.locator("text=You can't text this conversation").count() == 1
    assert page.locator("#text").is_disabled() and page.locator("#canned").is_disabled()
    page.keyboard.press("r")
    assert page.evaluate("() => document.activeElement.id") != "text"
    assert serious_violations(page) == []


def test_a_numbers_own_after_hours_text_added_edited_and_removed(browser_page, wired, owner):
    night = PhoneNumber.objects.create(
        tenant=wired.tenant,
        number="+19195550102",
        friendly_name="Night desk",
        status=PhoneNumber.Status.ACTIVE,
        messaging_status=PhoneNumber.MessagingStatus.READY,
    )
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size(DESKTOP)
    sign_in(page, owner)
    page.goto("/settings/after-hours/")
    page.click("#after-hours-add")
    page.wait_for_url("**/settings/after-hours/numbers/new/")
    assert serious_violations(page) == []

    page.check("#after-hours-override-form input[name=enabled]")
    page.click("#after-hours-override-form button[type=submit]")
    assert page.locator("#phone-number-error").is_visible(), "the number comes first"
    assert page.locator("#after-number").get_attribute("aria-invalid") == "true"
    assert serious_violations(page) == []

    page.select_option("#after-number", str(night.pk))
    page.click("#after-hours-override-form button[type=submit]")
    assert "Write the text to send after hours." in page.locator("#text-error").inner_text()
    assert serious_violations(page) == []

    page.fill("#after-text", "The night desk opens at 8.")
    page.check("#sat-open")
    page.click("#after-hours-override-form button[type=submit]")
    page.wait_for_url("**/settings/after-hours/")
    row = page.locator("[data-override='+19195550102']")
    assert "The night desk opens at 8." in row.inner_text()
    assert serious_violations(page) == []
    override = AfterHoursReply.objects.get(phone_number=night)
    assert override.enabled and override.hours["sat"] == [["09:00", "17:00"]]

    row.locator("a").click()
    page.wait_for_url(f"**/settings/after-hours/numbers/{override.pk}/")
    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) <= 0
    for path in ("/settings/after-hours/", "/settings/after-hours/numbers/new/"):
        page.goto(path)
        assert horizontal_overflow(page) <= 0, path
    page.goto(f"/settings/after-hours/numbers/{override.pk}/")
    page.click("button[value=delete]")
    page.wait_for_url("**/settings/after-hours/")
    assert page.locator("[data-override]").count() == 0
    assert not AfterHoursReply.objects.filter(phone_number=night).exists()
