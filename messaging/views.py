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

from . import canned, selectors, services
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


def _inbox_filters(request: HttpRequest, current: int | None = None) -> dict[str, Any]:
    """The list's filters; ``current`` marks the open conversation in the split pane."""
    if current is None and request.GET.get("current", "").isdigit():
        current = int(request.GET["current"])
    view = request.GET.get("view", "open")
    if view not in dict(VIEWS):
        view = "open"
    return {
        "view": view,
        "views": VIEWS,
        "q": request.GET.get("q", ""),
        "current": current,
        "tag": selectors.tag_find(tenant=_tenant(request), value=request.GET.get("tag", "")),
        "tags": selectors.tag_list(tenant=_tenant(request)),
    }


def _inbox_context(request: HttpRequest, current: int | None = None) -> dict[str, Any]:
    context = _inbox_filters(request, current)
    context["conversations"] = selectors.conversation_list(
        tenant=_tenant(request),
        view="" if context["view"] == "all" else context["view"],
        membership=_membership(request),
        query=context["q"],
        tag=context["tag"],
    )[:INBOX_PAGE]
    return context


@tenant_required
def inbox(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(request)
    context["not_ready"] = number_selectors.numbers_not_ready(tenant=_tenant(request))
    return render(request, "messaging/inbox.html", context)


@tenant_required
def inbox_rows(request: HttpRequest) -> HttpResponse:
    return render(request, "messaging/_conversation_rows.html", _inbox_context(request))


def _send_at(request: HttpRequest, value: str) -> Any:
    """A send time typed in the viewer's time zone (their profile's, else the tenant's), the
    one every time on the page is shown in."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ParleyError("The send time is not a date and time.", field="send_at")
    if parsed.tzinfo is None:
        membership = _membership(request)
        zone = membership.effective_timezone if membership else _tenant(request).timezone
        parsed = make_aware(parsed, zoneinfo.ZoneInfo(zone))
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
    notes = selectors.note_list(tenant=tenant, conversation=conversation)
    if len(thread) >= THREAD_LENGTH:
        notes = notes.filter(created_at__gte=thread[0].created_at)
    if before is not None and thread:
        notes = notes.filter(created_at__lte=thread[-1].created_at)
    entries += [{"note": n, "at": n.created_at} for n in notes[:THREAD_LENGTH]]
    earlier = thread[0].pk if len(thread) >= THREAD_LENGTH else None
    return sorted(entries, key=lambda entry: entry["at"]), earlier


def _thread_context(request: HttpRequest, conversation: Any) -> dict[str, Any]:
    tenant = _tenant(request)
    contacts = selectors.conversation_contacts(tenant=tenant, conversation=conversation)
    before_text = request.GET.get("before", "")
    before = int(before_text) if before_text.isdigit() else None
    timeline, earlier = _timeline(tenant, conversation, list(contacts), before)
    opted_out = [c for c in contacts if c.opted_out]
    return {
        "conversation": conversation,
        "conversation_tags": ", ".join(t.name for t in conversation.tags.all()),
        "timeline": timeline,
        "earlier": earlier,
        "paging_back": before is not None,
        "contacts": contacts,
        "opted_out": opted_out,
        "can_send": not opted_out,
        "members": selectors.members(tenant=tenant),
    }


def _conversation_page(
    request: HttpRequest, conversation: Any, status: int = 200, **extra: Any
) -> HttpResponse:
    """The thread beside the conversation list (the list shows on wide screens only). The list
    is fetched by the page once it has loaded (``inbox-rows``), so the thread is not held up by
    it and a phone, which hides it, does not wait for it."""
    context = _inbox_filters(request, current=conversation.pk)
    context["rows_later"] = True
    context.update(_thread_context(request, conversation))
    contacts = context["contacts"]
    values = canned.values_for(contacts[0] if len(contacts) == 1 else None)
    context["canned_replies"] = [
        {"title": r.title, "text": canned.render(r.body, values)}
        for r in selectors.canned_reply_list(tenant=_tenant(request))
    ]
    context.setdefault("text", "")
    context.update(extra)
    return render(request, "messaging/conversation.html", context, status=status)


@tenant_required
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get(tenant=_tenant(request), pk=pk)
    if conversation.unread_count:
        services.conversation_mark_read(conversation=conversation)
    return _conversation_page(request, conversation)


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
        # An opted-out conversation already says so once, above the disabled composer.
        error = "" if exc.code == "opted_out" else exc.message
        return _conversation_page(
            request,
            conversation,
            status=400,
            error=error,
            text=text,
            not_textable=exc.code == "recipient_not_textable",
        )
    return redirect("conversation", pk=conversation.pk)


@require_POST
@tenant_required
def conversation_note(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    conversation = selectors.conversation_get(tenant=tenant, pk=pk)
    note = request.POST.get("note", "")
    try:
        services.note_add(tenant=tenant, conversation=conversation, author=request.user, text=note)
    except ParleyError as exc:
        return _conversation_page(
            request, conversation, status=400, note_error=exc.message, note=note
        )
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
    elif action == "tags":
        names = request.POST.get("tags", "").replace(";", ",").split(",")
        try:
            services.conversation_set_tags(conversation=conversation, tags=names)
        except ParleyError as exc:
            flash.error(request, exc.message)
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


@tenant_required(manage=True, agents_may_view=True)
def canned_replies(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    context: dict[str, Any] = {"variables": canned.VARIABLES, "values": {}, "errors": {}}
    status = 200
    if request.method == "POST":
        try:
            services.canned_reply_save(
                tenant=tenant,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
            )
        except ParleyError as exc:
            context.update(values=request.POST, errors={exc.field: exc.message})
            status = 400
        else:
            flash.success(request, "Canned reply saved.")
            return redirect("canned-replies")
    context["replies"] = selectors.canned_reply_list(tenant=tenant)
    return render(request, "messaging/canned_replies.html", context, status=status)


@tenant_required(manage=True, agents_may_view=True)
def canned_reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    reply = selectors.canned_reply_get(tenant=tenant, pk=pk)
    context: dict[str, Any] = {"reply": reply, "variables": canned.VARIABLES, "errors": {}}
    values = {"title": reply.title, "body": reply.body}
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            services.canned_reply_delete(canned=reply)
            flash.success(request, f"{reply.title} deleted.")
            return redirect("canned-replies")
        values = {"title": request.POST.get("title", ""), "body": request.POST.get("body", "")}
        try:
            services.canned_reply_save(tenant=tenant, canned=reply, **values)
        except ParleyError as exc:
            context.update(values=values, errors={exc.field: exc.message})
            return render(request, "messaging/canned_reply_edit.html", context, status=400)
        flash.success(request, "Canned reply saved.")
        return redirect("canned-replies")
    context["values"] = values
    return render(request, "messaging/canned_reply_edit.html", context)
