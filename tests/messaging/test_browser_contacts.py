"""Contacts, CSV import and broadcasts in Chromium: at 390 px nothing scrolls sideways, and
axe-core finds no serious or critical violation on any of their pages."""

from __future__ import annotations

from typing import Any

import pytest

from messaging import services
from messaging.models import Broadcast, Contact

from ..browser.accessibility import PHONE, horizontal_overflow, serious_violations
from ..conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_page(page: Any) -> None:
    assert horizontal_overflow(page) <= 0, page.url
    assert serious_violations(page) == [], page.url


CSV = (
    "phone,name,tags\n"
    "(919) 555-0101,Jane Doe,vip\n"
    "919-555-0102,Omar Haddad,vip;lead\n"
    "12,Bad Row,\n"
    "919-555-0101,Jane Twice,\n"
)


def test_contacts_create_edit_import_with_preview_at_390px(
    browser_page, owner, tenant, celery_worker
):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto("/contacts/")
    check_page(page)

    page.click("text=New contact")
    page.fill("#number", "555")
    page.click("button:has-text('Add contact')")
    page.wait_for_selector("#number-error")
    check_page(page)
    page.fill("#number", "(919) 555-0199")
    page.fill("#name", "Dana Reyes")
    page.fill("#tags", "vip")
    page.click("button:has-text('Add contact')")
    page.wait_for_selector("h1:has-text('Dana Reyes')")
    check_page(page)

    page.goto("/contacts/")
    page.click("text=Import CSV")
    check_page(page)
    page.set_input_files(
        "#file", {"name": "list.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.click("button:has-text('Preview')")
    page.wait_for_selector("#import-preview")
    preview = page.inner_text("#import-preview")
    assert "+19195550101" in preview and "Omar Haddad" in preview
    assert "The same number as line 2." in page.inner_text("#import-errors")
    assert not Contact.objects.filter(tenant=tenant, number="+19195550101").exists()
    check_page(page)
    page.click("button:has-text('Import 2 contacts')")
    page.wait_for_selector("#import-result:has-text('2 new')")
    check_page(page)

    page.goto("/contacts/")
    page.select_option("#tag-filter", label="vip")
    page.click("button:has-text('Search')")
    page.wait_for_url("**tag=*")
    rows = page.inner_text("table.contacts tbody")
    assert "Dana Reyes" in rows and "Jane Doe" in rows and "Omar Haddad" in rows
    check_page(page)


def test_a_large_import_shows_its_progress_then_the_report(
    browser_page, owner, tenant, celery_worker
):
    lines = ["number,name"] + [f"+1919{4000000 + i:07d},Person {i}" for i in range(1500)]
    lines.append("not a number,Broken")
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto("/contacts/import/")
    page.set_input_files(
        "#file",
        {"name": "big.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()},
    )
    page.click("button:has-text('Preview')")
    page.wait_for_selector("#import-preview")
    page.click("button:has-text('Import 1500 contacts')")
    page.wait_for_selector("#import-bar, #import-result")
    check_page(page)
    page.wait_for_selector("#import-result:has-text('1500 new')", timeout=60_000)
    assert "not a number" in page.inner_text("#import-errors")
    check_page(page)
    assert Contact.objects.filter(tenant=tenant).count() == 1500


def test_a_broadcast_from_the_ui_with_its_report(browser_page, owner, line, celery_worker):
    for number in ("+19195551001", "+19195551002", "+19195551003"):
        services.contact_create(tenant=line.tenant, number=number, tags=["spring"])
    services.contact_create(tenant=line.tenant, number="+19195551004", tags=["spring"])
    services.contact_opt_out(tenant=line.tenant, number="+19195551004", source="agent")
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto("/broadcasts/")
    check_page(page)
    page.click("text=New broadcast")
    check_page(page)
    page.fill("#name", "Spring sale")
    page.select_option("#audience", label="spring")
    page.fill("#text", "Spring sale: 20% off this week")
    page.click("button:has-text('Send broadcast')")
    page.wait_for_url("**/broadcasts/*/")
    check_page(page)
    page.wait_for_selector("#figure-delivered:has-text('3')", timeout=60_000)
    page.wait_for_selector("#broadcast-status:has-text('Sent')")
    assert "Opted out: 1" in page.inner_text("#broadcast-skipped")
    check_page(page)
    broadcast = Broadcast.objects.get(tenant=line.tenant)
    assert broadcast.status == "done"
