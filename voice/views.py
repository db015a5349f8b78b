from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tenants import selectors as tenant_selectors
from tenants import services as tenant_services
from tenants.decorators import tenant_required
from tenants.errors import ParleyError

from . import selectors, services, simulator
from .forms import BlockForm, DialerForm, DialForm, RouteForm, example_phone, initial_from_config
from .models import Call

PAGE_SIZE = 50


def _tenant(request: HttpRequest) -> Any:
    return request.membership.tenant  # type: ignore[attr-defined]


@tenant_required
def call_log(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    filters = {
        name: request.GET.get(name, "").strip() for name in ("direction", "status", "number", "q")
    }
    page = Paginator(selectors.call_list(tenant=tenant, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "filters": filters,
        "statuses": Call.Status.choices,
        "numbers": selectors.voice_number_list(tenant=tenant),
        "unheard": selectors.voicemail_list(tenant=tenant, listened=False).count(),
    }
    return render(request, "voice/call_log.html", context)


@tenant_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    call = selectors.call_get(tenant=tenant, pk=pk)
    context = {
        "call": call,
        "events": selectors.call_events(tenant=tenant, call=call),
        "recordings": selectors.recording_list(tenant=tenant, call=call),
    }
    return render(request, "voice/call_detail.html", context)


@tenant_required
def voicemail_inbox(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    show = request.GET.get("show", "all")
    listened = {"new": False, "heard": True}.get(show)
    voicemails = selectors.voicemail_list(tenant=tenant, listened=listened)
    page = Paginator(voicemails, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "voice/voicemail.html", {"page": page, "show": show})


@require_POST
@tenant_required
def voicemail_listened(request: HttpRequest, pk: int) -> HttpResponse:
    voicemail = selectors.voicemail_get(tenant=_tenant(request), pk=pk)
    listened = request.POST.get("listened", "1") == "1"
    voicemail = services.voicemail_mark(voicemail=voicemail, listened=listened, user=request.user)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "voice/_voicemail_row.html", {"voicemail": voicemail})
    return redirect("voicemail")


@tenant_required
def recording_media(request: HttpRequest, pk: int) -> HttpResponse:
    recording = selectors.recording_get(tenant=_tenant(request), pk=pk)
    if not recording.media_file:
        raise Http404("The recording is not downloaded yet.")
    content_type = "audio/mpeg" if recording.file_format == "mp3" else "audio/wav"
    response: Any = FileResponse(recording.media_file.open("rb"), content_type=content_type)
    return response


@tenant_required
def route_list(request: HttpRequest) -> HttpResponse:
    numbers = selectors.route_number_list(tenant=_tenant(request))
    return render(request, "voice/routes.html", {"numbers": numbers})


@tenant_required(manage=True, agents_may_view=True)
def route_edit(request: HttpRequest, number_id: int) -> HttpResponse:
    tenant = _tenant(request)
    number = selectors.voice_number_get(tenant=tenant, pk=number_id)
    route = selectors.call_route_for_number(tenant=tenant, phone_number=number)
    config = selectors.route_config(tenant=tenant, phone_number=number)
    status = 200
    if request.method == "POST":
        form = RouteForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                route = services.call_route_save(
                    tenant=tenant,
                    phone_number=number,
                    config=form.to_config(),
                    greeting_audio=request.FILES.get("greeting_audio"),
                )
            except ParleyError as exc:
                form.add_route_error(exc, region=tenant.default_region)
            else:
                messages.success(request, f"Call routing of {number.display_name} saved.")
                return redirect("route-edit", number_id=number.pk)
        status = 400
        form.mark_invalid()
    else:
        form = RouteForm(initial=initial_from_config(config))
    context = {
        "number": number,
        "route": route,
        "form": form,
        "config_json": json.dumps(config, indent=2),
        "phone_example": example_phone(tenant.default_region),
        "can_try": simulator.available(),
    }
    return render(request, "voice/route_edit.html", context, status=status)


@require_POST
@tenant_required(manage=True)
def route_try(request: HttpRequest, number_id: int) -> HttpResponse:
    number = selectors.voice_number_get(tenant=_tenant(request), pk=number_id)
    digits = "".join(ch for ch in request.POST.get("digits", "") if ch in "0123456789*#")[:10]
    speech = request.POST.get("speech", "")[:500]
    try:
        call_id = simulator.start_inbound_call(to=number.number, digits=digits, speech=speech)
    except ParleyError as exc:
        messages.error(request, exc.message)
        return redirect("route-edit", number_id=number.pk)
    messages.success(request, f"Simulated call {call_id} placed to {number.number}.")
    return redirect("calls")


@require_POST
@tenant_required
def call_start(request: HttpRequest) -> HttpResponse:
    """The call button on contacts and conversations: ring my phone, then the customer."""
    tenant = _tenant(request)
    form = DialForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the number to call.")
        return redirect("calls")
    from_number = form.cleaned_data["from_number"]
    if not from_number:
        first = selectors.voice_number_list(tenant=tenant).first()
        from_number = first.number if first else ""
    try:
        call, _ = services.call_create(
            tenant=tenant,
            from_number=from_number,
            to=form.cleaned_data["to"],
            agent=form.cleaned_data["agent"] or None,
            membership=request.membership,  # type: ignore[attr-defined]
        )
    except ParleyError as exc:
        messages.error(request, exc.message)
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect("calls")
    messages.success(
        request, f"Calling your phone {call.agent_number}; answer to reach {call.other_party}."
    )
    return redirect("call-detail", pk=call.pk)


@tenant_required
def dialer(request: HttpRequest) -> HttpResponse:
    """Call any number: Parley rings my phone, then the number, through click-to-call (so the
    destination rules, limits and the blocklist apply)."""
    tenant = _tenant(request)
    membership = request.membership  # type: ignore[attr-defined]
    numbers = selectors.voice_number_list(tenant=tenant)
    initial = {"agent": membership.phone, "to": request.GET.get("to", "")}
    form = DialerForm(request.POST or None, numbers=numbers, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                call, _ = services.call_create(
                    tenant=tenant,
                    from_number=form.cleaned_data["from_number"],
                    to=form.cleaned_data["to"],
                    agent=form.cleaned_data["agent"],
                    membership=membership,
                )
            except ParleyError as exc:
                field = exc.field if exc.field in form.fields else None
                if exc.field == "from":
                    field = "from_number"
                form.add_error(field, exc.message)
            else:
                messages.success(
                    request,
                    f"Calling your phone {call.agent_number}; answer to reach {call.other_party}.",
                )
                return redirect("call-detail", pk=call.pk)
        status = 400
        for name in form.errors:
            if name in form.fields:
                form.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
                )
    context = {"form": form, "has_numbers": numbers.exists()}
    return render(request, "voice/dialer.html", context, status=status)


@tenant_required(manage=True, agents_may_view=True)
def blocklist(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant_services.blocked_number_add(
                tenant=tenant,
                number=form.cleaned_data["number"],
                reason=form.cleaned_data["reason"],
            )
        except ParleyError as exc:
            form.add_error("number", exc.message)
        else:
            messages.success(request, f"{form.cleaned_data['number']} blocked.")
            return redirect("call-blocklist")
    context = {"form": form, "blocked": tenant_selectors.blocked_number_list(tenant=tenant)}
    return render(request, "voice/blocklist.html", context, status=400 if form.errors else 200)


@require_POST
@tenant_required(manage=True)
def blocklist_remove(request: HttpRequest, pk: int) -> HttpResponse:
    blocked = tenant_selectors.blocked_number_get(tenant=_tenant(request), pk=pk)
    tenant_services.blocked_number_remove(blocked=blocked)
    messages.success(request, f"{blocked.number} unblocked.")
    return redirect("call-blocklist")
