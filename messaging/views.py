"""The inbox, threads, compose, new conversations and contacts (server-rendered, htmx polling)."""

from __future__ import annotations

import zoneinfo
from numbers import ports
from numbers import selectors as number_selectors
from typing import Any

from django.contrib import messages as flash
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.timezone import make_aware
from django.views.decorators.http import require_POST

from core import phones
from tenants.decorators import tenant_required
from tenants.errors import ParleyError

from . import selectors, services
from .segments import segment_info

THREAD_LENGTH = 50
INBOX_PAGE = 50
VIEWS = [
    ("open", "Open"),
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("closed", "Closed"),
    ("all", "All"),
]


def _tenant(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def _membership(request: HttpRequest) -> Any:
    return request.membership  # type: ignore[attr-defined]


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    view = request.GET.get("view", "open")
    if view not in dict(VIEWS):
        view = "open"
    query = request.GET.get("q", "")
    conversations = selectors.conversation_list(
        tenant=_tenant(request),
        view="" if view == "all" else view,
        membership=_membership(request),
        query=query,
    )[:INBOX_PAGE]
    return {"conversations": conversations, "view": view, "views": VIEWS, "q": query}


@tenant_required
def inbox(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(request)
    context["not_ready"] = number_selectors.numbers_not_ready(tenant=_tenant(request))
    return render(request, "messaging/inbox.html", context)


@tenant_required
def inbox_rows(request: HttpRequest) -> HttpResponse:
    return render(request, "messaging/_conversation_rows.html", _inbox_context(request))


def _send_at(request: HttpRequest, value: str) -> Any:
    """A send time typed in the tenant's time zone."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ParleyError("The send time is not a date and time.", field="send_at")
    if parsed.tzinfo is None:
        parsed = make_aware(parsed, zoneinfo.ZoneInfo(_tenant(request).timezone))
    return parsed


def _timeline(
    tenant: Any, conversation: Any, contacts: list[Any], before: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    """The thread's messages and, for a one-to-one conversation, the calls with that contact
    on the same number, oldest first; and the id to page back from when there are older ones."""
    thread = selectors.thread_messages(
        tenant=tenant, conversation=conversation, latest=THREAD_LENGTH, before=before
    )
    entries = [{"message": m, "at": m.created_at} for m in thread]
    calls = None
    if len(contacts) == 1:
        calls = ports.calls_with(tenant=tenant, number=contacts[0].number)
    if calls is not None:
        calls = calls.filter(phone_number=conversation.phone_number)
        if len(thread) >= THREAD_LENGTH:
            calls = calls.filter(created_at__gte=thread[0].created_at)
        if before is not None and thread:
            calls = calls.filter(created_at__lte=thread[-1].created_at)
        entries += [{"call": c, "at": c.created_at} for c in calls[:THREAD_LENGTH]]
    earlier = thread[0].pk if len(thread) >= THREAD_LENGTH else None
    return sorted(entries, key=lambda entry: entry["at"]), earlier


def _thread_context(request: HttpRequest, conversation: Any) -> dict[str, Any]:
    tenant = _tenant(request)
    contacts = selectors.conversation_contacts(tenant=tenant, conversation=conversation)
    before_text = request.GET.get("before", "")
    before = int(before_text) if before_text.isdigit() else None
    timeline, earlier = _timeline(tenant, conversation, list(contacts), before)
    return {
        "conversation": conversation,
        "timeline": timeline,
        "earlier": earlier,
        "paging_back": before is not None,
        "contacts": contacts,
        "opted_out": [c for c in contacts if c.opted_out],
        "members": selectors.members(tenant=tenant),
    }


@tenant_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get(tenant=_tenant(request), pk=pk)
    if conversation.unread_count:
        services.conversation_mark_read(conversation=conversation)
    context = _thread_context(request, conversation)
    context["text"] = ""
    return render(request, "messaging/conversation.html", context)


@tenant_required
def conversation_thread(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get(tenant=_tenant(request), pk=pk)
    return render(request, "messaging/_thread.html", _thread_context(request, conversation))


@require_POST
@tenant_required
def conversation_send(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    conversation = selectors.conversation_get(tenant=tenant, pk=pk)
    text = request.POST.get("text", "")
    try:
        services.message_send(
            tenant=tenant,
            from_number=conversation.phone_number.number,
            to=list(conversation.participants),
            text=text,
            uploads=request.FILES.getlist("attachments"),
            send_at=_send_at(request, request.POST.get("send_at", "")),
            sent_by=request.user,
            allow_not_textable=request.POST.get("allow_not_textable") == "on",
        )
    except ParleyError as exc:
        context = _thread_context(request, conversation)
        context.update(
            {
                "error": exc.message,
                "text": text,
                "not_textable": exc.code == "recipient_not_textable",
            }
        )
        return render(request, "messaging/conversation.html", context, status=400)
    return redirect("conversation", pk=conversation.pk)


@require_POST
@tenant_required
def conversation_action(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    conversation = selectors.conversation_get(tenant=tenant, pk=pk)
    action = request.POST.get("action", "")
    if action == "close":
        services.conversation_set_status(conversation=conversation, status="closed")
    elif action == "reopen":
        services.conversation_set_status(conversation=conversation, status="open")
    elif action == "read":
        services.conversation_mark_read(conversation=conversation)
    elif action == "assign":
        wanted = request.POST.get("assignee", "")
        assignee = None
        if wanted == "me":
            assignee = _membership(request)
        elif wanted:
            assignee = selectors.members(tenant=tenant).filter(pk=wanted).first()
            if assignee is None:
                raise Http404
        services.conversation_assign(conversation=conversation, assignee=assignee)
    return redirect("conversation", pk=conversation.pk)


@tenant_required
def conversation_new(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    numbers = number_selectors.active_number_list(tenant=tenant)
    context: dict[str, Any] = {"numbers": numbers, "values": request.POST}
    if request.method == "POST":
        region = tenant.default_region
        typed = request.POST.get("to", "").replace(";", ",").replace("\n", ",").split(",")
        try:
            from_number = phones.normalize_number(
                request.POST.get("from", ""), field="from", region=region
            )
            recipients = [
                phones.normalize_number(part, field="to", region=region)
                for part in typed
                if part.strip()
            ]
            result = services.message_send(
                tenant=tenant,
                from_number=from_number,
                to=recipients,
                text=request.POST.get("text", ""),
                uploads=request.FILES.getlist("attachments"),
                send_at=_send_at(request, request.POST.get("send_at", "")),
                sent_by=request.user,
            )
        except ParleyError as exc:
            context["error"] = exc.message
            return render(request, "messaging/new_conversation.html", context, status=400)
        return redirect("conversation", pk=result.message.conversation_id)
    return render(request, "messaging/new_conversation.html", context)


@require_POST
@tenant_required
def segments(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("text", "")
    mms = bool(request.POST.get("mms"))
    return render(request, "messaging/_segments.html", {"info": segment_info(text, mms=mms)})


@tenant_required
def message_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the text or time of a scheduled message, or cancel it."""
    message = selectors.message_get(tenant=_tenant(request), pk=pk)
    if request.method != "POST":
        return render(request, "messaging/message_change.html", {"message": message})
    try:
        if request.POST.get("action") == "cancel":
            services.message_cancel(message=message)
            flash.success(request, "The scheduled message was canceled.")
        else:
            services.message_reschedule(
                message=message,
                text=request.POST.get("text") or None,
                send_at=_send_at(request, request.POST.get("send_at", "")),
            )
            flash.success(request, "The scheduled message was changed.")
    except ParleyError as exc:
        flash.error(request, exc.message)
    return redirect("conversation", pk=message.conversation_id)


@tenant_required
def media_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.media_get(tenant=_tenant(request), pk=pk)
    if not item.file:
        raise Http404
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


@tenant_required
def contacts(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    rows = selectors.contact_list(tenant=_tenant(request), query=query)[:200]
    return render(request, "messaging/contacts.html", {"contacts": rows, "q": query})


@tenant_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    contact = selectors.contact_get(tenant=tenant, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "opt_out":
                services.contact_opt_out(tenant=tenant, number=contact.number, source="agent")
            elif action == "opt_in":
                services.contact_opt_in(tenant=tenant, number=contact.number, source="agent")
            else:
                services.contact_update(
                    contact=contact,
                    name=request.POST.get("name", ""),
                    notes=request.POST.get("notes", ""),
                )
        except ParleyError as exc:
            flash.error(request, exc.message)
        return redirect("contact", pk=contact.pk)
    context = {
        "contact": contact,
        "history": selectors.contact_history(tenant=tenant, contact=contact),
        "conversations": selectors.conversations_for_contact(tenant=tenant, contact=contact),
    }
    return render(request, "messaging/contact.html", context)
