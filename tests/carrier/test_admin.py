"""Admin: provisioning state and actions on tenants; Bandwidth accounts with an encrypted secret
and the connection test; a tenant moved onto its own account."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from carrier import services
from carrier.models import BandwidthAccount, Provisioning
from core import secret_box

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-1")
    client.force_login(user)
    return client


def test_tenant_admin_shows_provisioning_and_reruns_it(bandwidth, staff, tenant):
    Provisioning.objects.create(tenant=tenant, status="failed", error="Step 'site' failed: down")
    listing = staff.get("/admin/tenants/tenant/").content.decode()
    assert "failed: Step &#x27;site&#x27; failed: down" in listing
    assert staff.get("/admin/tenants/tenant/?provisioning__status__exact=failed").status_code == 200

    staff.post(
        "/admin/tenants/tenant/", {"action": "provision", "_selected_action": [str(tenant.pk)]}
    )

    assert Provisioning.objects.get(tenant=tenant).status == "ready"
    assert "ready" in staff.get("/admin/tenants/tenant/").content.decode()

    old_hash = Provisioning.objects.get(tenant=tenant).callback_password_hash
    staff.post(
        "/admin/tenants/tenant/",
        {"action": "rotate_callback_credentials", "_selected_action": [str(tenant.pk)]},
    )
    assert Provisioning.objects.get(tenant=tenant).callback_password_hash != old_hash


def test_bandwidth_account_secret_is_encrypted_and_never_shown(bandwidth, staff, tenant):
    response = staff.post(
        "/admin/carrier/bandwidthaccount/add/",
        {
            "name": "Acme's own",
            "kind": "tenant",
            "account_id": bandwidth.emulator.config.account_id,
            "client_id": bandwidth.emulator.config.client_id,
            "client_secret": bandwidth.emulator.config.client_secret,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = BandwidthAccount.objects.get(kind="tenant")
    secret = bandwidth.emulator.config.client_secret
    assert account.client_secret_encrypted and secret not in account.client_secret_encrypted
    assert secret_box.decrypt(account.client_secret_encrypted) == secret
    page = staff.get(f"/admin/carrier/bandwidthaccount/{account.pk}/change/").content.decode()
    assert secret not in page and account.client_secret_encrypted not in page

    staff.post(
        "/admin/carrier/bandwidthaccount/",
        {"action": "test_connection", "_selected_action": [str(account.pk)]},
    )
    account.refresh_from_db()
    assert account.last_test_ok is True

    account.client_secret_encrypted = secret_box.encrypt("wrong-secret")
    account.save()
    staff.post(
        "/admin/carrier/bandwidthaccount/",
        {"action": "test_connection", "_selected_action": [str(account.pk)]},
    )
    account.refresh_from_db()
    assert account.last_test_ok is False and account.last_test_message


def test_a_tenant_moved_onto_its_own_account_in_the_admin_is_provisioned_there(
    bandwidth, tenant, staff
):
    config = bandwidth.emulator.config
    account = BandwidthAccount.objects.create(
        name="Acme's own", kind="tenant", account_id=config.account_id, client_id=config.client_id
    )
    services.bandwidth_account_set_secret(account=account, client_secret=config.client_secret)
    assert 'name="provisioning-0-bandwidth_account"' in (
        staff.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    )
    pending = Provisioning.objects.create(tenant=tenant)
    response = staff.post(
        f"/admin/carrier/provisioning/{pending.pk}/change/", {"bandwidth_account": account.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    provisioning = services.provisioning_run(tenant=tenant)

    assert provisioning.status == "ready"
    assert provisioning.bandwidth_account == account
    account.refresh_from_db()
    assert account.orders_subscription_id  # the subscription lives on the tenant's account
    assert not BandwidthAccount.objects.filter(kind="platform").exists()
