"""The client UI in Chromium under its Content-Security-Policy: no page trips it, and what used to
be inline script (confirm dialogs, the tenant switcher) still works from static/parley.js."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from messaging.models import Conversation
from tenants import services
from tenants.models import ApiToken, Membership

from ..conftest import sign_in
from ..factories import PASSWORD, MembershipFactory
from ..messaging.conftest import Wired, drain, post_events, received

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts; Playwright injects it outside the page's policy.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


class PolicyWatch:
    """Collects violations from the page's events and from Chromium's console."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, path
        policy = response.header_value("content-security-policy") or ""
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy, path
        self.page.wait_for_load_state("load")
        # On UI pages htmx has started, when it would inject its indicator style.
        self.page.wait_for_function(
            "() => document.readyState === 'complete'"
            " && (window.htmx || !document.querySelector('meta[name=htmx-config]'))"
        )
        self.assert_clean(path)

    def page_violations(self) -> list[str]:
        return self.page.evaluate("() => window.__violations || []")

    def assert_clean(self, where: str) -> None:
        assert self.page_violations() == [], where
        assert self.console == [], where


@pytest.fixture
def conversation(owner: Membership) -> Conversation:
    wired = Wired(owner.tenant, "+19195550101")
    post_events(Client(), wired.auth, [received(wired.e164, "+19195550123", "Open today?")])
    drain()
    return Conversation.objects.get(tenant=owner.tenant)


def test_the_ui_runs_under_its_policy(browser_page, owner, conversation):
    page = browser_page
    watch = PolicyWatch(page)
    watch.visit("/accounts/login/")
    sign_in(page, owner)
    watch.assert_clean("dashboard after sign-in")

    number = conversation.phone_number
    contact = conversation.contacts.get()
    for path in [
        "/inbox/",
        f"/inbox/{conversation.pk}/",
        "/inbox/new/",
        "/numbers/",
        "/calls/",
        "/calls/voicemail/",
        "/calls/routes/",
        f"/calls/routes/{number.pk}/",
        "/calls/blocklist/",
        "/calls/dialer/",
        "/settings/canned-replies/",
        "/settings/after-hours/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/dashboard/",
        "/profile/",
        "/profile/password/",
        "/profile/two-factor/",
        "/settings/security/",
        "/settings/members/",
        "/settings/tokens/",
    ]:
        watch.visit(path)

    # htmx is configured from the meta tag, so it injected no style of its own.
    assert page.evaluate("() => htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("() => document.querySelectorAll('style').length") == 0
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('.subnav a')).textDecorationLine"
        )
        == "none"
    ), "parley.css is applied"

    watch.visit("/inbox/")
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.convo-side')).textAlign")
        == "right"
    ), "styles moved out of the templates still apply"

    # The typing counter is an htmx request from a swapped-in fragment: still nothing blocked.
    watch.visit(f"/inbox/{conversation.pk}/")
    page.fill("#text", "Hello there")
    page.wait_for_selector("#segments:has-text('1 segment')")
    watch.assert_clean("segment counter")

    # The watch really sees violations: an inline style attribute is refused and reported.
    page.evaluate(
        "() => document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')"
    )
    page.wait_for_function("() => window.__violations.length > 0")
    assert "style-src-attr" in " ".join(watch.page_violations())


def test_confirm_dialogs_ask_and_cancel_stops(browser_page, owner, agent):
    token, _ = services.api_token_create(
        tenant=owner.tenant, name="billing sync", scopes=services.ALL_SCOPES
    )
    page = browser_page
    watch = PolicyWatch(page)
    sign_in(page, owner)

    asked: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog: Any) -> None:
        asked.append(dialog.message)
        if answer["accept"]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)

    watch.visit("/settings/tokens/")
    page.click(f"#token-{token.pk} >> text=Revoke")
    assert asked == ["Revoke billing sync? Integrations using it stop working at once."]
    token.refresh_from_db()
    assert token.revoked_at is None
    assert page.url.endswith("/settings/tokens/")

    answer["accept"] = True
    page.click(f"#token-{token.pk} >> text=Revoke")
    page.wait_for_selector(f"#token-{token.pk} >> text=revoked")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None

    answer["accept"] = False
    watch.visit("/settings/members/")
    page.click(f"#member-{agent.pk} >> text=Remove")
    assert asked[-1] == f"Remove {agent.user.email}?"
    assert Membership.objects.filter(pk=agent.pk).exists()

    answer["accept"] = True
    page.click(f"#member-{agent.pk} >> text=Remove")
    page.wait_for_selector(f"#member-{agent.pk}", state="detached")
    assert not Membership.objects.filter(pk=agent.pk).exists()
    watch.assert_clean("after the dialogs")


def test_the_tenant_switcher_switches_on_change(browser_page, owner, other_tenant):
    MembershipFactory(tenant=other_tenant, user=owner.user, role=Membership.Role.AGENT)
    page = browser_page
    watch = PolicyWatch(page)
    sign_in(page, owner)
    assert "Acme Plumbing" in page.inner_text("#tenant-switch option:checked")

    with page.expect_navigation():
        page.select_option("#tenant-switch", str(other_tenant.id))
    page.wait_for_selector("#tenant-switch")
    assert "Globex Dental" in page.inner_text("#tenant-switch option:checked")
    # The agent's view of the other tenant: its settings nav has no API tokens entry.
    watch.visit("/settings/members/")
    assert not page.is_visible("text=API tokens")


def test_lockout_and_admin_pages_run_under_the_policy(browser_page, owner):
    page = browser_page
    watch = PolicyWatch(page)
    for _ in range(5):
        page.goto("/accounts/login/")
        page.fill("#id_username", owner.user.username)
        page.fill("#id_password", "not-the-password")
        with page.expect_navigation() as sent:
            page.click("button[type=submit]")
    assert sent.value.status == 429
    page.wait_for_selector("#locked-out >> text=Sign-in paused")
    watch.assert_clean("lockout page")

    # The browser's address is locked too; staff lift it before signing in to the admin.
    call_command("axes_reset")
    staff = get_user_model().objects.create_superuser("staff", "staff@parley.test", PASSWORD)
    watch.visit("/admin/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.wait_for_url("**/admin/")
    for path in [
        "/admin/",
        f"/admin/tenants/tenant/{owner.tenant_id}/change/",
        "/admin/axes/accessattempt/",
        "/admin/tenants/tenant/",
    ]:
        watch.visit(path)
    assert "Acme Plumbing" in page.inner_text("#result_list")
