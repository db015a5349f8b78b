"""Bandwidth's compliance notifications.

- ``tnoptions/``: a tnoptions order ended (Numbers subscription, Basic credentials of the
  account's compliance subscription, checked before the body is read).
- ``toll-free/``: a toll-free verification decision, signed with
  ``x-bandwidth-signature-hmac-sha256`` (HMAC-SHA256 of the body under the subscription's shared
  secret). A wrong or missing signature is refused with 403 and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bandwidth.callbacks import CallbackParseError, parse_numbers_notification
from bandwidth.client.compliance import toll_free_status_from
from carrier.webhook_auth import account_credentials_match, basic_credentials, challenge

from . import services

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "HTTP_X_BANDWIDTH_SIGNATURE_HMAC_SHA256"


@csrf_exempt
@require_POST
def tnoptions_notification(request: HttpRequest) -> HttpResponse:
    credentials = basic_credentials(request)
    account = services.tnoptions_webhook_account(credentials[0] if credentials else "")
    if account is None or not account_credentials_match(
        request, account.webhook_username, account.webhook_password_hash
    ):
        return challenge()
    try:
        event = parse_numbers_notification(request.body)
    except CallbackParseError as error:
        return HttpResponse(f"unreadable notification: {error}", status=400)
    if (event.order_type or "").lower() != "tnoptions":
        return HttpResponse(status=200)
    try:
        services.tnoptions_notification_record(
            body=request.body.decode(errors="replace"),
            order_id=event.order_id or "",
            customer_order_id=event.customer_order_id or "",
        )
    except Exception:  # Bandwidth never retries: the reconciler polls the order instead
        logger.exception("tnoptions notification for %s not applied", event.order_id)
    return HttpResponse(status=200)


def _signed(request: HttpRequest) -> bool:
    given = request.META.get(SIGNATURE_HEADER, "")
    if not given:
        return False
    for secret in services.toll_free_signing_secrets():
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            return True
    return False


@csrf_exempt
@require_POST
def toll_free_notification(request: HttpRequest) -> HttpResponse:
    if not _signed(request):
        return HttpResponse("signature missing or wrong", status=403)
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponse("not JSON", status=400)
    if not isinstance(body, dict) or not body.get("phoneNumber"):
        return HttpResponse("no phoneNumber", status=400)
    services.toll_free_notification_record(
        body=request.body.decode(errors="replace"), status=toll_free_status_from(body)
    )
    return HttpResponse(status=204)
