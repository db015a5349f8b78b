"""Failed-login throttling per account and per address, on the client UI's and the admin's login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from config.client_address import client_ip

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

UI_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def attempt(username: str, password: str, address: str, *, path: str = UI_LOGIN, **headers: str):
    return Client().post(
        path, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail(times: int, username: str, address: str, *, path: str = UI_LOGIN) -> list[int]:
    return [
        attempt(username, "not-the-password", address, path=path).status_code for _ in range(times)
    ]


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="locked-out"' in page and "Sign-in paused" in page and "15 minutes" in page
    assert "parley.css" in page, "the lockout page is the UI's, not bare text"


def assert_signed_in(response) -> None:
    assert response.status_code == 302, response.status_code
    assert "_auth_user_id" in response.client.session


def rewind(minutes: int) -> None:
    """Moves every recorded failure into the past, as if that much time had gone by."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_five_wrong_passwords_lock_the_account_from_every_address(owner, other_owner):
    email = owner.user.username
    assert fail(4, email, "203.0.113.5") == [200, 200, 200, 200]
    assert_locked_out(attempt(email, "not-the-password", "203.0.113.5"))

    assert_locked_out(attempt(email, PASSWORD, "203.0.113.5"))
    assert_locked_out(attempt(email, PASSWORD, "198.51.100.9"))
    assert_signed_in(attempt(other_owner.user.username, PASSWORD, "198.51.100.10"))


def test_a_locked_address_is_refused_for_every_account(owner, other_owner):
    for n in range(5):
        attempt(f"guess{n}@example.com", "not-the-password", "203.0.113.6")
    assert_locked_out(attempt(other_owner.user.username, PASSWORD, "203.0.113.6"))
    assert_signed_in(attempt(other_owner.user.username, PASSWORD, "203.0.113.7"))
    assert_signed_in(attempt(owner.user.username, PASSWORD, "203.0.113.8"))


def test_fewer_failures_than_the_limit_leave_the_account_open(owner):
    fail(4, owner.user.username, "203.0.113.9")
    assert_signed_in(attempt(owner.user.username, PASSWORD, "203.0.113.9"))


def test_the_admin_login_is_throttled_with_the_client_login(owner):
    staff = get_user_model().objects.create_superuser("staff", "staff@parley.test", PASSWORD)
    assert fail(4, "staff", "203.0.113.10", path=ADMIN_LOGIN) == [200, 200, 200, 200]
    assert_locked_out(attempt("staff", "not-the-password", "203.0.113.10", path=ADMIN_LOGIN))
    assert_locked_out(attempt("staff", PASSWORD, "198.51.100.11", path=ADMIN_LOGIN))
    assert_locked_out(attempt(staff.username, PASSWORD, "198.51.100.12"))

    # Failures on either form count together.
    fail(3, owner.user.username, "203.0.113.11")
    fail(1, owner.user.username, "203.0.113.12", path=ADMIN_LOGIN)
    assert_locked_out(attempt(owner.user.username, "nope", "203.0.113.13", path=ADMIN_LOGIN))


def test_the_lock_clears_after_the_cool_off(owner):
    email = owner.user.username
    fail(5, email, "203.0.113.14")
    rewind(14)
    assert_locked_out(attempt(email, PASSWORD, "203.0.113.14"))
    # A try while locked starts the cool-off again.
    rewind(14)
    assert_locked_out(attempt(email, PASSWORD, "203.0.113.14"))
    rewind(16)
    assert_signed_in(attempt(email, PASSWORD, "203.0.113.14"))


def test_the_limit_and_cool_off_come_from_settings(owner, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    email = owner.user.username
    assert fail(2, email, "203.0.113.15") == [200, 429]
    rewind(2)
    assert_signed_in(attempt(email, PASSWORD, "203.0.113.15"))


def test_staff_unlock_from_the_admin(owner, client):
    email = owner.user.username
    fail(5, email, "203.0.113.16")
    assert_locked_out(attempt(email, PASSWORD, "203.0.113.17"))

    client.force_login(
        get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-123")
    )
    listing = client.get(f"/admin/axes/accessattempt/?q={email}")
    assert listing.status_code == 200 and email in listing.content.decode()
    ids = [
        str(pk) for pk in AccessAttempt.objects.filter(username=email).values_list("pk", flat=True)
    ]
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert_signed_in(attempt(email, PASSWORD, "203.0.113.16"))


def test_staff_unlock_with_the_command(owner, other_owner):
    fail(5, owner.user.username, "203.0.113.18")
    fail(5, other_owner.user.username, "203.0.113.19")
    call_command("axes_reset_username", owner.user.username)
    assert_signed_in(attempt(owner.user.username, PASSWORD, "203.0.113.20"))
    assert_locked_out(attempt(other_owner.user.username, PASSWORD, "203.0.113.21"))


def test_forwarded_for_is_ignored_without_a_configured_proxy(owner, other_owner):
    for n in range(5):
        attempt(
            f"guess{n}@example.com",
            "not-the-password",
            "203.0.113.22",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = attempt(
        other_owner.user.username, PASSWORD, "203.0.113.22", HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert_locked_out(response)


def test_behind_a_configured_proxy_the_forwarded_client_is_throttled(owner, other_owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(5):
        # The left part is the client's own (forgeable); the proxy appended the right one.
        attempt(
            f"guess{n}@example.com",
            "not-the-password",
            proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.30",
        )
    assert_locked_out(
        attempt(
            other_owner.user.username,
            PASSWORD,
            proxy,
            HTTP_X_FORWARDED_FOR="192.0.2.200, 198.51.100.30",
        )
    )
    assert_signed_in(
        attempt(other_owner.user.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.31")
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.30"}


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),
        (1, "192.0.2.1, 198.51.100.30", "198.51.100.30"),
        (2, "192.0.2.1, 198.51.100.30, 10.0.0.9", "198.51.100.30"),
        (2, "198.51.100.30", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    settings, rf, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected
