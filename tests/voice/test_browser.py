"""The acceptance flow in Chromium: configure an IVR with voicemail, call in through the emulator,
press 2, leave a message, and find the voicemail with its transcription in the inbox."""

from __future__ import annotations

import pytest

from voice.models import Voicemail

from ..conftest import sign_in, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "Hi, this is Sam, the kitchen tap is dripping again."


def test_ivr_voicemail_flow_in_the_browser(
    browser_page, line, owner, other_owner, settings, bandwidth, celery_worker
):
    settings.BANDWIDTH_EMULATOR_URL = bandwidth.url
    page = browser_page
    sign_in(page, owner)

    page.click("nav >> text=Calls")
    page.wait_for_url("**/calls/")
    page.click("text=Routing")
    page.click(f"a[href='/calls/routes/{line.number.pk}/']")
    page.select_option("#id_greeting_kind", "speak")
    page.fill("#id_greeting_text", "Welcome to Acme Plumbing.")
    page.select_option("#id_main_type", "menu")
    page.fill("#id_menu_prompt", "Press 1 for the office, 2 to leave a message.")
    page.select_option("#id_option_1_type", "forward")
    page.fill("#id_option_1_numbers", "+19195550111")
    page.select_option("#id_option_2_type", "voicemail")
    page.fill("#id_voicemail_greeting", "Please leave your message after the tone.")
    page.click("button:has-text('Save routing')")
    page.wait_for_selector(".flash >> text=saved")
    assert "BXML" not in page.content() and "&lt;Gather" not in page.content()

    page.fill("#try-digits", "2")
    page.fill("#try-speech", MESSAGE)
    page.click("button:has-text('Place a test call')")
    page.wait_for_url("**/calls/")

    def transcribed() -> bool:
        voicemail = Voicemail.objects.filter(tenant=line.tenant).select_related("recording")
        found = voicemail.first()
        return bool(found and found.recording.transcription_text and found.recording.media_file)

    wait_until(transcribed, timeout=30)
    page.click("text=Voicemail")
    page.wait_for_selector(f"td.transcription:has-text('{MESSAGE}')")
    assert page.locator("audio").count() == 1
    page.click("button:has-text('Mark listened')")
    page.wait_for_selector("button:has-text('mark new')")
    assert Voicemail.objects.get(tenant=line.tenant).listened

    page.goto("/calls/")
    page.click("tbody a")
    page.wait_for_selector("text=Event trail")
    assert "main.2" in page.inner_text("body")
