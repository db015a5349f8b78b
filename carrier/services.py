"""Every write of the carrier app: provisioning tenants and managing Bandwidth accounts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from bandwidth.errors import BandwidthError
from core import secret_box
from tenants.errors import ParleyError
from tenants.models import Tenant
from tenants.signals import tenant_created

from . import provisioning as provisioning_steps
from .clients import client_for_account
from .models import BandwidthAccount, Provisioning

logger = logging.getLogger(__name__)


# --- provisioning ---


def provisioning_run(*, tenant: Tenant, verify: bool = False) -> Provisioning:
    """Creates (or finishes creating) the tenant's site, location, apps and subscriptions."""
    return provisioning_steps.run(tenant=tenant, verify=verify)


def provisioning_rotate_credentials(*, tenant: Tenant) -> Provisioning:
    """New callback credentials for the tenant's messaging and voice apps."""
    return provisioning_steps.rotate_callback_credentials(tenant=tenant)


@transaction.atomic
def provisioning_give_up(*, tenant_id: str, reason: str) -> None:
    """Provisioning stopped retrying: it stays failed, saying why, until staff run it again."""
    provisioning = (
        Provisioning.objects.select_for_update()
        .filter(tenant_id=tenant_id)
        .exclude(status=Provisioning.Status.READY)
        .first()
    )
    if provisioning is None:
        return
    step = provisioning.error.split(" failed:", 1)[0] if provisioning.error else ""
    provisioning.status = Provisioning.Status.FAILED
    provisioning.error = (f"{step} failed; {reason}" if step else reason)[:2000]
    provisioning.save(update_fields=["status", "error", "updated_at"])


def provisioning_enqueue(*, tenant: Tenant, verify: bool = False) -> None:
    """After commit, the worker provisions the tenant (retrying while Bandwidth is unreachable)."""
    Provisioning.objects.get_or_create(tenant=tenant)
    tenant_id = str(tenant.id)

    def send() -> None:
        from .tasks import provision_tenant

        try:
            provision_tenant.delay(tenant_id, verify)
        except Exception:  # the broker is down: the admin action or the seed runs it again
            logger.exception("could not queue provisioning of tenant %s", tenant_id)

    transaction.on_commit(send)


def _provision_new_tenant(sender: Any, tenant: Tenant, **kwargs: Any) -> None:
    provisioning_enqueue(tenant=tenant)


def connect_signals() -> None:
    """A tenant created by ``tenants.services.tenant_create`` is provisioned after commit."""
    tenant_created.connect(_provision_new_tenant, dispatch_uid="carrier.provision_new_tenant")


# --- Bandwidth accounts ---


@transaction.atomic
def bandwidth_account_set_secret(*, account: BandwidthAccount, client_secret: str) -> None:
    """Stores a tenant-owned account's OAuth2 client secret, encrypted; it is never shown again."""
    client_secret = client_secret.strip()
    if not client_secret:
        raise ParleyError("The client secret cannot be empty.", field="client_secret")
    account.client_secret_encrypted = secret_box.encrypt(client_secret)
    account.save(update_fields=["client_secret_encrypted"])


def bandwidth_account_test(*, account: BandwidthAccount) -> tuple[bool, str]:
    """Signs in and runs one harmless search; records and returns the outcome."""
    try:
        client = client_for_account(account)
        client.numbers.search_available_numbers(area_code="919", quantity=1)
    except BandwidthError as error:
        ok, message = False, f"{type(error).__name__}: {error.description}"
    except ImproperlyConfigured as error:
        ok, message = False, str(error)
    else:
        ok, message = True, "Signed in and searched numbers."
    account.last_test_ok = ok
    account.last_test_message = message[:300]
    account.save(update_fields=["last_test_ok", "last_test_message"])
    return ok, message


# --- encryption keys ---


@dataclass(frozen=True)
class FieldKeysRotated:
    """What ``field_keys_rotate`` did to one encrypted column."""

    field: str
    rotated: int
    already_current: int
    unreadable: list[Any]


@transaction.atomic
def field_keys_rotate() -> list[FieldKeysRotated]:
    """Re-encrypts every stored secret with the newest FIELD_ENCRYPTION_KEYS key.

    Values already under the newest key are left alone; values no configured key decrypts are left
    alone too and reported by primary key, so the key that wrote them is not dropped by mistake.
    """
    secret_box.keys()
    results = []
    for app_label, model_name, field in secret_box.FIELDS:
        model = apps.get_model(app_label, model_name)
        rotated, current, unreadable = 0, 0, []
        rows = model._default_manager.select_for_update().exclude(**{field: ""}).order_by("pk")
        for pk, ciphertext in rows.values_list("pk", field):
            if secret_box.is_current(ciphertext):
                current += 1
                continue
            try:
                fresh = secret_box.rotate(ciphertext)
            except ImproperlyConfigured:
                unreadable.append(pk)
                continue
            model._default_manager.filter(pk=pk).update(**{field: fresh})
            rotated += 1
        results.append(
            FieldKeysRotated(f"{app_label}.{model_name}.{field}", rotated, current, unreadable)
        )
    return results
