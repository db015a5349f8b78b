"""Admin: numbers and orders with filters and actions."""

from __future__ import annotations

from numbers.models import NumberOrder, PhoneNumber

import pytest
from django.contrib.auth import get_user_model

from .conftest import buy, search, wait_for_status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("staff", "staff@parley.test", "pw-staff-1")
    client.force_login(user)
    return client


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
        "/admin/carrier/provisioning/",
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
