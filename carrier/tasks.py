"""Celery tasks of the carrier app: provisioning tenants on Bandwidth, through core.retries."""

from __future__ import annotations

from bandwidth.errors import AuthenticationError
from core.retries import READS, Decision
from tenants.models import Tenant

from . import services


def _provisioning_gave_up(tenant_id: str, verify: bool = False, *, decision: Decision) -> None:
    services.provisioning_give_up(tenant_id=tenant_id, reason=decision.reason)


# Provisioning repeats a step whose answer timed out, and a 401 too (make run's emulator may
# restart and forget the token it issued).
@READS.also_retrying(AuthenticationError).task(give_up=_provisioning_gave_up)
def provision_tenant(tenant_id: str, verify: bool = False) -> None:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return
    services.provisioning_run(tenant=tenant, verify=verify)
