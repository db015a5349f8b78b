"""The inbox in Chromium: text a number and see it delivered; an inbound text appears unreloaded."""

from __future__ import annotations

import pytest

from ..conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_text_a_number_and_receive_a_reply_without_reload(
    browser_page, line, owner, celery_worker, text_in
):
    page = browser_page
    sign_in(page, owner)

    page.click("text=New conversation")
    page.fill("#to", "(919) 555-0123")
    page.fill("#text", "Your order is ready")
    page.wait_for_selector("#segments:has-text('1 segment · GSM-7')")
    page.click("button:has-text('Send')")
    page.wait_for_url("**/inbox/*/")
    page.wait_for_selector("[data-status=delivered]:has-text('Your order is ready')")
    assert page.locator(".pill.delivered").first.inner_text() == "Delivered"

    page.goto("/inbox/")
    marker = page.evaluate("() => { window.notReloaded = true; return true; }")
    assert marker
    text_in("+19195550777", line.e164, "Thanks, on my way!")
    page.wait_for_selector("#conversation-rows:has-text('Thanks, on my way!')")
    assert page.evaluate("() => window.notReloaded === true")

    text_in("+19195550123", line.e164, "STOP")
    page.wait_for_selector("#conversation-rows:has-text('You have been unsubscribed')")
    page.click("#conversation-rows a:has-text('+19195550123')")
    page.wait_for_selector("#opted-out-notice:has-text('opted out (replied STOP)')")
    assert page.locator("text=opted out (replied STOP)").count() == 1, "said once"
    assert page.locator("#text").is_disabled()
    assert page.locator("#composer button:has-text('Send')").is_disabled()
