"""Trust: the path from sign-up to compliant texting, step by step — business profile, brand,
campaign, numbers (and toll-free verifications) — with each state and what happens next."""

from __future__ import annotations

from numbers import selectors as number_selectors
from numbers.models import PhoneNumber
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import ParleyError
from tenants.decorators import tenant_required

from . import selectors, services
from .models import BusinessProfile


def _context(request: HttpRequest) -> dict[str, Any]:
    tenant = request.tenant  # type: ignore[attr-defined]
    profile = selectors.profile_for(tenant=tenant)
    missing = services.profile_missing(profile)
    brand = selectors.brand_for(tenant=tenant)
    campaigns = list(selectors.campaign_list(tenant=tenant))
    numbers = list(number_selectors.active_number_list(tenant=tenant))
    local = [n for n in numbers if n.kind == PhoneNumber.Kind.LOCAL]
    toll_free = [n for n in numbers if n.kind == PhoneNumber.Kind.TOLL_FREE]
    approved = any(c.status == "approved" for c in campaigns)
    steps = [
        ("Business profile", not missing),
        ("Brand verified", brand is not None and brand.status == "verified"),
        ("Campaign approved", approved),
        (
            "Numbers ready",
            bool(numbers) and all(n.messaging_status == "ready" for n in numbers),
        ),
    ]
    return {
        "profile": profile,
        "missing": missing,
        "brand": brand,
        "campaigns": campaigns,
        "local_numbers": local,
        "toll_free_numbers": toll_free,
        "verifications": list(selectors.toll_free_verification_list(tenant=tenant)),
        "steps": steps,
        "done": sum(1 for _, ok in steps if ok),
        "entity_types": BusinessProfile.EntityType.choices,
        "verticals": services.VERTICALS,
        "use_cases": services.USE_CASES,
        "toll_free_use_cases": services.TOLL_FREE_USE_CASES,
        "defaults": services.campaign_defaults(tenant=tenant),
        "can_manage": request.membership.can_manage,  # type: ignore[attr-defined]
    }


@tenant_required(manage=True, agents_may_view=True)
def trust(request: HttpRequest) -> HttpResponse:
    return render(request, "compliance/trust.html", _context(request))


def _run(request: HttpRequest, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except ParleyError as error:
        where = f" ({error.field})" if error.field else ""
        messages.error(request, f"{error.message}{where}")
    else:
        messages.success(request, done)
    return redirect("trust")


@require_POST
@tenant_required(manage=True)
def profile_save(request: HttpRequest) -> HttpResponse:
    values: dict[str, Any] = {
        name: request.POST.get(name, "")
        for name in services.PROFILE_FIELDS
        if name != "allow_unregistered_10dlc" and name in request.POST
    }
    values["allow_unregistered_10dlc"] = request.POST.get("allow_unregistered_10dlc") == "on"
    return _run(
        request,
        lambda: services.profile_update(tenant=request.tenant, **values),  # type: ignore[attr-defined]
        "Business profile saved.",
    )


@require_POST
@tenant_required(manage=True)
def brand_submit(request: HttpRequest) -> HttpResponse:
    return _run(
        request,
        lambda: services.brand_submit(tenant=request.tenant),  # type: ignore[attr-defined]
        "Brand submitted to the campaign registry.",
    )


@require_POST
@tenant_required(manage=True)
def campaign_create(request: HttpRequest) -> HttpResponse:
    samples = [s.strip() for s in request.POST.get("samples", "").splitlines() if s.strip()]
    return _run(
        request,
        lambda: services.campaign_create(
            tenant=request.tenant,  # type: ignore[attr-defined]
            use_case=request.POST.get("use_case", ""),
            description=request.POST.get("description", ""),
            samples=samples,
            message_flow=request.POST.get("message_flow", ""),
            help_message=request.POST.get("help_message", ""),
            optout_message=request.POST.get("optout_message", ""),
        ),
        "Campaign submitted: the carriers review it.",
    )


@require_POST
@tenant_required(manage=True)
def toll_free_submit(request: HttpRequest) -> HttpResponse:
    try:
        volume = int(request.POST.get("message_volume", "1000"))
    except ValueError:
        volume = 0
    return _run(
        request,
        lambda: services.toll_free_verification_submit(
            tenant=request.tenant,  # type: ignore[attr-defined]
            numbers=request.POST.getlist("numbers"),
            use_case=request.POST.get("use_case", ""),
            use_case_summary=request.POST.get("use_case_summary", ""),
            sample_message=request.POST.get("sample_message", ""),
            opt_in_description=request.POST.get("opt_in_description", ""),
            message_volume=volume,
        ),
        "Toll-free verification submitted.",
    )


@require_POST
@tenant_required(manage=True)
def toll_free_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    verification = get_object_or_404(
        selectors.toll_free_verification_list(tenant=request.tenant),  # type: ignore[attr-defined]
        pk=pk,
    )
    return _run(
        request,
        lambda: services.toll_free_verification_resubmit(
            verification=verification,
            use_case_summary=request.POST.get("use_case_summary") or None,
            sample_message=request.POST.get("sample_message") or None,
            opt_in_description=request.POST.get("opt_in_description") or None,
        ),
        "Resubmitted for verification.",
    )
