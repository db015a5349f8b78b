"""Broadcasts in the client UI: list, compose, progress with an ETA, report, pause and cancel."""

from __future__ import annotations

import zoneinfo
from numbers import selectors as number_selectors
from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.timezone import make_aware
from django.views.decorators.http import require_POST

from tenants.decorators import tenant_required
from tenants.errors import ParleyError

from . import selectors, services
from .models import Broadcast


def _tenant(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def _send_at(tenant: Any, value: str) -> Any:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ParleyError("The send time is not a date and time.", field="send_at")
    if parsed.tzinfo is None:
        parsed = make_aware(parsed, zoneinfo.ZoneInfo(tenant.timezone))
    return parsed


@tenant_required
def broadcasts(request: HttpRequest) -> HttpResponse:
    rows = selectors.broadcast_list(tenant=_tenant(request))[:100]
    return render(request, "messaging/broadcasts.html", {"broadcasts": rows})


def _audience(tenant: Any, value: str) -> dict[str, Any]:
    kind, _, pk = value.partition(":")
    if kind == "tag" and pk.isdigit():
        tag = selectors.tag_list(tenant=tenant).filter(pk=pk).first()
        if tag is not None:
            return {"tag": tag}
    if kind == "import" and pk.isdigit():
        contact_import = selectors.imported_lists(tenant=tenant).filter(pk=pk).first()
        if contact_import is not None:
            return {"contact_import": contact_import}
    raise ParleyError("Choose who to text: a tag or an imported list.", field="audience")


@tenant_required
def broadcast_new(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    context: dict[str, Any] = {
        "numbers": number_selectors.active_number_list(tenant=tenant),
        "tag_options": [(f"tag:{t.pk}", t.name) for t in selectors.tag_list(tenant=tenant)],
        "import_options": [
            (f"import:{i.pk}", i.label) for i in selectors.imported_lists(tenant=tenant)[:50]
        ],
        "wanted": request.POST.get("audience") or request.GET.get("audience", ""),
        "values": request.POST,
        "chosen": request.POST.getlist("from") if request.method == "POST" else [],
    }
    if request.method == "POST":
        try:
            result = services.broadcast_create(
                tenant=tenant,
                name=request.POST.get("name", ""),
                text=request.POST.get("text", ""),
                from_numbers=request.POST.getlist("from"),
                send_at=_send_at(tenant, request.POST.get("send_at", "")),
                created_by=request.user,
                **_audience(tenant, request.POST.get("audience", "")),
            )
        except ParleyError as exc:
            context.update(error=exc.message, error_field=exc.field)
            return render(request, "messaging/broadcast_new.html", context, status=400)
        return redirect("broadcast", pk=result.broadcast.pk)
    return render(request, "messaging/broadcast_new.html", context)


def _detail_context(tenant: Any, broadcast: Broadcast) -> dict[str, Any]:
    report = selectors.broadcast_report(tenant=tenant, broadcast=broadcast)
    minutes, seconds = divmod(report["eta_seconds"], 60)
    return {
        "broadcast": broadcast,
        "report": report,
        "eta": f"{minutes} min {seconds} s" if minutes else f"{seconds} s",
        "active": broadcast.status in (Broadcast.Status.SENDING, Broadcast.Status.SCHEDULED)
        or report["queued"] > 0,
    }


@tenant_required
def broadcast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    broadcast = selectors.broadcast_get(tenant=tenant, pk=pk)
    return render(request, "messaging/broadcast.html", _detail_context(tenant, broadcast))


@tenant_required
def broadcast_progress(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    broadcast = selectors.broadcast_get(tenant=tenant, pk=pk)
    return render(request, "messaging/_broadcast_report.html", _detail_context(tenant, broadcast))


@require_POST
@tenant_required
def broadcast_action(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = selectors.broadcast_get(tenant=_tenant(request), pk=pk)
    change = {
        "pause": services.broadcast_pause,
        "resume": services.broadcast_resume,
        "cancel": services.broadcast_cancel,
    }.get(request.POST.get("action", ""))
    try:
        if change is None:
            raise ParleyError("Unknown action.", field="action")
        change(broadcast=broadcast)
    except ParleyError as exc:
        flash.error(request, exc.message)
    return redirect("broadcast", pk=broadcast.pk)
