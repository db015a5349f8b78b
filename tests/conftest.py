"""Fixtures shared by every test module: two tenants, their people, and API clients."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from numbers.models import PhoneNumber
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from bandwidth.client import reset_client_caches
from bandwidth.emulator.app import RunningEmulator, start_in_thread
from bandwidth.emulator.config import EmulatorConfig
from bandwidth.emulator.state import Application
from carrier.models import Provisioning
from carrier.webhook_auth import generate_tenant_credentials
from config.celery import app as celery_app
from tenants import services
from tenants.models import Membership, Tenant

from .factories import PASSWORD, MembershipFactory, TenantFactory

TIME_SCALE = 0.02


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters and routing caches live in Redis; each test starts without them."""
    cache.clear()


def _uses_transactions(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


def _busy_sessions() -> list[tuple[int, str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, left(query, 200) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend' AND state <> 'idle'"
        )
        return list(cursor.fetchall())


@pytest.fixture(autouse=True)
def _quiet_database_before_flush(
    request: pytest.FixtureRequest, django_db_blocker: Any
) -> Iterator[None]:
    """A test with real transactions ends with a TRUNCATE of every table. Work the test set
    going (a callback the live server is still handling, a worker thread finishing a task)
    may still hold locks then, and the TRUNCATE deadlocks with it; so wait for the other
    sessions on the test database to go idle, and end any that do not within 10 s."""
    yield
    if not _uses_transactions(request):
        return
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        deadline = time.monotonic() + 10
        while (busy := _busy_sessions()) and time.monotonic() < deadline:
            time.sleep(0.05)
        if busy:
            with connection.cursor() as cursor:
                for pid, state, query in busy:
                    print(f"ending a session still {state} after the test: {query!r}")
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture(autouse=True)
def _no_lookup_without_the_emulator(settings: Any) -> None:
    """Sends check recipients' line types against Bandwidth; only the ``bandwidth`` fixture
    (the emulator) turns that on, so no test reaches the internet."""
    settings.LINE_TYPE_LOOKUP_ON_SEND = False


@pytest.fixture
def tenant(db: None) -> Tenant:
    return TenantFactory(name="Acme Plumbing", slug="acme")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return TenantFactory(name="Globex Dental", slug="globex")


@pytest.fixture
def owner(tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=tenant, role=Membership.Role.OWNER)


@pytest.fixture
def admin_member(tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=tenant, role=Membership.Role.ADMIN)


@pytest.fixture
def agent(tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=tenant, role=Membership.Role.AGENT)


@pytest.fixture
def other_owner(other_tenant: Tenant) -> Membership:
    return MembershipFactory(tenant=other_tenant, role=Membership.Role.OWNER)


@pytest.fixture
def login() -> Callable[[Membership], Client]:
    """A browser-like client signed in as the given member.

    ``force_login``: the login throttle needs a request, which ``Client.login`` does not give it;
    tests about signing in post the real login form instead.
    """

    def sign_in(membership: Membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    return sign_in


@pytest.fixture
def make_token() -> Callable[..., str]:
    def issue(tenant: Tenant, scopes: list[str] | None = None, **kwargs: Any) -> str:
        _, plaintext = services.api_token_create(
            tenant=tenant, name="test", scopes=scopes or services.ALL_SCOPES, **kwargs
        )
        return plaintext

    return issue


@pytest.fixture
def api() -> Callable[[str], APIClient]:
    def client_for(token: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return client_for


@pytest.fixture
def tenant_api(
    tenant: Tenant, make_token: Callable[..., str], api: Callable[[str], APIClient]
) -> APIClient:
    return api(make_token(tenant))


@pytest.fixture
def other_api(
    other_tenant: Tenant, make_token: Callable[..., str], api: Callable[[str], APIClient]
) -> APIClient:
    return api(make_token(other_tenant))


@pytest.fixture
def bandwidth(settings: Any, live_server: Any) -> Iterator[RunningEmulator]:
    """The Bandwidth emulator over real HTTP, with Parley pointed at it and it at Parley.

    Parley's base URLs name the emulator and PUBLIC_BASE_URL names the live server, so Parley's
    requests and the emulator's callbacks both cross loopback HTTP. Time runs ``TIME_SCALE`` fast.
    """
    running = start_in_thread(EmulatorConfig(port=0, time_scale=TIME_SCALE))
    settings.BANDWIDTH_ACCOUNT_ID = running.emulator.config.account_id
    settings.BANDWIDTH_CLIENT_ID = running.emulator.config.client_id
    settings.BANDWIDTH_CLIENT_SECRET = running.emulator.config.client_secret
    settings.BANDWIDTH_MESSAGING_BASE_URL = f"{running.url}/api/v2"
    settings.BANDWIDTH_VOICE_BASE_URL = f"{running.url}/api/v2"
    settings.BANDWIDTH_NUMBERS_BASE_URL = f"{running.url}/api"
    settings.BANDWIDTH_OAUTH_TOKEN_URL = f"{running.url}/api/v1/oauth2/token"
    settings.BANDWIDTH_API_BASE_URL = running.url
    settings.LINE_TYPE_LOOKUP_ON_SEND = True
    settings.PUBLIC_BASE_URL = live_server.url
    reset_client_caches()
    try:
        yield running
    finally:
        running.stop()
        reset_client_caches()


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[None]:
    """A real Celery worker (threads) consuming from the Redis broker, in this process."""
    celery_app.control.purge()
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        yield
    connections.close_all()


def totp_code(device: Any) -> str:
    """The code an authenticator app shows now. A code is accepted once and a wrong one makes
    the next try wait (django-otp's throttling): the test stands for "a little later" by
    forgetting both."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Polls until ``predicate`` returns something truthy; fails the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {predicate}")
        time.sleep(interval)


@dataclass(frozen=True)
class Line:
    """A tenant ready on the emulator with one active number, as provisioning leaves it."""

    tenant: Tenant
    number: PhoneNumber
    provisioning: Provisioning
    callback_username: str
    callback_password: str

    @property
    def e164(self) -> str:
        return self.number.number


def _make_line(running: RunningEmulator, tenant: Tenant, e164: str, public_url: str) -> Line:
    state = running.emulator.state
    creds = generate_tenant_credentials(tenant.id)
    pair = (creds.username, creds.password)
    site = state.add_site(f"t-{tenant.slug}"[:10])
    peer = state.add_sip_peer(site.id, f"{tenant.slug}-loc", is_default=True)
    messaging = state.add_application(
        Application(
            id=state.new_uuid(),
            service_type="Messaging-V2",
            name=f"{tenant.slug}-messaging",
            urls={
                "InboundCallbackUrl": f"{public_url}/webhooks/bandwidth/messaging/",
                "OutboundCallbackUrl": f"{public_url}/webhooks/bandwidth/messaging/",
            },
            inbound_credentials=pair,
            outbound_credentials=pair,
        )
    )
    voice = state.add_application(
        Application(
            id=state.new_uuid(),
            service_type="Voice-V2",
            name=f"{tenant.slug}-voice",
            urls={
                "CallInitiatedCallbackUrl": f"{public_url}/webhooks/bandwidth/voice/",
                "CallStatusCallbackUrl": f"{public_url}/webhooks/bandwidth/voice/",
            },
            callback_credentials=pair,
        )
    )
    with state.lock:
        peer.sms_enabled = peer.mms_enabled = True
        peer.messaging_application_id = messaging.id
        peer.voice_application_id = voice.id
    state.put_in_service(e164, site.id, peer.id)
    state.register_number(e164)
    provisioning, _ = Provisioning.objects.update_or_create(
        tenant=tenant,
        defaults={
            "status": Provisioning.Status.READY,
            "site_id": site.id,
            "peer_id": peer.id,
            "messaging_application_id": messaging.id,
            "voice_application_id": voice.id,
            "callback_username": creds.username,
            "callback_password_hash": creds.password_hash,
        },
    )
    number = PhoneNumber.objects.create(
        tenant=tenant,
        number=e164,
        status=PhoneNumber.Status.ACTIVE,
        capabilities=["sms", "mms", "voice"],
        site_id=site.id,
        peer_id=peer.id,
        messaging_status=PhoneNumber.MessagingStatus.READY,
    )
    return Line(tenant, number, provisioning, creds.username, creds.password)


@pytest.fixture
def make_line(bandwidth: RunningEmulator, live_server: Any) -> Callable[[Tenant, str], Line]:
    """Makes a tenant ready on the emulator (site, location, apps pointing at Parley) with a number.

    Tests of messaging and voice stand on this; tests/numbers proves the real provisioning flow.
    """

    def make(tenant: Tenant, e164: str) -> Line:
        return _make_line(bandwidth, tenant, e164, live_server.url)

    return make


@pytest.fixture
def line(make_line: Callable[[Tenant, str], Line], tenant: Tenant) -> Line:
    return make_line(tenant, "+19195550101")


@pytest.fixture
def other_line(make_line: Callable[[Tenant, str], Line], other_tenant: Tenant) -> Line:
    return make_line(other_tenant, "+19195550202")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium, pointed at the live server."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls that the test makes
    # between page actions are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def sign_in(page: Any, membership: Membership) -> None:
    """Signs a member in through the login form and waits for the dashboard."""
    page.goto("/accounts/login/")
    page.fill("#id_username", membership.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")


def admin_form_post(client: Client, url: str, changes: dict[str, Any]) -> Any:
    """Posts an admin change form as a browser would: every field and inline with its current
    value, then ``changes`` (by the fields' prefixed names) on top."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data: dict[str, Any] = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {management.add_prefix(name): management[name].value() for name in management.fields}
        )
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    data.update(changes)
    return client.post(url, data)
