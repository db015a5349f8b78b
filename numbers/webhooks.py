"""POST /webhooks/bandwidth/numbers/: order and disconnect notifications of a subscription.

Authenticated with the account's subscription credentials before the body is read; Bandwidth
never retries these, so every answer after authentication is 2xx and the reconciler covers the
rest. COMPLETE is applied from the notification; PARTIAL and FAILED are read back from Bandwidth,
whose order lists the error of each failed number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bandwidth.callbacks import CallbackParseError, NumbersNotification, parse_numbers_notification
from carrier import selectors as carrier_selectors
from carrier.models import BandwidthAccount
from carrier.webhook_auth import account_credentials_match, basic_credentials, challenge

from . import selectors, services
from .services import CUSTOMER_ORDER_PREFIX

logger = logging.getLogger(__name__)


def _account(request: HttpRequest) -> BandwidthAccount | None:
    credentials = basic_credentials(request)
    if credentials is None or not credentials[0].startswith("a-"):
        return None
    pk = credentials[0][2:]
    if not pk.isdigit():
        return None
    account = carrier_selectors.bandwidth_account_by_pk(pk=int(pk))
    if account is None or not account_credentials_match(
        request, account.notification_username, account.notification_password_hash
    ):
        return None
    return account


def _order_notification(account: BandwidthAccount, event: NumbersNotification) -> None:
    order = selectors.number_order_by_bandwidth_id(order_id=event.order_id or "")
    if order is None and event.order_id and event.customer_order_id:
        # Placing it timed out ambiguously: the notification tells us Bandwidth's id.
        order = services.number_order_adopt_bandwidth_id(
            account=account,
            customer_order_id=event.customer_order_id,
            bandwidth_order_id=event.order_id,
        )
    if order is None:
        logger.info(
            "numbers notification for unknown order %s (%s)", event.order_id, event.order_type
        )
        if event.order_id and (event.customer_order_id or "").startswith(CUSTOMER_ORDER_PREFIX):
            # Ours, and it may have completed before the purchase's transaction committed:
            # look again shortly and ask Bandwidth then.
            from .tasks import reconcile_order_placed

            try:
                reconcile_order_placed.apply_async((event.order_id,), countdown=2)
            except Exception:  # the broker is down: the beat reconciler still finds the order
                logger.exception("could not queue reconciliation of order %s", event.order_id)
        return
    tenant_account = carrier_selectors.bandwidth_account_for(tenant=order.tenant)
    expected = account.pk if account.kind == BandwidthAccount.Kind.TENANT else None
    if (tenant_account.pk if tenant_account else None) != expected:
        logger.warning("numbers notification for order %s from another account", order.pk)
        return
    status = (event.status or "").upper()
    if status == "COMPLETE" or status in ("RECEIVED", "BACKORDERED"):
        services.number_order_apply_notification(
            order=order,
            status=status,
            completed=list(event.completed_numbers),
            errors=list(event.errors),
            message=event.message or "",
        )
        return
    from .tasks import reconcile_order

    order_id = order.pk
    transaction.on_commit(lambda: reconcile_order.delay(order_id))


HANDLERS: dict[str, Callable[[BandwidthAccount, NumbersNotification], None]] = {
    "orders": _order_notification,
    "disconnects": _order_notification,
}


@csrf_exempt
@require_POST
def numbers_notification(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    if account is None:
        return challenge()
    try:
        event = parse_numbers_notification(request.body)
    except CallbackParseError as error:
        logger.warning("unreadable numbers notification: %s", error)
        return HttpResponse(f"unreadable notification: {error}", status=400)
    handler = HANDLERS.get((event.order_type or "").lower())
    if handler is None:
        logger.info("numbers notification of type %s ignored", event.order_type)
    else:
        handler(account, event)
    return HttpResponse(status=200)
