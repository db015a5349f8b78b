"""Provisioning a tenant on Bandwidth (the emulator over HTTP): from scratch, resumed, via the
worker on tenant creation, credential rotation, and the admin."""

from __future__ import annotations

import base64

import pytest
from django.test import RequestFactory

from bandwidth.errors import BandwidthError
from carrier import services
from carrier.models import BandwidthAccount, Provisioning
from carrier.webhook_auth import authenticated_tenant_id
from tenants import services as tenant_services

from ..conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_provisioning_from_scratch_creates_everything_on_the_platform_account(
    bandwidth, tenant, settings
):
    provisioning = services.provisioning_run(tenant=tenant)

    assert provisioning.status == Provisioning.Status.READY
    assert provisioning.error == ""
    state = bandwidth.emulator.state
    assert list(state.sites) == [provisioning.site_id]
    peer = state.sip_peers[provisioning.peer_id]
    assert peer.site_id == provisioning.site_id
    assert peer.sms_enabled and peer.mms_enabled
    assert peer.messaging_application_id == provisioning.messaging_application_id
    assert peer.voice_application_id == provisioning.voice_application_id
    messaging = state.applications[provisioning.messaging_application_id]
    voice = state.applications[provisioning.voice_application_id]
    base = settings.PUBLIC_BASE_URL
    assert messaging.service_type == "Messaging-V2"
    assert messaging.urls["InboundCallbackUrl"] == f"{base}/webhooks/bandwidth/messaging/"
    assert messaging.urls["OutboundCallbackUrl"] == f"{base}/webhooks/bandwidth/messaging/"
    assert voice.service_type == "Voice-V2"
    assert voice.urls["CallInitiatedCallbackUrl"] == f"{base}/webhooks/bandwidth/voice/"
    assert voice.urls["CallStatusCallbackUrl"] == f"{base}/webhooks/bandwidth/voice/"
    # Callback credentials are the tenant's own, and Parley keeps only a hash of the password.
    username, password = messaging.inbound_credentials
    assert username == f"t-{tenant.id.hex}" == provisioning.callback_username
    assert messaging.outbound_credentials == voice.callback_credentials == (username, password)
    assert password not in provisioning.callback_password_hash
    request = RequestFactory().post("/", HTTP_AUTHORIZATION=basic(username, password))
    assert authenticated_tenant_id(request) == tenant.id
    # Order and disconnect notifications, account-wide, with the account's own credentials.
    subscriptions = {s.order_type: s for s in state.subscriptions.values()}
    assert set(subscriptions) == {"orders", "disconnects"}
    for subscription in subscriptions.values():
        assert subscription.url == f"{base}/webhooks/bandwidth/numbers/"
    account = BandwidthAccount.objects.get()
    assert account.kind == BandwidthAccount.Kind.PLATFORM
    assert account.account_id == settings.BANDWIDTH_ACCOUNT_ID
    assert subscriptions["orders"].id == account.orders_subscription_id
    assert subscriptions["orders"].credentials[0] == account.notification_username


def test_second_tenant_reuses_the_accounts_subscriptions(bandwidth, tenant, other_tenant):
    first = services.provisioning_run(tenant=tenant)
    second = services.provisioning_run(tenant=other_tenant)

    state = bandwidth.emulator.state
    assert len(state.subscriptions) == 2
    assert BandwidthAccount.objects.count() == 1
    assert first.site_id != second.site_id
    assert first.messaging_application_id != second.messaging_application_id
    assert first.callback_username != second.callback_username


def test_a_failure_part_way_is_recorded_and_the_rerun_resumes_there(bandwidth, tenant, settings):
    public = settings.PUBLIC_BASE_URL
    settings.PUBLIC_BASE_URL = "ftp://nowhere.invalid"  # Bandwidth refuses the app's URLs

    with pytest.raises(BandwidthError):
        services.provisioning_run(tenant=tenant)

    failed = Provisioning.objects.get(tenant=tenant)
    assert failed.status == Provisioning.Status.FAILED
    assert "messaging_app" in failed.error and "http" in failed.error
    assert failed.steps_done == ["site", "location", "sms", "mms"]
    site_id, peer_id = failed.site_id, failed.peer_id

    settings.PUBLIC_BASE_URL = public
    resumed = services.provisioning_run(tenant=tenant)

    assert resumed.status == Provisioning.Status.READY
    assert (resumed.site_id, resumed.peer_id) == (site_id, peer_id)
    state = bandwidth.emulator.state
    assert len(state.sites) == 1 and len(state.sip_peers) == 1
    assert len(state.applications) == 2


def test_tenant_create_enqueues_provisioning_that_the_worker_runs(bandwidth, celery_worker):
    created = tenant_services.tenant_create(name="Initech", owner_email="bill@initech.test")

    provisioning = wait_until(
        lambda: Provisioning.objects.filter(
            tenant=created.tenant, status=Provisioning.Status.READY
        ).first()
    )
    assert provisioning.messaging_application_id in bandwidth.emulator.state.applications


def test_provisioning_that_keeps_failing_gives_up_with_the_reason(
    bandwidth, celery_worker, other_tenant, settings
):
    settings.RETRY_BASE_SECONDS = 0.1
    settings.RETRY_HORIZON_SECONDS = 2.0
    bandwidth.emulator.faults.fail_next(100, 503, api="numbers")
    created = tenant_services.tenant_create(name="Initech", owner_email="bill@initech.test")

    provisioning = wait_until(
        lambda: Provisioning.objects.filter(
            tenant=created.tenant, error__contains="gave up"
        ).first()
    )
    assert provisioning.status == Provisioning.Status.FAILED
    assert provisioning.error.startswith("Step 'site' failed; gave up after ")
    assert "over" in provisioning.error and ": 503" in provisioning.error
    assert 100 - len(bandwidth.emulator.faults.describe()["pending_failures"]) >= 2
    assert not Provisioning.objects.filter(tenant=other_tenant).exists()

    bandwidth.emulator.faults.clear()
    assert services.provisioning_run(tenant=created.tenant).status == Provisioning.Status.READY


def test_rotating_callback_credentials_replaces_them_on_both_apps(bandwidth, tenant):
    before = services.provisioning_run(tenant=tenant)
    state = bandwidth.emulator.state
    old_password = state.applications[before.messaging_application_id].inbound_credentials[1]

    services.provisioning_rotate_credentials(tenant=tenant)

    after = Provisioning.objects.get(tenant=tenant)
    messaging = state.applications[after.messaging_application_id]
    new_password = messaging.inbound_credentials[1]
    assert new_password != old_password
    assert state.applications[after.voice_application_id].callback_credentials[1] == new_password
    old = RequestFactory().post(
        "/", HTTP_AUTHORIZATION=basic(after.callback_username, old_password)
    )
    new = RequestFactory().post(
        "/", HTTP_AUTHORIZATION=basic(after.callback_username, new_password)
    )
    assert authenticated_tenant_id(old) is None
    assert authenticated_tenant_id(new) == tenant.id
