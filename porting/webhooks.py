"""POST /webhooks/bandwidth/portins/: the account's ``portins`` notifications.

Authenticated as the order notifications are (Basic, a 401 challenge first, the password kept
as a keyed hash and compared in constant time) before the body is read. Bandwidth never retries
these, so every answer after authentication is 2xx; the reconciler reads what is missed.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bandwidth.callbacks import CallbackParseError, parse_numbers_notification
from carrier.webhook_auth import account_credentials_match, basic_credentials, challenge

from . import services
from .models import PortInSubscription

logger = logging.getLogger(__name__)


def _subscription(request: HttpRequest) -> PortInSubscription | None:
    credentials = basic_credentials(request)
    if credentials is None or not credentials[0].startswith("p-"):
        return None
    subscription = services.subscription_by_username(username=credentials[0])
    if subscription is None or not account_credentials_match(
        request, subscription.username, subscription.password_hash
    ):
        return None
    return subscription


@csrf_exempt
@require_POST
def portins_notification(request: HttpRequest) -> HttpResponse:
    subscription = _subscription(request)
    if subscription is None:
        return challenge()
    try:
        event = parse_numbers_notification(request.body)
    except CallbackParseError as error:
        logger.warning("unreadable portins notification: %s", error)
        return HttpResponse(f"unreadable notification: {error}", status=400)
    if (event.order_type or "").lower() != "portins" or not event.order_id:
        logger.info("notification of type %s ignored", event.order_type)
        return HttpResponse(status=200)
    services.port_in_notified(
        subscription=subscription,
        order_id=event.order_id,
        status=event.status or "",
        note=event.note or event.message or "",
    )
    return HttpResponse(status=200)
