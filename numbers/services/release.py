"""Releasing and renaming a tenant's numbers."""

from __future__ import annotations

import logging

from django.db import transaction

from bandwidth.errors import BandwidthError
from carrier.clients import client_for_tenant
from tenants.errors import Conflict, ParleyError
from tenants.models import Tenant

from .. import routing
from ..models import NumberOrder, PhoneNumber
from .orders import _new_customer_order_id
from .search import _bandwidth_refusal

logger = logging.getLogger(__name__)


@transaction.atomic
def number_release(*, tenant: Tenant, phone_number: PhoneNumber) -> PhoneNumber:
    """Disconnects the number: it stops routing at once, ``released`` once Bandwidth is done."""
    locked = PhoneNumber.objects.for_tenant(tenant).select_for_update().get(pk=phone_number.pk)
    if locked.status != PhoneNumber.Status.ACTIVE:
        raise Conflict(
            f"{locked.number} is {locked.get_status_display().lower()}; only an active number "
            "can be released.",
            code="not_active",
        )
    order = NumberOrder.objects.create(
        tenant=tenant,
        kind=NumberOrder.Kind.DISCONNECT,
        customer_order_id=_new_customer_order_id(),
        numbers=[locked.number],
    )
    locked.mark(PhoneNumber.Status.RELEASING)
    locked.release_order = order
    locked.save()
    routing.forget([(locked.pk, locked.number)])
    try:
        result = client_for_tenant(tenant).numbers.create_disconnect(
            customer_order_id=order.customer_order_id, numbers=[locked.number]
        )
    except BandwidthError as error:
        raise _bandwidth_refusal(error) from error
    order.bandwidth_order_id = result.order_id
    order.status = result.status or NumberOrder.Status.RECEIVED
    order.save(update_fields=["bandwidth_order_id", "status", "updated_at"])
    return locked


@transaction.atomic
def number_update(*, tenant: Tenant, phone_number: PhoneNumber, friendly_name: str) -> PhoneNumber:
    friendly_name = friendly_name.strip()
    if len(friendly_name) > 80:
        raise ParleyError("A name has at most 80 characters.", field="friendly_name")
    locked = PhoneNumber.objects.for_tenant(tenant).select_for_update().get(pk=phone_number.pk)
    locked.friendly_name = friendly_name
    locked.save(update_fields=["friendly_name", "updated_at"])
    routing.forget([(locked.pk, locked.number)])
    return locked
