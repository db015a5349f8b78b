"""Two-factor sign-in on the admin: staff with an authenticator give a code first, and with
ADMIN_REQUIRE_TWO_FACTOR staff without one set it up first, through the client UI's own pages."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.admin_site import ParleyAdminSite
from tenants.models import Tenant

from ..conftest import totp_code
from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "pw-staff-123"


def _wrong(device: TOTPDevice) -> str:
    return "000000" if totp_code(device) != "000000" else "111111"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff", "staff@parley.test", STAFF_PASSWORD)


@pytest.fixture
def staff_device(staff) -> TOTPDevice:
    return TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)


def _admin_sign_in(client: Client, username: str, password: str):
    """The admin's own login page, as staff use it."""
    assert client.get("/admin/login/").status_code == 200, "the login page stays open"
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def test_every_registration_lands_on_parleys_site(client, staff):
    assert isinstance(admin.site._wrapped, ParleyAdminSite)  # type: ignore[attr-defined]
    assert admin.site.is_registered(Tenant) and admin.site.is_registered(TOTPDevice)
    client.force_login(staff)
    index = client.get("/admin/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "/admin/tenants/tenant/" in page and "/admin/messaging/afterhoursreply/" in page


def test_staff_with_an_authenticator_give_a_code_before_the_admin(staff, staff_device, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False
    browser = Client()
    signed_in = _admin_sign_in(browser, "staff", STAFF_PASSWORD)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    for path in ("/admin/", "/admin/tenants/tenant/", "/admin/otp_totp/totpdevice/"):
        refused = browser.get(path)
        assert refused.status_code == 302, path
        assert refused["Location"] == f"/accounts/two-factor/?next={path.replace('/', '%2F')}"
    # Asking the admin's login page again leads to the code too, not around it.
    assert (
        browser.get("/admin/login/", follow=True)
        .redirect_chain[-1][0]
        .startswith("/accounts/two-factor/")
    )

    code_page = browser.get("/accounts/two-factor/?next=/admin/")
    assert code_page.status_code == 200 and "Enter your code" in code_page.content.decode()
    wrong = browser.post(
        "/accounts/two-factor/", {"token": _wrong(staff_device), "next": "/admin/"}
    )
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert browser.get("/admin/").status_code == 302, "a wrong code opens nothing"

    passed = browser.post(
        "/accounts/two-factor/", {"token": totp_code(staff_device), "next": "/admin/"}
    )
    assert passed.status_code == 302 and passed["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
    assert browser.get("/admin/tenants/tenant/").status_code == 200

    # The code counts for this session only: a new sign-in asks again.
    again = Client()
    _admin_sign_in(again, "staff", STAFF_PASSWORD)
    assert again.get("/admin/").status_code == 302


def test_staff_with_an_authenticator_cannot_swap_it_with_a_password_alone(
    client, staff, staff_device
):
    client.force_login(staff)
    setup = client.get("/profile/two-factor/?next=/admin/")
    assert setup.status_code == 302
    assert setup["Location"].startswith("/accounts/two-factor/?next=%2Fprofile%2Ftwo-factor%2F")
    posted = client.post("/profile/two-factor/", {"token": "123456", "next": "/admin/"})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/two-factor/")
    assert list(TOTPDevice.objects.filter(user=staff)) == [staff_device]
    assert client.get("/admin/").status_code == 302


def test_signing_out_of_the_admin_needs_nototp_code(client, staff, staff_device):
    client.force_login(staff)
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_required_two_factor_sends_staff_without_one_to_set_it_up(staff, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = True
    browser = Client()
    _admin_sign_in(browser, "staff", STAFF_PASSWORD)
    for path in ("/admin/", "/admin/tenants/tenant/"):
        refused = browser.get(path)
        assert refused.status_code == 302, path
        assert refused["Location"] == f"/profile/two-factor/?next={path.replace('/', '%2F')}"

    # Staff belong to no tenant; the set-up page is theirs all the same.
    setup = browser.get("/profile/two-factor/?next=/admin/")
    page = setup.content.decode()
    assert setup.status_code == 200 and 'id="totp-secret"' in page
    assert "Staff need a code from an authenticator app to use the admin." in page
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    wrong = browser.post("/profile/two-factor/", {"token": _wrong(device), "next": "/admin/"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert browser.get("/admin/").status_code == 302, "an unconfirmed authenticator opens nothing"

    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    done = browser.post("/profile/two-factor/", {"token": totp_code(device), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert TOTPDevice.objects.get(user=staff).confirmed
    assert browser.get("/admin/").status_code == 200

    # Next time the password is not enough: the code page, then the admin.
    later = Client()
    _admin_sign_in(later, "staff", STAFF_PASSWORD)
    assert later.get("/admin/")["Location"] == "/accounts/two-factor/?next=%2Fadmin%2F"
    later.post("/accounts/two-factor/", {"token": totp_code(device), "next": "/admin/"})
    assert later.get("/admin/").status_code == 200


def test_without_the_requirement_staff_without_an_authenticator_use_the_admin(
    client, staff, settings
):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False
    _admin_sign_in(client, "staff", STAFF_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tenants/tenant/").status_code == 200


@pytest.mark.parametrize("required", [True, False])
def test_members_who_are_not_staff_get_the_admin_login(owner, other_owner, settings, required):
    settings.ADMIN_REQUIRE_TWO_FACTOR = required
    device = TOTPDevice.objects.create(user=owner.user, name="Authenticator app", confirmed=True)
    browser = Client()
    browser.post(
        "/accounts/login/", {"username": owner.user.email, "password": PASSWORD}, follow=True
    )
    browser.post("/accounts/two-factor/", {"token": totp_code(device), "next": "/inbox/"})
    assert browser.get("/inbox/").status_code == 200, "signed in with the code"
    for path in ("/admin/", "/admin/tenants/tenant/"):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/?next="), path
    other = Client()
    other.force_login(other_owner.user)
    assert other.get("/admin/")["Location"].startswith("/admin/login/")
    anonymous = Client().get("/admin/")
    assert anonymous["Location"].startswith("/admin/login/")
