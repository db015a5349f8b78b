"""Issue 13, parts 1, 2, 3 and 8 in Chromium: times and names, invitations, notifications and the
number search, at 390 px wide and with axe-core finding no serious or critical violation."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from messaging.models import Contact
from tenants.models import Membership

from ..conftest import sign_in
from ..messaging.conftest import Wired, drain, post_events, received
from .accessibility import assert_accessible, assert_no_sideways_scroll, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}

RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class {
  constructor(title, options) {
    window.__notifications.push({title, body: options && options.body});
  }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


@pytest.fixture
def ny(tenant):
    tenant.timezone = "America/New_York"
    tenant.save()
    return Wired(tenant, "+19195550101")


def _check(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_a_text_scheduled_for_1934_in_new_york_reads_1934(browser_page, ny, owner, other_owner):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto("/inbox/new/")
    assert "America/New_York" in page.inner_text("label[for=send_at]")
    page.fill("#to", "+19195550142")
    page.fill("#text", "See you at the shop")
    page.fill("#send_at", "2027-01-15T19:34")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r".*/inbox/\d+/$"))
    scheduled = page.inner_text(".scheduled-for")
    assert scheduled == "Jan 15, 2027, 19:34"
    assert page.get_attribute(".scheduled-for time", "datetime") == "2027-01-15T19:34:00-05:00"
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.click("text=Edit or cancel")
    assert "Jan 15, 2027, 19:34" in page.inner_text(".scheduled-for")
    # The contact's name replaces the number once it has one; E.164 stays as secondary text.
    Contact.objects.filter(tenant=ny.tenant).update(name="Jane Doe")
    page.goto("/inbox/?view=all")
    row = page.inner_text("#conversation-rows")
    assert "Jane Doe" in row and "+19195550142" in row
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_email_invitation_to_password_to_sign_in(browser_page, owner, other_owner):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    _check(page, "/settings/members/")
    page.fill("#id_email", "new.hire@example.com")
    page.click("text=Invite")
    page.wait_for_selector("text=emailed them a link")
    assert "Temporary password" not in page.content()
    [invitation] = [m for m in mail.outbox if m.to == ["new.hire@example.com"]]
    link = re.search(r"https?://\S+/accounts/invite/\S+/", invitation.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    page.click("text=Sign out")
    page.goto(path)
    page.wait_for_selector("text=Welcome to Parley")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.fill("#id_new_password1", "a-Fresh-passphrase-42")
    page.fill("#id_new_password2", "a-Fresh-passphrase-42")
    page.click("text=Set password")
    page.wait_for_url("**/accounts/login/")
    page.fill("#id_username", "new.hire@example.com")
    page.fill("#id_password", "a-Fresh-passphrase-42")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    assert "Acme Plumbing" in page.inner_text("header")
    assert "Globex Dental" not in page.content()
    member = Membership.objects.get(user__email="new.hire@example.com")
    assert member.tenant_id == owner.tenant_id


def test_profile_and_security_pages(browser_page, owner):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    _check(page, "/profile/")
    page.fill("#id_first_name", "Ada")
    page.fill("#id_phone", "12")
    page.click("text=Save profile")
    page.wait_for_selector("#phone-error")
    assert page.get_attribute("#id_phone", "aria-invalid") == "true"
    assert_accessible(page)
    page.fill("#id_phone", "(919) 555-0177")
    page.click("text=Save profile")
    page.wait_for_selector("text=Your profile was saved.")
    assert "Ada" in page.inner_text("header")
    _check(page, "/settings/security/")
    _check(page, "/profile/two-factor/")
    _check(page, "/profile/password/")


def test_unread_total_title_and_browser_notification(browser_page, live_server, owner):
    wired = Wired(owner.tenant, "+19195550101")
    owner.notify_sound = True
    owner.save()
    page = browser_page
    page.add_init_script(RECORD_NOTIFICATIONS)
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    _check(page, "/dashboard/")
    page.wait_for_function("() => document.querySelector('[data-unread]').hidden === true")
    page.wait_for_timeout(600)  # the first poll has its cursor

    post_events(
        Client(), wired.auth, [received(wired.e164, "+19195550142", "Open today?", message_id="b1")]
    )
    drain()
    page.wait_for_function("() => document.title.startsWith('(1) ')", timeout=15_000)
    assert page.inner_text("[data-unread-count]") == "1"
    assert page.is_visible("[data-unread]")
    notes = page.evaluate("() => window.__notifications")
    assert notes == [{"title": "New text from (919) 555-0142", "body": "Open today?"}]
    assert_accessible(page)

    # The next page knows the total at once, and its first poll finds nothing new: a 304.
    polls: list[int] = []
    page.on(
        "response",
        lambda response: (
            polls.append(response.status) if "/notifications/poll/" in response.url else None
        ),
    )
    page.goto("/contacts/")
    assert page.inner_text("[data-unread-count]") == "1"
    assert page.title().startswith("(1) ")
    page.wait_for_timeout(800)
    assert polls and polls[0] == 304, polls


def test_number_search_errors_stay_inline(browser_page, owner):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    _check(page, "/numbers/")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#search-error")
    assert "Fill in one of" in page.inner_text("#search-error")
    assert page.is_visible("#search-title") and page.is_visible("#number-list")
    assert page.get_attribute("#area_code", "aria-invalid") == "true"

    page.fill("#area_code", "12")
    page.click("#search-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#search-error').textContent.includes('not an area code')"
    )
    page.fill("#area_code", "")
    page.fill("#city", "Raleigh")
    page.click("#search-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#search-error').textContent.includes('state')"
    )
    assert page.get_attribute("#state", "aria-invalid") == "true"
    assert page.get_attribute("#area_code", "aria-invalid") is None
    assert page.is_visible("#search-title")
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_favicon_and_icons_are_served(browser_page, owner):
    page = browser_page
    sign_in(page, owner)
    href = page.get_attribute("link[rel=icon]", "href")
    assert page.request.get(href).status == 200
    assert page.request.get("/favicon.ico").status == 200
    for name in ["inbox", "message", "phone", "clock", "alert", "check"]:
        assert page.request.get(f"/static/icons/{name}.svg").status == 200


def test_the_accessibility_check_finds_a_serious_violation(browser_page, owner):
    """The checker is live: an image without a text alternative on a page is reported."""
    page = browser_page
    sign_in(page, owner)
    assert serious_violations(page) == []
    page.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/static/favicon.svg';"
        " document.querySelector('main').append(i); }"
    )
    assert any(v["id"] == "image-alt" for v in serious_violations(page))


def _current_code(user) -> str:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    # A code is accepted once: forgetting the last one stands for the next 30 s window.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_two_factor_set_up_then_asked_at_sign_in(browser_page, owner):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    page.goto("/profile/")
    page.click("text=Set up two-factor sign-in")
    page.wait_for_selector(".qr svg")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.fill("#id_token", _current_code(owner.user))
    page.click("text=Turn on")
    page.wait_for_selector("text=Two-factor sign-in is on.")

    page.click("text=Sign out")
    page.fill("#id_username", owner.user.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/\?next=.*"))
    assert_accessible(page)
    page.fill("#id_token", "000000" if _current_code(owner.user) != "000000" else "111111")
    page.click("text=Continue")
    page.wait_for_selector("#token-error")
    page.wait_for_timeout(1100)  # django-otp makes the next try after a wrong code wait 1 s
    page.fill("#id_token", _current_code(owner.user))
    page.click("text=Continue")
    page.wait_for_url("**/dashboard/")


def test_other_touched_pages_fit_a_phone_and_pass_axe(browser_page, owner, other_owner):
    wired = Wired(owner.tenant, "+19195550101")
    post_events(
        Client(), wired.auth, [received(wired.e164, "+19195550142", "Hello", message_id="t1")]
    )
    drain()
    contact = Contact.objects.get(tenant=owner.tenant)
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    for path in [
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/calls/",
        "/calls/voicemail/",
        "/settings/members/",
        "/settings/tokens/",
    ]:
        _check(page, path)
    # Another tenant's contact is not found.
    page.click("text=Sign out")
    sign_in(page, other_owner)
    assert page.goto(f"/contacts/{contact.pk}/").status == 404
