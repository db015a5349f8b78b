"""Numbers porting in from another carrier: held as ``porting`` while the port runs, ``active``
when it completes (routing to the tenant at once), released when it is cancelled.

The porting app drives these; the numbers app keeps the one rule that a number is held by one
tenant at a time and tells the apps above it through ``number_status_changed``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from carrier.models import Provisioning
from core import phones
from tenants.errors import Conflict
from tenants.models import Tenant

from .. import routing
from ..models import PhoneNumber
from ..signals import number_status_changed
from .orders import number_event_report


def _toll_free(number: str) -> bool:
    return number[2:5] in ("800", "833", "844", "855", "866", "877", "888")


@transaction.atomic
def number_port_hold(*, tenant: Tenant, numbers: list[str]) -> list[PhoneNumber]:
    """Rows in status ``porting`` for numbers a port-in brings; refused when another tenant (or
    this one) already holds one, or when the tenant's number limit would be passed."""
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    held = PhoneNumber.objects.for_tenant(locked).filter(status__in=PhoneNumber.HELD_STATUSES)
    if held.count() + len(numbers) > locked.number_limit:
        raise Conflict(
            f"{locked.name} may hold {locked.number_limit} numbers and holds {held.count()}; "
            "release one or ask Parley support to raise the limit.",
            field="numbers",
            code="number_limit",
        )
    taken = list(
        PhoneNumber.objects.filter(
            number__in=numbers, status__in=PhoneNumber.HELD_STATUSES
        ).values_list("number", flat=True)
    )
    if taken:
        raise Conflict(
            f"{', '.join(phones.format_number(n) for n in taken)} is already on Parley.",
            field="numbers",
            code="number_taken",
        )
    provisioning = Provisioning.objects.filter(tenant=tenant).first()
    rows = []
    try:
        with transaction.atomic():
            for number in numbers:
                rows.append(
                    PhoneNumber.objects.create(
                        tenant=tenant,
                        number=number,
                        kind=PhoneNumber.Kind.TOLL_FREE
                        if _toll_free(number)
                        else PhoneNumber.Kind.LOCAL,
                        capabilities=["sms", "mms", "voice"],
                        status=PhoneNumber.Status.PORTING,
                        site_id=provisioning.site_id if provisioning else "",
                        peer_id=provisioning.peer_id if provisioning else "",
                    )
                )
    except IntegrityError:
        raise Conflict(
            "Another request took one of these numbers a moment ago.", field="numbers"
        ) from None
    return rows


def _move(rows: list[PhoneNumber], target: str, reason: str = "") -> None:
    for phone_number in rows:
        old_status = phone_number.status
        phone_number.mark(target, reason)
        phone_number.save()
        routing.forget([(phone_number.pk, phone_number.number)])
        number_status_changed.send(
            sender=PhoneNumber,
            phone_number=phone_number,
            old_status=old_status,
            new_status=phone_number.status,
        )
        if phone_number.status == PhoneNumber.Status.ACTIVE:
            number_event_report(phone_number)


@transaction.atomic
def number_port_complete(*, tenant: Tenant, numbers: list[str]) -> list[PhoneNumber]:
    """The port completed: its numbers become ``active`` and route to the tenant now."""
    rows = list(
        PhoneNumber.objects.for_tenant(tenant)
        .select_for_update()
        .filter(number__in=numbers, status=PhoneNumber.Status.PORTING)
    )
    _move(rows, PhoneNumber.Status.ACTIVE)
    return rows


@transaction.atomic
def number_port_release(*, tenant: Tenant, numbers: list[str], reason: str) -> list[PhoneNumber]:
    """The port was cancelled (or the numbers left it): they are no longer held."""
    rows = list(
        PhoneNumber.objects.for_tenant(tenant)
        .select_for_update()
        .filter(number__in=numbers, status=PhoneNumber.Status.PORTING)
    )
    _move(rows, PhoneNumber.Status.RELEASED, reason[:300])
    return rows
