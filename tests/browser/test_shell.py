"""The client UI shell in Chromium: sign in, create an API token shown once, revoke it."""

import pytest

from tenants.models import ApiToken

from ..conftest import sign_in
from ..factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_create_and_revoke_a_token(browser_page, owner, other_owner):
    page = browser_page
    page.goto("/")
    page.fill("#id_username", owner.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    assert "Acme Plumbing" in page.inner_text("header")

    page.click("nav >> text=Settings")
    page.wait_for_url("**/settings/members/")
    assert other_owner.user.email not in page.content()

    page.click("text=API tokens")
    page.fill("#id_name", "browser token")
    page.click("form >> text=Create token")
    secret = page.inner_text("#new-token code.secret")
    token = ApiToken.objects.get(name="browser token")
    assert secret.startswith(f"prl_{token.prefix}_")

    page.on("dialog", lambda dialog: dialog.accept())
    page.click(f"#token-{token.pk} >> text=Revoke")
    page.wait_for_selector(f"#token-{token.pk} >> text=revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_phone_width_layout_keeps_navigation_usable(browser_page, owner):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, owner)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert page.is_visible("nav >> text=Contacts")
