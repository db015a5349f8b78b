from __future__ import annotations

import base64
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import selectors, services
from .decorators import TWO_FACTOR_SESSION_KEY, redirect_returning, tenant_required
from .errors import ParleyError
from .forms import (
    ApiTokenForm,
    MemberAddForm,
    MemberRoleForm,
    ProfileForm,
    SecurityForm,
    TokenForm,
)
from .middleware import SESSION_KEY


@tenant_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard")


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
            if added.invited:
                text += " We emailed them a link to choose their password."
            else:
                text += " They already have an account, so they sign in as usual; we told them."
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


# --- people: profile, password, invitations, two-factor sign-in --------------------------------


@tenant_required
def profile(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    user = request.user
    initial = {
        "first_name": user.first_name,  # type: ignore[union-attr]
        "last_name": user.last_name,  # type: ignore[union-attr]
        "phone": membership.phone,
        "timezone": membership.timezone,
        "notify_browser": membership.notify_browser,
        "notify_sound": membership.notify_sound,
        "notify_email": membership.notify_email,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_profile_update(
                membership=membership,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                timezone_name=data["timezone"],
                notify_browser=data["notify_browser"],
                notify_sound=data["notify_sound"],
                notify_email=data["notify_email"],
            )
        except ParleyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Your profile was saved.")
            return redirect("profile")
    context = {
        "form": form,
        "two_factor": services.two_factor_enabled(user),
        "tenant_timezone": membership.tenant.timezone,
    }
    return render(request, "tenants/profile.html", context, status=400 if form.errors else 200)


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "tenants/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed.")
        return response


password_change = tenant_required(PasswordChange.as_view())


class InviteAccept(auth_views.PasswordResetConfirmView):
    """The invitation's one-time link: the new member chooses a password, then signs in."""

    template_name = "registration/invite_accept.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Sign in with your email and it.")
        return response


invite_accept = InviteAccept.as_view()


@require_POST
@tenant_required(manage=True)
def member_reinvite(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.membership  # type: ignore[attr-defined]
    membership = selectors.membership_get(tenant=actor.tenant, pk=pk)
    try:
        services.membership_reinvite(actor=actor, membership=membership)
        messages.success(request, f"A new invitation was sent to {membership.user.email}.")
    except ParleyError as exc:
        messages.error(request, exc.message)
    return redirect("settings-members")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :].replace("<svg", '<svg role="img" aria-label="QR code"', 1)


def _next_url(request: HttpRequest, default: str) -> str:
    """Where to go after a two-factor page: ``next`` when it is on this site, else ``default``."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return default


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Adds an authenticator app: scan the code (or type the key), then give a code it shows.
    Staff without a tenant use it too (the admin sends them here). Replacing an authenticator
    needs a code from the current one first, so a password alone cannot swap it."""
    user = request.user
    if services.two_factor_enabled(user) and not user.is_verified():  # type: ignore[union-attr]
        return redirect_returning("two-factor-verify", request)
    member = getattr(request, "membership", None) is not None
    staff_only = user.is_staff and not member  # type: ignore[union-attr]
    next_url = _next_url(request, reverse("admin:index" if staff_only else "profile"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_confirm(user=user, token=form.cleaned_data["token"])
        except ParleyError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            request.session[TWO_FACTOR_SESSION_KEY] = "verified"
            messages.success(request, "Two-factor sign-in is on.")
            return redirect(next_url)
    device = services.two_factor_start(user=user)
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 (SVG we generate)
        "required": bool(getattr(request, "tenant", None) and request.tenant.require_two_factor),  # type: ignore[attr-defined]
        "required_for_admin": settings.ADMIN_REQUIRE_TWO_FACTOR
        and user.is_staff  # type: ignore[union-attr]
        and next_url.startswith(reverse("admin:index")),
    }
    return render(
        request, "tenants/two_factor_setup.html", context, status=400 if form.errors else 200
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in for members (and staff) with an authenticator."""
    form = TokenForm(request.POST or None)
    next_url = _next_url(request, "/")
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_check(user=request.user, token=form.cleaned_data["token"])
        except ParleyError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            request.session[TWO_FACTOR_SESSION_KEY] = "verified"
            return redirect(next_url)
    context = {"form": form, "next": next_url}
    return render(
        request, "registration/two_factor_verify.html", context, status=400 if form.errors else 200
    )


@require_POST
@tenant_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    try:
        if not form.is_valid():
            raise ParleyError("Enter a current code to switch two-factor sign-in off.")
        services.two_factor_disable(user=request.user, token=form.cleaned_data["token"])
    except ParleyError as exc:
        messages.error(request, exc.message)
    else:
        request.session[TWO_FACTOR_SESSION_KEY] = "none"
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("profile")


@tenant_required(manage=True, agents_may_view=True)
def security(request: HttpRequest) -> HttpResponse:
    actor = request.membership  # type: ignore[attr-defined]
    form = SecurityForm(
        request.POST or None, initial={"require_two_factor": actor.tenant.require_two_factor}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tenant_security_update(
                actor=actor, require_two_factor=form.cleaned_data["require_two_factor"]
            )
        except ParleyError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Sign-in requirements were saved.")
        return redirect("settings-security")
    return render(request, "tenants/security.html", {"form": form})
