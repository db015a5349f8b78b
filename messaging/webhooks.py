"""POST /webhooks/bandwidth/messaging/: Bandwidth's messaging callbacks (inbound and statuses).

Authenticated before parsing: no or wrong credentials get the Basic challenge (401 with
WWW-Authenticate). Every event's number must route to the tenant whose credentials came, else the
whole request is 401 and nothing is stored; that holds for a malformed element too, as far as its
``message.owner`` can be read. Events for numbers no tenant owns get 2xx, a log line and an
``unrouted`` raw-event row.

A body that is not JSON, or neither an array nor an object, is 400 (``parse_error``) and stores
nothing. Otherwise each element stands alone: a malformed one (a missing ``message.id``, a retired
v1 shape, a value the database cannot hold) is kept as a ``rejected`` raw-event row with its reason
and the element as it came, and the request still answers 2xx, so Bandwidth does not redeliver the
valid events beside it. Staff find rejected rows in the admin, correct them if needed and replay
them; the same malformed element delivered again stores nothing new (its key is a hash of it).

The request only stores the events (one INSERT ... ON CONFLICT DO NOTHING, so duplicates and
replays change nothing) and answers; a Celery task processes them (services.raw_events_drain).
Credentials and routes are read through messaging.memo (a one-second per-process memo in front of
carrier.webhook_auth and numbers.routing).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bandwidth.callbacks import CallbackParseError, parse_messaging_elements
from carrier.webhook_auth import challenge
from core.json_endpoints import error_response

from . import memo, services

logger = logging.getLogger("parley.messaging")


@csrf_exempt
@require_POST
def messaging_webhook(request: HttpRequest) -> HttpResponse:
    tenant_id = memo.tenant_id_for(request)
    if tenant_id is None:
        return challenge()
    try:
        parsed = parse_messaging_elements(request.body)
    except CallbackParseError as exc:
        return error_response(400, code="parse_error", message=str(exc))
    routes: list[bool] = []
    for event in parsed.events:
        number = services.our_number(event)
        route = memo.route(number) if number else None
        if route is not None and route.tenant_id != tenant_id:
            logger.warning("messaging webhook: %s belongs to another tenant", number)
            return challenge()
        routes.append(route is not None)
    for reject in parsed.rejects:
        number = reject.owner
        route = memo.route(number) if number else None
        if route is not None and route.tenant_id != tenant_id:
            logger.warning("messaging webhook: %s belongs to another tenant", number)
            return challenge()
    result = services.raw_events_accept(
        tenant_id=tenant_id, events=parsed.events, routes=routes, rejects=parsed.rejects
    )
    return JsonResponse(
        {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "unrouted": result.unrouted,
            "rejected": result.rejected,
        }
    )
