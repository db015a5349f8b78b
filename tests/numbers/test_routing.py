"""route_for: our number → active PhoneNumber → tenant, cached, invalidated on every change."""

from __future__ import annotations

from numbers import services
from numbers.models import PhoneNumber
from numbers.routing import route_for

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = "+19195550177"


def queries_of(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured)


def test_steady_state_routing_costs_no_query(tenant):
    row = PhoneNumber.objects.create(tenant=tenant, number=NUMBER, status="active")
    first, first_queries = queries_of(lambda: route_for(NUMBER))
    again, again_queries = queries_of(lambda: route_for(NUMBER))
    assert first.tenant_id == again.tenant_id == tenant.id
    assert again.phone_number_id == row.pk
    assert first_queries == 1 and again_queries == 0


def test_unknown_numbers_are_cached_as_unowned_too(tenant):
    assert route_for("+19195550000") is None
    result, count = queries_of(lambda: route_for("+19195550000"))
    assert result is None and count == 0


def test_every_change_of_a_number_invalidates_its_route(tenant, other_tenant):
    row = PhoneNumber.objects.create(tenant=tenant, number=NUMBER, status="ordering")
    assert route_for(NUMBER) is None  # ordering routes nothing
    row.mark(PhoneNumber.Status.ACTIVE)
    row.save()
    assert route_for(NUMBER).tenant_id == tenant.id
    row.mark(PhoneNumber.Status.RELEASING)
    row.save()
    assert route_for(NUMBER) is None
    row.mark(PhoneNumber.Status.RELEASED)
    row.save()
    assert route_for(NUMBER) is None
    # The number comes back to another tenant: routing follows at once.
    theirs = PhoneNumber.objects.create(tenant=other_tenant, number=NUMBER, status="active")
    assert route_for(NUMBER).tenant_id == other_tenant.id
    assert route_for(NUMBER).phone_number_id == theirs.pk
    theirs.delete()
    assert route_for(NUMBER) is None


def test_rename_through_the_service_keeps_the_route_correct(tenant):
    row = PhoneNumber.objects.create(tenant=tenant, number=NUMBER, status="active")
    assert route_for(NUMBER).tenant_id == tenant.id
    services.number_update(tenant=tenant, phone_number=row, friendly_name="Sales")
    route, count = queries_of(lambda: route_for(NUMBER))
    assert route.tenant_id == tenant.id and count == 1
