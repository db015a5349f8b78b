"""The port-in pages: a guided form whose numbers are checked as they are typed, and a page per
port-in that says what its state means and what the tenant must do."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bandwidth.errors import BandwidthError
from tenants.decorators import tenant_required
from tenants.errors import ParleyError

from . import selectors, services
from .explain import EXPLANATIONS, explain
from .models import PortInRequest

FIELDS = (
    "account_name",
    "house_number",
    "street_name",
    "city",
    "state",
    "zip_code",
    "account_number",
    "pin",
    "authorizing_person",
    "requested_foc_date",
)


def _numbers_typed(text: str) -> list[str]:
    return [part for part in re.split(r"[,;\n]+", text) if part.strip()]


def _form_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in FIELDS}
    data["numbers"] = _numbers_typed(request.POST.get("numbers", ""))
    return data


@tenant_required(agents_may_view=True, manage=True)
def port_in_index(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    return render(
        request,
        "porting/index.html",
        {"port_ins": selectors.port_in_list(tenant=tenant), "explanations": EXPLANATIONS},
    )


@tenant_required(manage=True)
def port_in_new(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    context: dict[str, Any] = {"form": {name: "" for name in FIELDS}, "numbers_text": ""}
    if request.method == "POST":
        data = _form_data(request)
        context["form"] = {name: request.POST.get(name, "") for name in FIELDS}
        context["numbers_text"] = request.POST.get("numbers", "")
        try:
            port_in = services.port_in_create(tenant=tenant, data=data, user=request.user).port_in
        except ParleyError as error:
            context["error"] = error
            context["error_fields"] = getattr(error, "fields", None) or [error.field]
            return render(request, "porting/new.html", context, status=400)
        except BandwidthError as error:
            context["error"] = ParleyError(f"Bandwidth did not answer: {error.description}")
            return render(request, "porting/new.html", context, status=502)
        messages.success(request, "Request saved. Sign the letter and upload a bill to submit it.")
        return redirect("porting-detail", pk=port_in.pk)
    return render(request, "porting/new.html", context)


@require_POST
@tenant_required(manage=True)
def port_in_check(request: HttpRequest) -> HttpResponse:
    """The checker's answers for the numbers typed so far (a fragment of the guided form)."""
    typed = _numbers_typed(request.POST.get("numbers", ""))
    context: dict[str, Any] = {"typed": bool(typed)}
    if typed:
        try:
            context["checks"] = services.port_in_check(
                tenant=request.tenant,  # type: ignore[attr-defined]
                numbers=typed,
            )
        except ParleyError as error:
            context["check_error"] = error.message
        except BandwidthError as error:
            context["check_error"] = f"Bandwidth did not answer: {error.description}"
    return render(request, "porting/_check.html", context)


def _detail_context(request: HttpRequest, port_in: PortInRequest) -> dict[str, Any]:
    tenant = request.tenant  # type: ignore[attr-defined]
    now = timezone.now()
    return {
        "port_in": port_in,
        "explanation": explain(port_in.status),
        "documents": selectors.port_in_documents(tenant=tenant, port_in=port_in),
        "events": selectors.port_in_events(tenant=tenant, port_in=port_in),
        "can_cancel": port_in.status
        not in (*PortInRequest.CLOSED_STATUSES, PortInRequest.Status.REQUESTED_CANCEL)
        and not port_in.foc_within(now),
        "foc_locked": port_in.foc_within(now),
        "editable": port_in.status in (PortInRequest.Status.DRAFT, PortInRequest.Status.EXCEPTION),
        "can_manage": request.membership.can_manage,  # type: ignore[attr-defined]
        "form": services.port_in_details(port_in) | {"pin": ""},
    }


@tenant_required(agents_may_view=True, manage=True)
def port_in_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    port_in = selectors.port_in_get(tenant=tenant, pk=pk)
    if request.method != "POST":
        return render(request, "porting/detail.html", _detail_context(request, port_in))
    action = request.POST.get("action", "")
    try:
        if action == "sign":
            services.port_in_loa_sign(
                tenant=tenant,
                port_in=port_in,
                signed_name=request.POST.get("signed_name"),
                consent=request.POST.get("consent", ""),
                user=request.user,
            )
            done = "The letter of authorization is signed."
        elif action == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                raise ParleyError("Choose a file to upload.", field="file")
            services.port_in_document_add(
                tenant=tenant,
                port_in=port_in,
                kind=request.POST.get("kind", ""),
                upload=upload,
                user=request.user,
            )
            done = "File uploaded."
        elif action == "submit":
            services.port_in_submit(tenant=tenant, port_in=port_in, user=request.user)
            done = "Submitted. Bandwidth now asks your current carrier to release the numbers."
        elif action == "update":
            data = {name: request.POST.get(name, "") for name in FIELDS if name in request.POST}
            if not data.get("pin"):
                data.pop("pin", None)
            updated = services.port_in_update(
                tenant=tenant, port_in=port_in, data=data, user=request.user
            )
            done = (
                "Saved."
                if updated.status == PortInRequest.Status.DRAFT
                else "Correction sent to the carrier as a supplement."
            )
        elif action == "cancel":
            services.port_in_cancel(tenant=tenant, port_in=port_in, user=request.user)
            done = "Cancellation requested."
        else:
            raise ParleyError("Unknown action.")
    except ParleyError as error:
        context = _detail_context(request, port_in)
        context["error"] = error
        return render(request, "porting/detail.html", context, status=error.status)
    except BandwidthError as error:
        messages.error(request, f"Bandwidth did not answer: {error.description}. Try again.")
        return redirect("porting-detail", pk=port_in.pk)
    messages.success(request, done)
    return redirect("porting-detail", pk=port_in.pk)


@tenant_required(agents_may_view=True, manage=True)
def port_in_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A document of the tenant's own port-in; another tenant's is a 404."""
    document = selectors.port_in_document_get(
        tenant=request.tenant,  # type: ignore[attr-defined]
        port_in_pk=pk,
        pk=document_pk,
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
