"""Calls in Chromium: the dialer, the route editor in steps with errors by the field and no BXML,
and the calls pages at 390 px without sideways scroll; axe on every page."""

from __future__ import annotations

import pytest

from voice.models import Call

from ..browser.accessibility import DESKTOP, PHONE, horizontal_overflow, serious_violations
from ..conftest import sign_in
from .conftest import AGENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_route_editor_shows_only_what_the_action_needs(browser_page, line, owner):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, owner)
    page.goto(f"/calls/routes/{line.number.pk}/")
    forward = page.locator("label[for=id_main_numbers]")
    page.select_option("#id_main_type", "forward")
    assert forward.is_visible() and forward.inner_text() == "Phone to forward to"
    assert not page.locator("#id_menu_prompt").is_visible()
    assert not page.locator("#id_main_text").is_visible()
    page.select_option("#id_main_type", "ring_all")
    assert forward.inner_text() == "Phones to ring at once, one per line"
    page.select_option("#id_main_type", "menu")
    assert page.locator("#id_menu_prompt").is_visible()
    assert not page.locator("#id_main_numbers").is_visible()
    page.select_option("#id_greeting_kind", "speak")
    assert page.locator("#id_greeting_text").is_visible()
    assert not page.locator("#id_greeting_audio").is_visible()
    assert not page.locator("#id_after_type").is_visible()
    page.check("#id_hours_enabled")
    assert page.locator("#id_after_type").is_visible()
    assert "BXML" not in page.content()
    assert serious_violations(page) == []

    page.select_option("#id_main_type", "forward")
    page.fill("#id_main_numbers", "")
    page.click("button:has-text('Save routing')")
    error = page.locator("#id_main_numbers-error")
    error.wait_for()
    assert error.inner_text() == "Enter the phone to forward to, like (919) 555-0123."
    assert page.locator("text=Enter the phone to forward to").count() == 1
    assert "action.to" not in page.content() and "E.164 form" not in page.content()
    assert page.locator("#id_main_numbers").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_main_numbers").is_visible(), "the step with the error stays open"
    assert serious_violations(page) == []


def test_the_dialer_calls_any_number(browser_page, line, owner, celery_worker):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto("/calls/")
    page.click(".subnav >> text=Dialer")
    page.wait_for_url("**/calls/dialer/")
    assert horizontal_overflow(page) <= 0
    assert serious_violations(page) == []
    page.fill("#id_to", "555")
    page.fill("#id_agent", AGENT)
    page.click("button:has-text('Call')")
    page.wait_for_selector("#id_to-error")
    assert serious_violations(page) == []
    page.fill("#id_to", "(919) 555-8822")
    page.click("button:has-text('Call')")
    page.wait_for_url("**/calls/*/")
    call = Call.objects.get(tenant=line.tenant)
    assert call.other_party == "+19195558822" and call.agent_number == AGENT


def test_calls_pages_fit_a_phone(browser_page, line, owner, other_line):
    Call.objects.create(
        tenant=line.tenant,
        phone_number=line.number,
        our_number=line.e164,
        other_party="+19195557000",
        direction=Call.Direction.INBOUND,
        status=Call.Status.BLOCKED,
    )
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    for path in (
        "/calls/",
        "/calls/dialer/",
        "/calls/voicemail/",
        "/calls/routes/",
        f"/calls/routes/{line.number.pk}/",
        "/calls/blocklist/",
    ):
        page.goto(path)
        assert horizontal_overflow(page) <= 0, path
        assert serious_violations(page) == [], path
    page.goto("/calls/")
    assert "Blocked" in page.locator("table.list").inner_text()
    assert page.goto(f"/calls/routes/{other_line.number.pk}/").status == 404
