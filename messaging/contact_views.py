"""Contacts in the client UI: list with tag filter, create, edit, delete, CSV import with a
preview and a progress bar, CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from compliance import selectors as compliance_selectors
from tenants.decorators import tenant_required
from tenants.errors import ParleyError

from . import selectors, services
from .models import ContactImport
from .services.imports import PREVIEW_ROWS, contacts_csv_parse

CONTACTS_PAGE = 200


def _tenant(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def _tag_names(value: str) -> list[str]:
    return [part for part in value.replace(";", ",").split(",") if part.strip()]


@tenant_required
def contacts(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    query = request.GET.get("q", "")
    tag = selectors.tag_find(tenant=tenant, value=request.GET.get("tag", ""))
    rows = list(selectors.contact_list(tenant=tenant, query=query, tag=tag)[:CONTACTS_PAGE])
    names = selectors.tag_names(tenant=tenant, rows=rows)
    lines = compliance_selectors.line_types_for(tenant=tenant, numbers=[c.number for c in rows])
    context = {
        "contacts": [(c, names.get(c.pk, []), lines.get(c.number)) for c in rows],
        "q": query,
        "tag": tag,
        "tags": selectors.tag_list(tenant=tenant),
        "page_size": CONTACTS_PAGE,
    }
    return render(request, "messaging/contacts.html", context)


@tenant_required
def contact_new(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    context: dict[str, Any] = {"values": request.POST}
    if request.method == "POST":
        try:
            contact = services.contact_create(
                tenant=tenant,
                number=request.POST.get("number", ""),
                name=request.POST.get("name", ""),
                notes=request.POST.get("notes", ""),
                tags=_tag_names(request.POST.get("tags", "")),
            )
        except ParleyError as exc:
            context.update(error=exc.message, error_field=exc.field)
            return render(request, "messaging/contact_new.html", context, status=400)
        flash.success(request, f"{contact.label} was added.")
        return redirect("contact", pk=contact.pk)
    return render(request, "messaging/contact_new.html", context)


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
            elif action == "delete":
                if services.contact_delete(contact=contact):
                    flash.success(request, f"{contact.label} was deleted; conversations stay.")
                    return redirect("contacts")
                flash.success(
                    request,
                    f"{contact.number} opted out before, so it stays on the opt-out list; "
                    "its name, notes and tags were removed.",
                )
            else:
                services.contact_update(
                    contact=contact,
                    name=request.POST.get("name", ""),
                    notes=request.POST.get("notes", ""),
                    tags=_tag_names(request.POST.get("tags", "")),
                )
                flash.success(request, "Saved.")
        except ParleyError as exc:
            flash.error(request, exc.message)
        return redirect("contact", pk=contact.pk)
    lines = compliance_selectors.line_types_for(tenant=tenant, numbers=[contact.number])
    context = {
        "contact": contact,
        "line": lines.get(contact.number),
        "tags": ", ".join(t.name for t in contact.tags.all()),
        "history": selectors.contact_history(tenant=tenant, contact=contact),
        "conversations": selectors.conversations_for_contact(tenant=tenant, contact=contact),
    }
    return render(request, "messaging/contact.html", context)


@tenant_required
def contact_import_new(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    context: dict[str, Any] = {
        "values": request.POST,
        "duplicates": ContactImport.Duplicates.choices,
        "imports": selectors.contact_import_list(tenant=tenant)[:10],
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ParleyError("Choose a CSV file.", field="file")
            contact_import, _parsed = services.contact_import_preview(
                tenant=tenant,
                filename=upload.name or "",
                data=upload.read(),
                duplicates=request.POST.get("duplicates", "skip"),
                tag=request.POST.get("tag", ""),
                created_by=request.user,
            )
        except ParleyError as exc:
            context.update(error=exc.message)
            return render(request, "messaging/contact_import_new.html", context, status=400)
        return redirect("contact-import", pk=contact_import.pk)
    return render(request, "messaging/contact_import_new.html", context)


def _import_context(tenant: Any, contact_import: ContactImport) -> dict[str, Any]:
    done = services.contact_import_progress(contact_import)
    total = contact_import.total_rows or 1
    return {
        "contact_import": contact_import,
        "progress": min(100, round(100 * done / total)),
        "done_rows": done,
        "active": contact_import.status
        in (ContactImport.Status.QUEUED, ContactImport.Status.RUNNING),
    }


@tenant_required
def contact_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    contact_import = selectors.contact_import_get(tenant=tenant, pk=pk)
    context = _import_context(tenant, contact_import)
    context["duplicates"] = ContactImport.Duplicates.choices
    if contact_import.status == ContactImport.Status.PREVIEW:
        context["preview"] = contacts_csv_parse(
            tenant=tenant, content=contact_import.content, limit=PREVIEW_ROWS
        )
    context["errors"] = contact_import.errors[:200]
    return render(request, "messaging/contact_import.html", context)


@tenant_required
def contact_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    contact_import = selectors.contact_import_get(tenant=_tenant(request), pk=pk)
    response = render(
        request,
        "messaging/_contact_import_progress.html",
        _import_context(_tenant(request), contact_import),
    )
    if contact_import.status not in (ContactImport.Status.QUEUED, ContactImport.Status.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@tenant_required
def contact_import_action(request: HttpRequest, pk: int) -> HttpResponse:
    contact_import = selectors.contact_import_get(tenant=_tenant(request), pk=pk)
    try:
        if request.POST.get("action") == "discard":
            services.contact_import_discard(contact_import=contact_import)
            flash.success(request, "The file was discarded; nothing was imported.")
            return redirect("contacts")
        services.contact_import_start(
            contact_import=contact_import, duplicates=request.POST.get("duplicates") or None
        )
    except ParleyError as exc:
        flash.error(request, exc.message)
    return redirect("contact-import", pk=contact_import.pk)


@tenant_required
def contact_import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    contact_import = selectors.contact_import_get(tenant=_tenant(request), pk=pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "number", "error"])
    for error in contact_import.errors:
        writer.writerow([error["line"], error["number"], error["error"]])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{pk}-errors.csv"'
    return response


@tenant_required
def contacts_export(request: HttpRequest) -> StreamingHttpResponse:
    tenant = _tenant(request)
    tag = selectors.tag_find(tenant=tenant, value=request.GET.get("tag", ""))
    response = StreamingHttpResponse(
        services.contacts_csv_export(tenant=tenant, tag=tag), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    return response
