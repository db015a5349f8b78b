"""Admin: numbers and orders with filters and actions; provisioning state and actions on
tenants; Bandwidth accounts with an encrypted secret and the connection test."""

from __future__ import annotations

from numbers.models import NumberOrder, PhoneNumber, Provisioning

import pytest
from django.contrib.auth import get_user_model

from tenants import secret_box
from tenants.models import BandwidthAccount, Tenant

from .conftest import buy, search, wait_for_status

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


def test_numbers_and_orders_admin_with_reconcile_and_release(
    ready, staff, tenant_api, celery_worker
):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    wait_for_status(pk, "active")
    order = NumberOrder.objects.get()

    for url in (
        "/admin/numbers/phonenumber/?status__exact=active&q=919",
        f"/admin/numbers/phonenumber/{pk}/change/",
        "/admin/numbers/numberorder/?kind__exact=order&status__exact=COMPLETE",
        f"/admin/numbers/numberorder/{order.pk}/change/",
        "/admin/numbers/provisioning/",
    ):
        response = staff.get(url)
        assert response.status_code == 200, url
    assert number in staff.get("/admin/numbers/phonenumber/?q=919").content.decode()

    staff.post("/admin/numbers/phonenumber/", {"action": "release", "_selected_action": [str(pk)]})
    wait_for_status(pk, "released")
    disconnect = NumberOrder.objects.get(kind="disconnect")
    NumberOrder.objects.filter(pk=disconnect.pk).update(status="RECEIVED", completed_at=None)
    staff.post(
        "/admin/numbers/numberorder/",
        {"action": "reconcile", "_selected_action": [str(disconnect.pk)]},
    )
    assert NumberOrder.objects.get(pk=disconnect.pk).status == "COMPLETE"
    assert PhoneNumber.objects.get(pk=pk).status == "released"


def test_bandwidth_account_secret_is_encrypted_and_never_shown(bandwidth, staff, tenant):
    response = staff.post(
        "/admin/tenants/bandwidthaccount/add/",
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
    page = staff.get(f"/admin/tenants/bandwidthaccount/{account.pk}/change/").content.decode()
    assert secret not in page and account.client_secret_encrypted not in page

    staff.post(
        "/admin/tenants/bandwidthaccount/",
        {"action": "test_connection", "_selected_action": [str(account.pk)]},
    )
    account.refresh_from_db()
    assert account.last_test_ok is True

    account.client_secret_encrypted = secret_box.encrypt("wrong-secret")
    account.save()
    staff.post(
        "/admin/tenants/bandwidthaccount/",
        {"action": "test_connection", "_selected_action": [str(account.pk)]},
    )
    account.refresh_from_db()
    assert account.last_test_ok is False and account.last_test_message


def test_a_tenant_on_its_own_account_is_provisioned_there(bandwidth, tenant, staff):
    from numbers import services

    config = bandwidth.emulator.config
    account = BandwidthAccount.objects.create(
        name="Acme's own", kind="tenant", account_id=config.account_id, client_id=config.client_id
    )
    services.bandwidth_account_set_secret(account=account, client_secret=config.client_secret)
    Tenant.objects.filter(pk=tenant.pk).update(bandwidth_account=account)
    tenant.refresh_from_db()

    provisioning = services.provisioning_run(tenant=tenant)

    assert provisioning.status == "ready"
    account.refresh_from_db()
    assert account.orders_subscription_id  # the subscription lives on the tenant's account
    assert not BandwidthAccount.objects.filter(kind="platform").exists()
