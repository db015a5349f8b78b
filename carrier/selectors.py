"""Reads of the carrier app: a tenant's provisioning and Bandwidth account."""

from __future__ import annotations

from tenants.models import Tenant

from .models import BandwidthAccount, Provisioning


def provisioning_for(*, tenant: Tenant) -> Provisioning | None:
    return Provisioning.objects.filter(tenant=tenant).first()


def bandwidth_account_for(*, tenant: Tenant) -> BandwidthAccount | None:
    """The tenant's own Bandwidth account, or None when it is on the platform's.

    Reads ``tenant.provisioning`` as a relation, so a caller that loaded the tenant with
    ``select_related("provisioning__bandwidth_account")`` pays no query here.
    """
    provisioning: Provisioning | None = getattr(tenant, "provisioning", None)
    return provisioning.bandwidth_account if provisioning is not None else None


def bandwidth_account_by_pk(*, pk: int) -> BandwidthAccount | None:
    """For account-wide notifications, whose credentials name the account, not a tenant."""
    return BandwidthAccount.objects.filter(pk=pk).first()
