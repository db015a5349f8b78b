"""The Numbers page in Chromium: search 919, buy, watch it become active in place, release."""

from __future__ import annotations

from numbers.models import PhoneNumber

import pytest

from ..conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_buy_see_active_without_reload_then_release(
    ready, celery_worker, browser_page, owner, other_owner
):
    page = browser_page
    sign_in(page, owner)

    page.click("nav >> text=Numbers")
    page.wait_for_url("**/numbers/")
    page.fill("#area_code", "919")
    page.click("#search-form button[type=submit]")
    first = page.wait_for_selector("#results-form input[name=numbers]")
    number = first.get_attribute("value")
    assert page.url.endswith("/numbers/")  # the results came in place
    assert "(919) " in page.inner_text("#results-form")
    first.check()
    page.click("#buy-button")
    page.wait_for_selector(f"tr[data-number='{number}'][data-status='ordering']")

    # No navigation from here: the list refreshes itself until the order completes.
    page.evaluate("window.__sameDocument = true")
    page.wait_for_selector(f"tr[data-number='{number}'][data-status='active']")
    assert page.evaluate("window.__sameDocument") is True
    row = PhoneNumber.objects.get(number=number)
    assert row.tenant_id == owner.tenant_id and row.status == "active"

    page.on("dialog", lambda dialog: dialog.accept())
    page.click(f"button[data-release='{number}']")
    page.wait_for_selector(f"li[data-number='{number}'][data-status='released']", state="attached")
    row.refresh_from_db()
    assert row.status == "released"
    assert other_owner.tenant_id != row.tenant_id
