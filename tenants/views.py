from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .decorators import tenant_required
from .errors import ParleyError
from .forms import ApiTokenForm, MemberAddForm, MemberRoleForm
from .middleware import SESSION_KEY


@tenant_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("inbox")


@require_POST
def switch_tenant(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    wanted = request.POST.get("tenant", "")
    if any(str(m.tenant_id) == wanted for m in request.memberships):  # type: ignore[attr-defined]
        request.session[SESSION_KEY] = wanted
    return redirect("home")


@tenant_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return redirect("settings-members")


@tenant_required(manage=True, agents_may_view=True)
def members(request: HttpRequest) -> HttpResponse:
    actor = request.membership  # type: ignore[attr-defined]
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.membership_add(
                actor=actor, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except ParleyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            text = f"{added.membership.user.email} added as {added.membership.get_role_display()}."
            if added.temporary_password:
                text += f" Temporary password (shown once): {added.temporary_password}"
            messages.success(request, text)
            return redirect("settings-members")
    context = {
        "form": form,
        "members": selectors.membership_list(tenant=actor.tenant),
        "role_form": MemberRoleForm(),
    }
    return render(request, "tenants/members.html", context, status=400 if form.errors else 200)


@tenant_required
def outbound_policy(request: HttpRequest) -> HttpResponse:
    """Where the tenant may call and text, and its call limits: read-only, staff change them."""
    tenant = request.membership.tenant  # type: ignore[attr-defined]
    context = {"policy": selectors.outbound_policy_of(tenant=tenant)}
    return render(request, "tenants/outbound_policy.html", context)


@require_POST
@tenant_required(manage=True)
def member_change_role(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership  # type: ignore[attr-defined]
    membership = selectors.membership_get(tenant=actor.tenant, pk=pk)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                actor=actor, membership=membership, role=form.cleaned_data["role"]
            )
            messages.success(request, f"{membership.user.email} is now {membership.role}.")
        except ParleyError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose owner, admin or agent.")
    return redirect("settings-members")


@require_POST
@tenant_required(manage=True)
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership  # type: ignore[attr-defined]
    membership = selectors.membership_get(tenant=actor.tenant, pk=pk)
    try:
        services.membership_remove(actor=actor, membership=membership)
        messages.success(request, f"{membership.user.email} was removed.")
    except ParleyError as exc:
        messages.error(request, exc.message)
    return redirect("settings-members")


@tenant_required(manage=True)
def tokens(request: HttpRequest) -> HttpResponse:
    actor = request.membership  # type: ignore[attr-defined]
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = services.api_token_create(
                tenant=actor.tenant,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                created_by=request.user,
                expires_at=form.cleaned_data["expires_at"],
            )
        except ParleyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            created = {"token": token, "plaintext": plaintext}
            form = ApiTokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.api_token_list(tenant=actor.tenant),
    }
    return render(request, "tenants/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@tenant_required(manage=True)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership  # type: ignore[attr-defined]
    token = services.api_token_revoke(token=selectors.api_token_get(tenant=actor.tenant, pk=pk))
    messages.success(request, f"The token {token.name} ({token.prefix}…) was revoked.")
    return redirect("settings-tokens")
