"""Celery tasks of the carrier app: provisioning tenants on Bandwidth."""

from __future__ import annotations

from celery import shared_task

from bandwidth.errors import AuthenticationError, RateLimitedError, TransientError
from tenants.models import Tenant

from . import services


@shared_task(
    autoretry_for=(TransientError, RateLimitedError, AuthenticationError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=25,
)
def provision_tenant(tenant_id: str, verify: bool = False) -> None:
    """Retries while Bandwidth (or the emulator, in make run) is unreachable."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return
    services.provisioning_run(tenant=tenant, verify=verify)
