"""Settings > Webhooks: endpoints, their secrets, the delivery log and replays (owners, admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ParleyError
from tenants.decorators import tenant_required

from . import selectors, services
from .forms import ReplayFailedForm, WebhookEndpointForm
from .models import WebhookEndpoint

DELIVERIES_SHOWN = 50


@tenant_required(manage=True)
def endpoints(request: HttpRequest) -> HttpResponse:
    tenant = request.membership.tenant  # type: ignore[attr-defined]
    form = WebhookEndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_create(tenant=tenant, **form.cleaned_data)
        except ParleyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            created = {"endpoint": endpoint, "secret": secret}
            form = WebhookEndpointForm()
    context = {
        "form": form,
        "created": created,
        "endpoints": selectors.webhook_endpoint_list(tenant=tenant),
    }
    return render(
        request, "integrations/endpoints.html", context, status=400 if form.errors else 200
    )


@tenant_required(manage=True)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _endpoint(request, pk))


def _detail(request: HttpRequest, endpoint: WebhookEndpoint, secret: str = "") -> HttpResponse:
    tenant = request.membership.tenant  # type: ignore[attr-defined]
    deliveries = selectors.delivery_list(tenant=tenant, endpoint=endpoint).prefetch_related(
        "attempt_log"
    )[:DELIVERIES_SHOWN]
    context = {
        "endpoint": endpoint,
        "deliveries": deliveries,
        "replay_form": ReplayFailedForm(),
        "secret": secret,
    }
    return render(request, "integrations/endpoint_detail.html", context)


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    return selectors.webhook_endpoint_get(tenant=request.membership.tenant, pk=pk)  # type: ignore[attr-defined]


@require_POST
@tenant_required(manage=True)
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint, secret = services.webhook_endpoint_rotate_secret(endpoint=_endpoint(request, pk))
    return _detail(request, endpoint, secret)


@require_POST
@tenant_required(manage=True)
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    services.webhook_endpoint_ping(endpoint=_endpoint(request, pk))
    messages.success(request, "A ping is on its way; its delivery shows below.")
    return redirect("webhook-endpoint", pk=pk)


@require_POST
@tenant_required(manage=True)
def endpoint_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    enable = not endpoint.enabled
    services.webhook_endpoint_update(
        endpoint=endpoint, enabled=enable, replay_missed=request.POST.get("replay_missed") == "on"
    )
    messages.success(request, "Endpoint enabled." if enable else "Endpoint disabled.")
    return redirect("webhook-endpoint", pk=pk)


@require_POST
@tenant_required(manage=True)
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    services.webhook_endpoint_delete(endpoint=endpoint)
    messages.success(request, f"The endpoint {endpoint.url} was deleted.")
    return redirect("settings-webhooks")


@require_POST
@tenant_required(manage=True)
def endpoint_replay_failed(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    form = ReplayFailedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the date and time to replay failed deliveries from.")
        return redirect("webhook-endpoint", pk=pk)
    try:
        count = services.deliveries_replay_failed(
            endpoint=endpoint, since=form.cleaned_data["since"]
        )
    except ParleyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{count} failed deliveries queued again.")
    return redirect("webhook-endpoint", pk=pk)


@require_POST
@tenant_required(manage=True)
def delivery_replay(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    tenant = request.membership.tenant  # type: ignore[attr-defined]
    endpoint = selectors.webhook_endpoint_get(tenant=tenant, pk=pk)
    delivery = selectors.delivery_get(tenant=tenant, endpoint=endpoint, pk=delivery_pk)
    try:
        services.delivery_replay(delivery=delivery)
    except ParleyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Delivery {delivery.webhook_id} queued again.")
    return redirect("webhook-endpoint", pk=pk)
