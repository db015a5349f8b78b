"""POST /webhooks/bandwidth/messaging/: Bandwidth's messaging callbacks (inbound and statuses).

Authenticated before parsing: no or wrong credentials get the Basic challenge (401 with
WWW-Authenticate). Every event's number must route to the tenant whose credentials came, else the
whole request is 401 and nothing is stored. Events for numbers no tenant owns get 2xx, a log line
and an ``unrouted`` raw-event row.

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

from bandwidth.callbacks import CallbackParseError, parse_messaging_callbacks
from carrier.webhook_auth import challenge

from . import memo, services

logger = logging.getLogger("parley.messaging")


@csrf_exempt
@require_POST
def messaging_webhook(request: HttpRequest) -> HttpResponse:
    tenant_id = memo.tenant_id_for(request)
    if tenant_id is None:
        return challenge()
    try:
        events = parse_messaging_callbacks(request.body)
    except CallbackParseError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    routes: list[bool] = []
    for event in events:
        number = services.our_number(event)
        route = memo.route(number) if number else None
        if route is not None and route.tenant_id != tenant_id:
            logger.warning("messaging webhook: %s belongs to another tenant", number)
            return challenge()
        routes.append(route is not None)
    result = services.raw_events_accept(tenant_id=tenant_id, events=events, routes=routes)
    return JsonResponse(
        {"stored": result.stored, "duplicates": result.duplicates, "unrouted": result.unrouted}
    )
