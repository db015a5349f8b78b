"""POST /webhooks/bandwidth/messaging/: Bandwidth's messaging callbacks (inbound and statuses).

Authenticated before parsing: no or wrong credentials get the Basic challenge (401 with
WWW-Authenticate). Every event's number must route to the tenant whose credentials came, else the
whole request is 401 and nothing is stored. Events for numbers no tenant owns get 2xx, a log line
and an ``unrouted`` raw-event row.
"""

from __future__ import annotations

import logging
from numbers.routing import route_for
from numbers.webhook_auth import authenticated_tenant_id, challenge

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bandwidth.callbacks import CallbackParseError, parse_messaging_callbacks

from . import services

logger = logging.getLogger("parley.messaging")


@csrf_exempt
@require_POST
def messaging_webhook(request: HttpRequest) -> HttpResponse:
    tenant_id = authenticated_tenant_id(request)
    if tenant_id is None:
        return challenge()
    try:
        events = parse_messaging_callbacks(request.body)
    except CallbackParseError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    for event in events:
        number = services.our_number(event)
        route = route_for(number) if number else None
        if route is not None and route.tenant_id != tenant_id:
            logger.warning("messaging webhook: %s belongs to another tenant", number)
            return challenge()
    tenant = services.tenant_for_webhook(tenant_id=tenant_id)
    if tenant is None:
        return challenge()
    result = services.messaging_events_record(tenant=tenant, events=events)
    for bandwidth_id in result.unmatched:
        services.status_events_apply_unmatched(message_id=bandwidth_id)
    return JsonResponse(
        {"stored": result.stored, "duplicates": result.duplicates, "unrouted": result.unrouted}
    )
