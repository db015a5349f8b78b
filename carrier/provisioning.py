"""Tenant provisioning on Bandwidth: site, location, messaging and voice apps, notifications.

Every step records what it produced before the next starts, so a run that failed part-way resumes
where it stopped. Callbacks of the tenant's apps carry credentials generated for the tenant; only a
keyed hash is kept, so setting them (first run or rotation) updates both apps at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from bandwidth.client import BandwidthClient
from bandwidth.client.numbers_xml import CallbackCredentials
from bandwidth.errors import BandwidthError, NotFoundError
from tenants.errors import Conflict
from tenants.models import Tenant

from .clients import client_for_account
from .models import BandwidthAccount, Provisioning
from .webhook_auth import (
    forget_tenant_credentials,
    generate_account_credentials,
    generate_tenant_credentials,
)

logger = logging.getLogger(__name__)


def messaging_callback_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/bandwidth/messaging/"


def voice_callback_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/bandwidth/voice/"


def numbers_callback_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/bandwidth/numbers/"


def account_for(provisioning: Provisioning) -> BandwidthAccount:
    """The tenant's own account, or the platform's row (created from settings on first use)."""
    if provisioning.bandwidth_account is not None:
        return provisioning.bandwidth_account
    account = BandwidthAccount.objects.filter(kind=BandwidthAccount.Kind.PLATFORM).first()
    if account is not None:
        return account
    account, _ = BandwidthAccount.objects.get_or_create(
        kind=BandwidthAccount.Kind.PLATFORM,
        defaults={"name": "Platform", "account_id": settings.BANDWIDTH_ACCOUNT_ID},
    )
    return account


def _app_name(tenant: Tenant, kind: str) -> str:
    return f"parley-{tenant.slug}-{kind}"[:60]


def _record(provisioning: Provisioning, step: str, **fields: str) -> None:
    for name, value in fields.items():
        setattr(provisioning, name, value)
    if step not in provisioning.steps_done:
        provisioning.steps_done = [*provisioning.steps_done, step]
    provisioning.save(update_fields=[*fields, "steps_done", "updated_at"])


def _set_callback_credentials(
    client: BandwidthClient, tenant: Tenant, provisioning: Provisioning
) -> None:
    creds = generate_tenant_credentials(tenant.id)
    pair = CallbackCredentials(user_id=creds.username, password=creds.password)
    client.numbers.update_messaging_application(
        provisioning.messaging_application_id,
        name=_app_name(tenant, "messaging"),
        inbound_callback_url=messaging_callback_url(),
        outbound_callback_url=messaging_callback_url(),
        inbound_credentials=pair,
        outbound_credentials=pair,
    )
    client.numbers.update_voice_application(
        provisioning.voice_application_id,
        name=_app_name(tenant, "voice"),
        call_initiated_callback_url=voice_callback_url(),
        call_status_callback_url=voice_callback_url(),
        callback_credentials=pair,
    )
    _record(
        provisioning,
        "callback_credentials",
        callback_username=creds.username,
        callback_password_hash=creds.password_hash,
    )
    forget_tenant_credentials(tenant.id)


def ensure_notifications(client: BandwidthClient, account: BandwidthAccount) -> None:
    """Order and disconnect subscriptions, once per Bandwidth account (they are account-wide)."""
    with transaction.atomic():
        account = BandwidthAccount.objects.select_for_update().get(pk=account.pk)
        wanted = {"orders": account.orders_subscription_id, "disconnects": ""}
        wanted["disconnects"] = account.disconnects_subscription_id
        if all(_subscription_alive(client, sid) for sid in wanted.values()):
            return
        for subscription_id in wanted.values():
            if subscription_id:
                with contextlib.suppress(NotFoundError):
                    client.numbers.delete_subscription(subscription_id)
        creds = generate_account_credentials(account.pk)
        ids = {
            order_type: client.numbers.create_subscription(
                order_type=order_type,
                url=numbers_callback_url(),
                username=creds.username,
                password=creds.password,
            )
            for order_type in ("orders", "disconnects")
        }
        account.orders_subscription_id = ids["orders"]
        account.disconnects_subscription_id = ids["disconnects"]
        account.notification_username = creds.username
        account.notification_password_hash = creds.password_hash
        account.save(
            update_fields=[
                "orders_subscription_id",
                "disconnects_subscription_id",
                "notification_username",
                "notification_password_hash",
            ]
        )


def _subscription_alive(client: BandwidthClient, subscription_id: str) -> bool:
    if not subscription_id:
        return False
    try:
        subscription = client.numbers.get_subscription(subscription_id)
    except NotFoundError:
        return False
    return subscription.url == numbers_callback_url()


def _steps(
    client: BandwidthClient, tenant: Tenant, p: Provisioning, account: BandwidthAccount
) -> list[tuple[str, Callable[[], None]]]:
    """The steps in order; each reads the ids earlier steps recorded on ``p`` when it runs."""
    numbers = client.numbers

    def site() -> None:
        name = f"p{tenant.id.hex[:9]}"
        _record(p, "site", site_id=numbers.create_site(name=name, description=tenant.name))

    def location() -> None:
        name = f"{tenant.slug}-location"[:40]
        peer_id = numbers.create_sip_peer(p.site_id, name=name, is_default=True)
        _record(p, "location", peer_id=peer_id)

    def sms() -> None:
        numbers.enable_sms(p.site_id, p.peer_id)
        _record(p, "sms")

    def mms() -> None:
        numbers.enable_mms(p.site_id, p.peer_id)
        _record(p, "mms")

    def messaging_app() -> None:
        application = numbers.create_messaging_application(
            name=_app_name(tenant, "messaging"),
            inbound_callback_url=messaging_callback_url(),
            outbound_callback_url=messaging_callback_url(),
        )
        _record(p, "messaging_app", messaging_application_id=application.application_id)

    def voice_app() -> None:
        application = numbers.create_voice_application(
            name=_app_name(tenant, "voice"),
            call_initiated_callback_url=voice_callback_url(),
            call_status_callback_url=voice_callback_url(),
        )
        _record(p, "voice_app", voice_application_id=application.application_id)

    def callback_credentials() -> None:
        _set_callback_credentials(client, tenant, p)

    def assign_messaging() -> None:
        numbers.assign_messaging_application(p.site_id, p.peer_id, p.messaging_application_id)
        _record(p, "assign_messaging")

    def assign_voice() -> None:
        numbers.assign_voice_application(p.site_id, p.peer_id, p.voice_application_id)
        _record(p, "assign_voice")

    def notifications() -> None:
        ensure_notifications(client, account)
        _record(p, "notifications")

    steps = [
        site,
        location,
        sms,
        mms,
        messaging_app,
        voice_app,
        callback_credentials,
        assign_messaging,
        assign_voice,
        notifications,
    ]
    return [(step.__name__, step) for step in steps]


def run(*, tenant: Tenant, verify: bool = False) -> Provisioning:
    """Runs the steps not done yet; on a Bandwidth error records FAILED with the reason and raises.

    ``verify`` checks that a ready tenant's apps and the account's subscriptions still exist
    (a new Bandwidth account, or the emulator restarted) and provisions again when they do not.
    """
    provisioning, _ = Provisioning.objects.get_or_create(tenant=tenant)
    account = account_for(provisioning)
    client = client_for_account(None if account.kind == account.Kind.PLATFORM else account)
    if verify and provisioning.status == Provisioning.Status.READY:
        _verify(client, provisioning, account)
    provisioning.status = Provisioning.Status.PENDING
    provisioning.error = ""
    provisioning.save(update_fields=["status", "error", "updated_at"])
    current = ""
    try:
        for name, step in _steps(client, tenant, provisioning, account):
            current = name
            if name not in provisioning.steps_done:
                step()
                logger.info("provisioning %s: step %s done", tenant.id, name)
    except BandwidthError as error:
        provisioning.status = Provisioning.Status.FAILED
        provisioning.error = f"Step {current!r} failed: {error.description}"[:2000]
        provisioning.save(update_fields=["status", "error", "updated_at"])
        logger.warning("provisioning %s failed at %s: %s", tenant.id, current, error)
        raise
    provisioning.status = Provisioning.Status.READY
    provisioning.save(update_fields=["status", "updated_at"])
    return provisioning


def _verify(client: BandwidthClient, provisioning: Provisioning, account: BandwidthAccount) -> None:
    try:
        client.numbers.get_application(provisioning.messaging_application_id)
    except NotFoundError:
        logger.warning("provisioning %s: apps are gone; provisioning again", provisioning.tenant_id)
        provisioning.steps_done = []
        provisioning.save(update_fields=["steps_done", "updated_at"])
        return
    if not (
        _subscription_alive(client, account.orders_subscription_id)
        and _subscription_alive(client, account.disconnects_subscription_id)
    ):
        provisioning.steps_done = [s for s in provisioning.steps_done if s != "notifications"]
        provisioning.save(update_fields=["steps_done", "updated_at"])


def rotate_callback_credentials(*, tenant: Tenant) -> Provisioning:
    provisioning = Provisioning.objects.get(tenant=tenant)
    if not (provisioning.messaging_application_id and provisioning.voice_application_id):
        raise Conflict("The tenant has no applications yet; provision it first.")
    account = account_for(provisioning)
    client = client_for_account(None if account.kind == account.Kind.PLATFORM else account)
    _set_callback_credentials(client, tenant, provisioning)
    return provisioning
