"""The numbers API against the emulator over HTTP: search, buy, order webhook, PARTIAL and
FAILED orders, the reconciler, release, bad input, and two tenants."""

from __future__ import annotations

from datetime import timedelta
from numbers import tasks
from numbers.models import NumberOrder, PhoneNumber
from numbers.routing import route_for
from numbers.signals import number_status_changed

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections
from django.utils import timezone

from carrier.models import Provisioning
from config.celery import app as celery_app

from ..conftest import wait_until
from .conftest import buy, search, status_of, wait_for_status

pytestmark = pytest.mark.django_db(transaction=True)


def _placed_at_bandwidth(emulator, order):
    """The emulator's order with our CustomerOrderId, once Bandwidth has it."""
    with emulator.emulator.state.lock:
        orders = list(emulator.emulator.state.orders.values())
    return next((o for o in orders if o.customer_order_id == order.customer_order_id), None)


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    if field:
        assert field in error["fields"], error
    return error


def test_search_by_area_code_gives_e164_numbers_with_their_place(ready, tenant_api):
    results = search(tenant_api, area_code="919", quantity=5)

    assert len(results) == 5
    for result in results:
        assert result["number"].startswith("+1919") and len(result["number"]) == 12
        assert result["display"].startswith("(919) ")
        assert result["state"] == "NC"
        assert result["city"] and result["rate_center"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"zip": "27601"}, None),
        ({"city": "Raleigh", "state": "NC"}, None),
        ({"toll_free": "8**"}, None),
    ],
)
def test_search_by_zip_city_and_toll_free(ready, tenant_api, query, field):
    results = search(tenant_api, **query, quantity=3)
    assert len(results) == 3
    if "toll_free" in query:
        assert all(r["number"][2] == "8" and r["kind"] == "toll_free" for r in results)


def test_search_gives_at_most_50(ready, tenant_api):
    assert len(search(tenant_api, area_code="919", quantity=50)) == 50
    response = tenant_api.get("/api/v1/numbers/available/", {"area_code": "919", "quantity": 51})
    assert_error(response, 400, "invalid", "quantity")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"area_code": "19"}, "area_code"),
        ({"area_code": "119"}, "area_code"),
        ({"zip": "27a01"}, "zip"),
        ({"city": "Raleigh", "state": "ZZ"}, "state"),
        ({"city": "Raleigh"}, "state"),
        ({"toll_free": "9**"}, "toll_free"),
        ({}, "area_code"),
        ({"area_code": "919", "zip": "27601"}, "zip"),
        ({"area_code": "919", "quantity": 0}, "quantity"),
    ],
)
def test_malformed_searches_are_400_naming_the_field(ready, tenant_api, query, field):
    response = tenant_api.get("/api/v1/numbers/available", query)
    assert_error(response, 400, "invalid", field)


def test_numbers_any_tenant_holds_are_never_offered(ready, tenant, other_tenant, tenant_api):
    first = search(tenant_api, area_code="919", quantity=3)
    # Held in Parley by the other tenant (whatever Bandwidth says about it).
    PhoneNumber.objects.create(
        tenant=other_tenant, number=first[0]["number"], status=PhoneNumber.Status.ACTIVE
    )
    again = [r["number"] for r in search(tenant_api, area_code="919", quantity=3)]
    assert first[0]["number"] not in again


def test_buy_then_the_order_webhook_makes_the_number_active(
    ready, tenant, tenant_api, celery_worker
):
    offer = search(tenant_api, area_code="919", quantity=1)[0]

    created = buy(tenant_api, [offer["number"]])

    assert created[0]["number"] == offer["number"]
    assert created[0]["status"] == "ordering"
    active = wait_for_status(created[0]["id"], "active")
    assert active.city == offer["city"] and active.state == "NC"
    provisioning = Provisioning.objects.get(tenant=tenant)
    assert (active.site_id, active.peer_id) == (provisioning.site_id, provisioning.peer_id)
    order = active.order
    assert order.status == NumberOrder.Status.COMPLETE
    assert order.completed_numbers == [offer["number"]]
    assert order.customer_order_id.startswith("parley-")
    in_service = ready.emulator.state.number_in_service(offer["number"])
    assert in_service.peer_id == provisioning.peer_id
    body = tenant_api.get(f"/api/v1/numbers/{active.pk}/").json()
    assert body["status"] == "active" and body["number"] == offer["number"]
    orders = tenant_api.get("/api/v1/number-orders/").json()["results"]
    assert [o["id"] for o in orders] == [order.pk]
    assert tenant_api.get(f"/api/v1/number-orders/{order.pk}/").json()["status"] == "COMPLETE"


def test_a_partial_order_activates_what_completed_and_reports_the_rest(
    ready, tenant, tenant_api, celery_worker
):
    good, taken = [o["number"] for o in search(tenant_api, area_code="919", quantity=2)]
    # Someone else on Bandwidth takes one of them before our order completes.
    ready.emulator.state.put_in_service(taken, "1", "1")

    created = {n["number"]: n["id"] for n in buy(tenant_api, [good, taken])}

    wait_for_status(created[good], "active")
    failed = wait_for_status(created[taken], "failed")
    assert "Telephone Number Unavailable" in failed.status_reason
    order = failed.order
    assert order.status == NumberOrder.Status.PARTIAL
    assert order.failed_numbers == [taken]
    assert any(e["code"] == "5005" for e in order.errors)
    assert route_for(good).tenant_id == tenant.id
    assert route_for(taken) is None


def test_a_failed_order_shows_bandwidths_reason(ready, tenant_api, celery_worker):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    ready.emulator.state.put_in_service(number, "1", "1")

    created = buy(tenant_api, [number])

    failed = wait_for_status(created[0]["id"], "failed")
    assert "Telephone Number Unavailable" in failed.status_reason
    assert "5005" in failed.status_reason
    assert failed.order.status == NumberOrder.Status.FAILED
    body = tenant_api.get(f"/api/v1/numbers/{failed.pk}/").json()
    assert body["status"] == "failed" and "Unavailable" in body["status_reason"]


def test_the_reconciler_completes_an_order_whose_notification_was_lost(
    ready, tenant_api, celery_worker
):
    ready.emulator.state.subscriptions.clear()  # the notification never arrives
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    created = buy(tenant_api, [number])
    order = wait_until(lambda: NumberOrder.objects.filter(bandwidth_order_id__isnull=False).first())
    placed = ready.emulator.state.orders[order.bandwidth_order_id]
    wait_until(lambda: placed.status == "COMPLETE")

    # Not yet a minute old: the reconciler leaves it to the notification.
    assert tasks.reconcile_open_orders() == 0
    NumberOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert tasks.reconcile_open_orders() == 1

    number_row = PhoneNumber.objects.get(pk=created[0]["id"])
    assert number_row.status == PhoneNumber.Status.ACTIVE
    assert NumberOrder.objects.get(pk=order.pk).status == NumberOrder.Status.COMPLETE
    assert tasks.reconcile_open_orders() == 0


def test_release_disconnects_and_the_number_becomes_released(
    ready, tenant, tenant_api, celery_worker
):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    wait_for_status(pk, "active")
    assert route_for(number).tenant_id == tenant.id

    response = tenant_api.delete(f"/api/v1/numbers/{pk}/")

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "releasing"
    assert route_for(number) is None  # routes nothing from the moment it is releasing
    released = wait_for_status(pk, "released")
    assert released.release_order.kind == NumberOrder.Kind.DISCONNECT
    assert released.release_order.status == NumberOrder.Status.COMPLETE
    assert ready.emulator.state.number_in_service(number) is None
    assert route_for(number) is None
    # Still readable, and a second release is refused.
    assert tenant_api.get(f"/api/v1/numbers/{pk}/").json()["status"] == "released"
    assert_error(tenant_api.delete(f"/api/v1/numbers/{pk}/"), 409, "not_active")


def test_rename_with_patch(ready, tenant_api, tenant):
    number = PhoneNumber.objects.create(tenant=tenant, number="+19195550111", status="active")
    response = tenant_api.patch(
        f"/api/v1/numbers/{number.pk}/", {"friendly_name": "Front desk"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["friendly_name"] == "Front desk"
    assert PhoneNumber.objects.get(pk=number.pk).friendly_name == "Front desk"


def test_a_number_not_offered_by_a_search_is_refused(ready, tenant_api):
    response = tenant_api.post("/api/v1/numbers/", {"numbers": ["+19195550123"]}, format="json")
    assert_error(response, 400, "not_offered", "numbers")
    assert not PhoneNumber.objects.exists() and not NumberOrder.objects.exists()


@pytest.mark.parametrize(
    "numbers", [[], ["9195550123"], ["+449195550123"], "+19195550123", ["+19195550123"] * 2]
)
def test_malformed_purchases_are_400(ready, tenant_api, numbers):
    response = tenant_api.post("/api/v1/numbers/", {"numbers": numbers}, format="json")
    assert response.status_code == 400, response.content
    assert not PhoneNumber.objects.exists() and not NumberOrder.objects.exists()


def test_the_number_limit_is_checked_first(ready, tenant, tenant_api):
    tenant.number_limit = 1
    tenant.save()
    numbers = [o["number"] for o in search(tenant_api, area_code="919", quantity=2)]
    response = tenant_api.post("/api/v1/numbers/", {"numbers": numbers}, format="json")
    assert_error(response, 409, "number_limit", "numbers")
    assert not PhoneNumber.objects.exists() and not NumberOrder.objects.exists()
    assert not ready.emulator.state.orders


def test_a_bandwidth_refusal_fails_the_order_with_its_reason(
    ready, tenant, tenant_api, celery_worker
):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    Provisioning.objects.filter(tenant=tenant).update(site_id="424242")  # Bandwidth: 5016

    created = buy(tenant_api, [number])

    failed = wait_for_status(created[0]["id"], "failed")
    assert "5016" in failed.status_reason and "SiteId" in failed.status_reason
    order = NumberOrder.objects.get()
    assert order.status == NumberOrder.Status.FAILED and order.bandwidth_order_id is None
    assert any(e["code"] == "5016" for e in order.errors)
    assert not ready.emulator.state.orders
    assert route_for(number) is None


def test_bandwidth_down_delays_the_order_and_it_is_placed_once(ready, tenant_api, celery_worker):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    ready.emulator.faults.fail_next(1, 503, api="numbers")

    created = buy(tenant_api, [number])

    wait_for_status(created[0]["id"], "active")
    order = NumberOrder.objects.get()
    placed = [
        o
        for o in ready.emulator.state.orders.values()
        if o.customer_order_id == order.customer_order_id
    ]
    assert [o.id for o in placed] == [order.bandwidth_order_id]


def test_a_purchase_is_recorded_first_and_its_task_places_it_once(ready, tenant_api):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]

    created = buy(tenant_api, [number])

    # Committed without asking Bandwidth: nothing was held open while Bandwidth answered.
    order = NumberOrder.objects.get()
    assert order.bandwidth_order_id is None and order.placement_started_at is None
    assert created[0]["status"] == "ordering" and not ready.emulator.state.orders
    tasks.place_number_order(order.pk)
    tasks.place_number_order(order.pk)  # a repeated task sends nothing
    order.refresh_from_db()
    assert order.placement_started_at is not None
    assert list(ready.emulator.state.orders) == [order.bandwidth_order_id]
    assert ready.emulator.state.orders[order.bandwidth_order_id].customer_order_id == (
        order.customer_order_id
    )


def test_the_reconciler_places_an_order_whose_task_was_lost(ready, tenant_api):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    celery_app.control.purge()  # the placing task is lost with the broker's queue
    order = NumberOrder.objects.get()
    NumberOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=2))

    assert tasks.reconcile_open_orders() == 1

    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False):
        wait_for_status(pk, "active")
    connections.close_all()
    order.refresh_from_db()
    assert list(ready.emulator.state.orders) == [order.bandwidth_order_id]


def test_the_same_number_cannot_be_bought_by_two_tenants(ready, tenant_api, other_api):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    assert number in [r["number"] for r in search(other_api, area_code="919", quantity=1)]
    buy(tenant_api, [number])

    response = other_api.post("/api/v1/numbers/", {"numbers": [number]}, format="json")

    assert_error(response, 409, "conflict", "numbers")
    assert PhoneNumber.objects.filter(number=number).count() == 1


def test_another_tenants_numbers_and_orders_are_404(
    ready, tenant, tenant_api, other_api, celery_worker
):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    pk = buy(tenant_api, [number])[0]["id"]
    wait_for_status(pk, "active")
    order_pk = NumberOrder.objects.get().pk

    assert other_api.get("/api/v1/numbers/").json()["results"] == []
    assert other_api.get("/api/v1/number-orders/").json()["results"] == []
    for response in (
        other_api.get(f"/api/v1/numbers/{pk}/"),
        other_api.patch(f"/api/v1/numbers/{pk}/", {"friendly_name": "x"}, format="json"),
        other_api.delete(f"/api/v1/numbers/{pk}/"),
        other_api.get(f"/api/v1/number-orders/{order_pk}/"),
    ):
        assert_error(response, 404, "not_found")
    assert PhoneNumber.objects.get(pk=pk).status == "active"
    assert route_for(number).tenant_id == tenant.id
    mine = tenant_api.get("/api/v1/numbers/").json()["results"]
    assert [n["number"] for n in mine] == [number]


def test_tokens_without_the_admin_scope_cannot_buy_or_release(
    ready, tenant, make_token, api, tenant_api
):
    writer = api(make_token(tenant, scopes=["read", "write"]))
    number = search(writer, area_code="919", quantity=1)[0]["number"]
    response = writer.post("/api/v1/numbers/", {"numbers": [number]}, format="json")
    assert response.status_code == 403
    assert not PhoneNumber.objects.exists()


def test_buying_before_provisioning_is_ready_is_refused(bandwidth, tenant, tenant_api):
    response = tenant_api.get("/api/v1/numbers/available", {"area_code": "919"})
    assert_error(response, 409, "not_provisioned")


def test_an_ambiguous_order_timeout_is_kept_and_found_by_our_order_id(
    ready, tenant_api, settings, celery_worker
):
    ready.emulator.state.subscriptions.clear()  # only the reconciler can find the order
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    settings.BANDWIDTH_READ_TIMEOUT = 0.3
    ready.emulator.faults.set_latency(1.0)  # Bandwidth takes the order but answers too late
    try:
        created = buy(tenant_api, [number])
        assert created[0]["status"] == "ordering"
        order = NumberOrder.objects.get(numbers=[number])
        placed = wait_until(lambda: _placed_at_bandwidth(ready, order))
    finally:
        ready.emulator.faults.set_latency(0.0)
        settings.BANDWIDTH_READ_TIMEOUT = 15.0
    order.refresh_from_db()
    assert order.bandwidth_order_id is None and order.placement_started_at is not None
    wait_until(lambda: placed.status == "COMPLETE")

    NumberOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert tasks.reconcile_open_orders() == 1

    order.refresh_from_db()
    assert order.bandwidth_order_id == placed.id
    assert order.status == NumberOrder.Status.COMPLETE
    assert status_of(created[0]["id"]) == "active"
    assert (
        len([o for o in ready.emulator.state.orders.values() if number in o.requested_numbers]) == 1
    )


def test_an_order_bandwidth_never_received_fails_after_a_grace_period(ready, tenant):
    sent = timezone.now() - timedelta(minutes=2)
    order = NumberOrder.objects.create(
        tenant=tenant,
        kind=NumberOrder.Kind.ORDER,
        customer_order_id="lost-1",
        numbers=["+19195550999"],
        placement_started_at=sent,  # sent, and the answer was lost
    )
    pending = PhoneNumber.objects.create(
        tenant=tenant, number="+19195550999", status=PhoneNumber.Status.ORDERING, order=order
    )
    NumberOrder.objects.filter(pk=order.pk).update(created_at=sent)
    assert tasks.reconcile_open_orders() == 1
    assert NumberOrder.objects.get(pk=order.pk).status == NumberOrder.Status.RECEIVED

    six_minutes_ago = timezone.now() - timedelta(minutes=6)
    NumberOrder.objects.filter(pk=order.pk).update(
        created_at=six_minutes_ago, placement_started_at=six_minutes_ago, last_checked_at=None
    )
    assert tasks.reconcile_open_orders() == 1
    assert NumberOrder.objects.get(pk=order.pk).status == NumberOrder.Status.FAILED
    pending.refresh_from_db()
    assert pending.status == PhoneNumber.Status.FAILED
    assert "never received" in pending.status_reason


def test_a_notification_names_the_order_whose_placing_timed_out(
    ready, tenant_api, settings, celery_worker
):
    number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
    settings.BANDWIDTH_READ_TIMEOUT = 0.3
    ready.emulator.faults.set_latency(1.0)
    try:
        created = buy(tenant_api, [number])
        order = NumberOrder.objects.get(numbers=[number])
        wait_until(lambda: _placed_at_bandwidth(ready, order))
    finally:
        ready.emulator.faults.set_latency(0.0)
        settings.BANDWIDTH_READ_TIMEOUT = 15.0
    wait_for_status(created[0]["id"], "active")
    order.refresh_from_db()
    assert order.bandwidth_order_id and order.status == NumberOrder.Status.COMPLETE


def test_apps_above_numbers_hear_each_status_change_of_a_bought_then_released_number(
    ready, tenant_api, celery_worker
):
    heard: list[tuple[str, str, str]] = []

    def listener(sender, phone_number, old_status, new_status, **kwargs):
        heard.append((phone_number.number, old_status, new_status))

    number_status_changed.connect(listener)
    try:
        number = search(tenant_api, area_code="919", quantity=1)[0]["number"]
        pk = buy(tenant_api, [number])[0]["id"]
        wait_for_status(pk, "active")
        assert tenant_api.delete(f"/api/v1/numbers/{pk}/").status_code == 202
        wait_for_status(pk, "released")
    finally:
        number_status_changed.disconnect(listener)

    assert heard == [(number, "ordering", "active"), (number, "releasing", "released")]
