"""The dashboard and the notifications poll."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core import phones
from tenants.decorators import tenant_required

from . import selectors, services
from .models import Event

TITLES = {
    Event.Kind.TEXT: "New text from {}",
    Event.Kind.MISSED_CALL: "Missed call from {}",
    Event.Kind.VOICEMAIL: "Voicemail from {}",
}
MAX_EVENTS = 20


def _event_json(event: Event, names: dict[str, str], region: str) -> dict[str, Any]:
    who = names.get(event.number) or phones.format_number(event.number, region=region)
    if event.conversation_id:
        url = reverse("conversation", args=[event.conversation_id])
    else:
        url = reverse("voicemail" if event.kind == Event.Kind.VOICEMAIL else "calls")
    return {
        "id": event.pk,
        "kind": event.kind,
        "title": TITLES[Event.Kind(event.kind)].format(who),
        "body": event.preview,
        "url": url,
    }


@require_GET
@tenant_required
def poll(request: HttpRequest) -> HttpResponse:
    """What changed since the page's last poll. The ETag is the tenant's newest event; when the
    browser's copy is current the answer is 304 after one indexed query."""
    tenant = request.tenant  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    services.member_seen(membership=membership)
    latest = selectors.latest_event_id(tenant=tenant)
    etag = f'"n{membership.pk}-{latest}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        after_text = request.GET.get("after", "")
        events: list[dict[str, Any]] = []
        if after_text.isdigit():
            # The newest few, oldest first: a page that was asleep is not shown a backlog.
            newest = selectors.events_for(
                tenant=tenant, membership=membership, after=int(after_text)
            ).order_by("-id")[:MAX_EVENTS]
            rows = list(reversed(newest))
            names = selectors.names_for(tenant=tenant, numbers=[e.number for e in rows])
            events = [_event_json(e, names, tenant.default_region) for e in rows]
        response = JsonResponse(
            {"cursor": latest, "unread": selectors.unread_total(tenant=tenant), "events": events}
        )
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@tenant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    today = timezone.localdate()
    day_start = timezone.make_aware(datetime.combine(today, time.min))
    context = {
        "stats": selectors.dashboard(tenant=tenant, day_start=day_start),
        "today": today,
    }
    return render(request, "notifications/dashboard.html", context)
