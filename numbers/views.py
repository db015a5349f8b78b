"""The Numbers page: list and statuses, search, buy, release, rename; the list refreshes in place
while an order or a release is under way."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from carrier import selectors as carrier_selectors
from core import phones
from tenants.decorators import tenant_required
from tenants.errors import ParleyError

from . import selectors, services
from .models import PhoneNumber

SEARCH_FIELDS = ("area_code", "city", "state", "zip", "toll_free")


def _list_context(request: HttpRequest) -> dict[str, Any]:
    tenant = request.tenant  # type: ignore[attr-defined]
    numbers = list(selectors.number_list(tenant=tenant))
    pending = [
        n
        for n in numbers
        if n.status in (PhoneNumber.Status.ORDERING, PhoneNumber.Status.RELEASING)
    ]
    return {
        "numbers": [n for n in numbers if n.status != PhoneNumber.Status.RELEASED],
        "released": [n for n in numbers if n.status == PhoneNumber.Status.RELEASED][:20],
        "pending": bool(pending),
        "provisioning": carrier_selectors.provisioning_for(tenant=tenant),
        "held": selectors.number_held_count(tenant=tenant),
        "not_ready": [
            n
            for n in numbers
            if n.status == PhoneNumber.Status.ACTIVE
            and n.messaging_status != PhoneNumber.MessagingStatus.READY
        ],
        "can_manage": request.membership.can_manage,  # type: ignore[attr-defined]
    }


def _search(request: HttpRequest) -> dict[str, Any]:
    query = {name: request.GET.get(name, "").strip() for name in SEARCH_FIELDS}
    context: dict[str, Any] = {"query": query, "searched": any(query.values())}
    if not context["searched"]:
        if any(name in request.GET for name in SEARCH_FIELDS):
            context["search_error"] = ParleyError(
                "Fill in one of: area code, city and state, ZIP code, or toll-free pattern.",
                field="area_code",
                code="search_empty",
            )
        return context
    try:
        context["offers"] = services.number_search(
            tenant=request.tenant,  # type: ignore[attr-defined]
            area_code=query["area_code"],
            city=query["city"],
            state=query["state"],
            zip_code=query["zip"],
            toll_free=query["toll_free"],
            quantity=20,
        )
    except ParleyError as error:
        context["search_error"] = error
    return context


@tenant_required
def numbers_page(request: HttpRequest) -> HttpResponse:
    context = {**_list_context(request), **_search(request)}
    status = 400 if "search_error" in context else 200
    return render(request, "numbers/index.html", context, status=status)


@tenant_required
def number_list_fragment(request: HttpRequest) -> HttpResponse:
    return render(request, "numbers/_list.html", _list_context(request))


@tenant_required
def search_fragment(request: HttpRequest) -> HttpResponse:
    context = {**_search(request), "can_manage": request.membership.can_manage}  # type: ignore[attr-defined]
    status = 400 if "search_error" in context else 200
    return render(request, "numbers/_results.html", context, status=status)


@require_POST
@tenant_required(manage=True)
def buy(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.getlist("numbers")
    try:
        purchase = services.number_order(tenant=request.tenant, numbers=chosen)  # type: ignore[attr-defined]
    except ParleyError as error:
        messages.error(request, error.message)
    else:
        region = request.tenant.default_region  # type: ignore[attr-defined]
        names = ", ".join(phones.format_number(n.number, region=region) for n in purchase.numbers)
        messages.success(request, f"Ordering {names}. It becomes active in a few seconds.")
    return redirect("numbers")


@require_POST
@tenant_required(manage=True)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    number = selectors.number_get(tenant=tenant, pk=pk)
    try:
        services.number_release(tenant=tenant, phone_number=number)
    except ParleyError as error:
        messages.error(request, error.message)
    else:
        shown = phones.format_number(number.number, region=tenant.default_region)
        messages.success(request, f"Releasing {shown}.")
    return redirect("numbers")


@require_POST
@tenant_required(manage=True)
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    number = selectors.number_get(tenant=tenant, pk=pk)
    try:
        services.number_update(
            tenant=tenant, phone_number=number, friendly_name=request.POST.get("friendly_name", "")
        )
    except ParleyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Name saved.")
    return redirect("numbers")
