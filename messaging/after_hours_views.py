"""Settings, "After-hours text": the tenant's default and each number's own text."""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tenants.decorators import tenant_required
from tenants.errors import ParleyError

from . import selectors, services
from .models import AfterHoursReply

DAY_LABELS = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
]


def _tenant(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def _posted_hours(request: HttpRequest) -> dict[str, list[list[str]]]:
    return {
        day: [[request.POST.get(f"{day}_opens", ""), request.POST.get(f"{day}_closes", "")]]
        for day, _ in DAY_LABELS
        if request.POST.get(f"{day}_open")
    }


def _days(config: AfterHoursReply, errors: dict[str, str]) -> list[dict[str, Any]]:
    """One row per day for the form: open or not, and its hours (9 to 5 until set)."""
    days = []
    for day, label in DAY_LABELS:
        windows = (config.hours or {}).get(day) or []
        opens, closes = windows[0] if windows else ("09:00", "17:00")
        days.append(
            {
                "key": day,
                "label": label,
                "open": bool(windows),
                "opens": opens,
                "closes": closes,
                "error": errors.get(f"hours.{day}", ""),
            }
        )
    return days


def _save(
    request: HttpRequest, config: AfterHoursReply, errors: dict[str, str], **target: Any
) -> bool:
    """Saves the posted text and hours; on a refusal keeps what was typed on ``config`` and
    puts the reason in ``errors`` under its field."""
    hours = _posted_hours(request)
    enabled = bool(request.POST.get("enabled"))
    text = request.POST.get("text", "")
    try:
        services.after_hours_reply_update(
            tenant=_tenant(request), enabled=enabled, text=text, hours=hours, **target
        )
    except ParleyError as exc:
        errors[exc.field or "text"] = exc.message
        config.enabled, config.text, config.hours = enabled, text, hours
        return False
    return True


@tenant_required(manage=True, agents_may_view=True)
def after_hours(request: HttpRequest) -> HttpResponse:
    """The tenant's default after-hours text and its open hours, and the numbers' own texts."""
    tenant = _tenant(request)
    config = selectors.after_hours_reply_of(tenant=tenant)
    errors: dict[str, str] = {}
    if request.method == "POST" and _save(request, config, errors):
        flash.success(request, "After-hours text saved.")
        return redirect("after-hours")
    context = {
        "config": config,
        "days": _days(config, errors),
        "errors": errors,
        "overrides": selectors.after_hours_override_list(tenant=tenant),
        "can_add": selectors.after_hours_number_choices(tenant=tenant).exists(),
    }
    return render(request, "messaging/after_hours.html", context, status=400 if errors else 200)


@tenant_required(manage=True)
def after_hours_override_new(request: HttpRequest) -> HttpResponse:
    """A number's own after-hours text: choose the number, then the text and hours."""
    tenant = _tenant(request)
    choices = selectors.after_hours_number_choices(tenant=tenant)
    config = AfterHoursReply(tenant=tenant, enabled=True)
    errors: dict[str, str] = {}
    chosen = request.POST.get("phone_number", "")
    if request.method == "POST":
        number = choices.filter(pk=chosen).first() if chosen.isdigit() else None
        if number is None:
            errors["phone_number"] = "Choose one of your numbers that has no text of its own."
            config.enabled = bool(request.POST.get("enabled"))
            config.text, config.hours = request.POST.get("text", ""), _posted_hours(request)
        elif _save(request, config, errors, phone_number=number):
            flash.success(request, f"After-hours text for {number.formatted} saved.")
            return redirect("after-hours")
    else:
        default = selectors.after_hours_reply_of(tenant=tenant)
        config.hours = default.hours
    context = {
        "config": config,
        "days": _days(config, errors),
        "errors": errors,
        "numbers": choices,
        "chosen": chosen,
    }
    return render(
        request, "messaging/after_hours_override.html", context, status=400 if errors else 200
    )


@tenant_required(manage=True, agents_may_view=True)
def after_hours_override(request: HttpRequest, pk: int) -> HttpResponse:
    """A number's own after-hours text: edit it, or remove it to use the default again."""
    tenant = _tenant(request)
    config = selectors.after_hours_override_get(tenant=tenant, pk=pk)
    number = config.phone_number
    assert number is not None, "the selector returns numbers' own texts only"
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            services.after_hours_reply_delete(tenant=tenant, reply=config)
            flash.success(request, f"{number.formatted} uses the default after-hours text again.")
            return redirect("after-hours")
        if _save(request, config, errors, phone_number=number):
            flash.success(request, f"After-hours text for {number.formatted} saved.")
            return redirect("after-hours")
    context = {"config": config, "days": _days(config, errors), "errors": errors}
    return render(
        request, "messaging/after_hours_override.html", context, status=400 if errors else 200
    )
