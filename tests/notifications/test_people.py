"""Profile, password change and reset, email invitations, two-factor sign-in."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.models import Membership

from ..conftest import totp_code
from ..factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-Fresh-passphrase-42"


def _link(mail, pattern: str) -> str:
    found = re.search(rf"https?://[^\s]+{pattern}[^\s]+/", mail.body)
    assert found, mail.body
    return found.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password}, follow=True)


def test_email_invite_then_set_password_then_sign_in(
    owner, login, mailoutbox, other_owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(owner).post(
            "/settings/members/", {"email": "New.Hire@Example.com", "role": "agent"}, follow=True
        )
    assert "emailed them a link" in response.content.decode()
    user = get_user_model().objects.get(email="new.hire@example.com")
    assert not user.has_usable_password()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new.hire@example.com"] and "Acme Plumbing" in mail.subject
    link = _link(mail, "/accounts/invite/")

    visitor = Client()
    form_page = visitor.get(link, follow=True)
    assert form_page.status_code == 200 and "Choose a password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = visitor.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/accounts/login/"
    assert "Your password is set" in done.content.decode()

    signed_in = _sign_in(Client(), "new.hire@example.com", NEW_PASSWORD)
    assert signed_in.redirect_chain[-1][0] == "/dashboard/"
    assert "Acme Plumbing" in signed_in.content.decode()
    assert "Globex Dental" not in signed_in.content.decode()

    # The link worked once.
    again = Client().get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_inviting_someone_with_an_account_tells_them_without_a_link(
    owner, other_owner, login, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(owner).post("/settings/members/", {"email": other_owner.user.email, "role": "agent"})
    assert len(mailoutbox) == 1
    assert "/accounts/invite/" not in mailoutbox[0].body
    assert other_owner.user.has_usable_password()
    assert Membership.objects.filter(user=other_owner.user).count() == 2


def test_a_refused_invitation_sends_nothing(owner, agent, login, mailoutbox):
    response = login(agent).post("/settings/members/", {"email": "x@example.com", "role": "agent"})
    assert response.status_code == 403
    response = login(owner).post("/settings/members/", {"email": agent.user.email, "role": "agent"})
    assert response.status_code == 400
    assert mailoutbox == []


def test_resend_an_invitation_only_in_ones_own_tenant(
    owner, other_owner, login, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(owner).post("/settings/members/", {"email": "later@example.com", "role": "agent"})
    pending = Membership.objects.get(user__email="later@example.com")
    assert login(other_owner).post(f"/settings/members/{pending.pk}/reinvite/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        login(owner).post(f"/settings/members/{pending.pk}/reinvite/")
    assert len(mailoutbox) == 2 and "/accounts/invite/" in mailoutbox[1].body


def test_password_reset_by_email(owner, mailoutbox):
    visitor = Client()
    sent = visitor.post("/accounts/password-reset/", {"email": owner.user.email}, follow=True)
    assert "Check your email" in sent.content.decode()
    link = _link(mailoutbox[0], "/accounts/reset/")
    form_page = visitor.get(link, follow=True)
    done = visitor.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    assert _sign_in(Client(), owner.user.email, NEW_PASSWORD).redirect_chain[-1][0] == "/dashboard/"
    # Unknown addresses are told the same and get nothing.
    Client().post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert len(mailoutbox) == 1


def test_profile_saves_name_phone_zone_and_notifications(owner, login, other_owner):
    client = login(owner)
    page = client.get("/profile/").content.decode()
    assert owner.user.email in page and other_owner.user.email not in page
    response = client.post(
        "/profile/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "(919) 555-0177",
            "timezone": "America/Chicago",
            "notify_sound": "on",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    owner.user.refresh_from_db()
    assert owner.user.get_full_name() == "Ada Lovelace"
    assert owner.phone == "+19195550177" and owner.timezone == "America/Chicago"
    assert (owner.notify_browser, owner.notify_sound, owner.notify_email) == (False, True, False)
    other_owner.refresh_from_db()
    assert other_owner.phone == "" and other_owner.timezone == ""
    assert "Ada Lovelace" in client.get("/dashboard/").content.decode()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("phone", "12", "phone"), ("phone", "+882 1234 5678", "phone"), ("timezone", "Mars/Base", "")],
)
def test_bad_profile_input_is_a_400_naming_the_field(owner, login, field, value, words):
    data = {"first_name": "Ada", "phone": "", "timezone": "", field: value}
    response = login(owner).post("/profile/", data)
    assert response.status_code == 400
    owner.refresh_from_db()
    owner.user.refresh_from_db()
    assert owner.user.first_name == "" and owner.phone == "" and owner.timezone == ""
    assert f'id="id_{field}"' in response.content.decode()


def test_password_change(owner, login):
    client = login(owner)
    response = client.post(
        "/profile/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password was changed" in response.content.decode()
    owner.user.refresh_from_db()
    assert owner.user.check_password(NEW_PASSWORD)
    wrong = client.post(
        "/profile/password/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()


def _turn_on_two_factor(client: Client, user) -> TOTPDevice:
    page = client.get("/profile/two-factor/").content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(
        "/profile/two-factor/", {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/profile/two-factor/", {"token": totp_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_two_factor_sign_in(owner, login):
    device = _turn_on_two_factor(login(owner), owner.user)
    browser = Client()
    signed_in = _sign_in(browser, owner.user.email, PASSWORD)
    assert signed_in.redirect_chain[-1][0].startswith("/accounts/two-factor/?next=")
    assert browser.get("/inbox/").status_code == 302
    refused = browser.post("/accounts/two-factor/", {"token": "12", "next": "/inbox/"})
    assert refused.status_code == 400 and "not right" in refused.content.decode()
    # Right away, even the right code waits: wrong codes cannot be tried quickly.
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    throttled = browser.post(
        "/accounts/two-factor/", {"token": f"{totp.token():06d}", "next": "/inbox/"}
    )
    assert throttled.status_code == 400 and "wait a few seconds" in throttled.content.decode()
    passed = browser.post("/accounts/two-factor/", {"token": totp_code(device), "next": "/inbox/"})
    assert passed.status_code == 302 and passed["Location"] == "/inbox/"
    assert browser.get("/inbox/").status_code == 200
    # An outside address is never a destination after the code.
    other = Client()
    _sign_in(other, owner.user.email, PASSWORD)
    away = other.post(
        "/accounts/two-factor/", {"token": totp_code(device), "next": "https://evil.example/"}
    )
    assert away["Location"] == "/"


def test_owner_requires_two_factor_for_the_tenant_only(owner, agent, other_owner, login):
    assert login(agent).post("/settings/security/", {"require_two_factor": "on"}).status_code == 403
    owner_client = login(owner)
    owner_client.post("/settings/security/", {"require_two_factor": "on"})
    owner.tenant.refresh_from_db()
    assert owner.tenant.require_two_factor
    other_owner.tenant.refresh_from_db()
    assert not other_owner.tenant.require_two_factor

    agent_client = login(agent)
    response = agent_client.get("/inbox/")
    assert response.status_code == 302 and response["Location"] == "/profile/two-factor/"
    _turn_on_two_factor(agent_client, agent.user)
    assert agent_client.get("/inbox/").status_code == 200
    assert login(other_owner).get("/inbox/").status_code == 200


def test_switching_two_factor_off_needs_a_currenttotp_code(owner, login):
    client = login(owner)
    device = _turn_on_two_factor(client, owner.user)
    client.post("/profile/two-factor/off/", {"token": "000001"})
    assert TOTPDevice.objects.filter(user=owner.user).exists()
    client.post("/profile/two-factor/off/", {"token": totp_code(device)})
    assert not TOTPDevice.objects.filter(user=owner.user).exists()
