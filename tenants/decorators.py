from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

# The session remembers the two-factor check: "verified" (signed in with a code) or "none"
# (no authenticator), so pages cost no query for it after the first.
TWO_FACTOR_SESSION_KEY = "parley_two_factor"


def redirect_returning(url_name: str, request: HttpRequest) -> HttpResponse:
    """``url_name``, coming back to this page afterwards."""
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


def two_factor_redirect(request: HttpRequest, membership: Any) -> HttpResponse | None:
    """Where a signed-in member must go first: the code page when they have an authenticator
    and did not give a code yet; the set-up page when their tenant requires one."""
    state = request.session.get(TWO_FACTOR_SESSION_KEY)
    if state is None:
        user = request.user
        if user_has_device(user, confirmed=True) and not user.is_verified():  # type: ignore[union-attr]
            return redirect_returning("two-factor-verify", request)
        state = "verified" if user.is_verified() else "none"  # type: ignore[union-attr]
        request.session[TWO_FACTOR_SESSION_KEY] = state
    if state == "none" and membership.tenant.require_two_factor:
        return redirect("two-factor-setup")
    return None


def staff_two_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where staff must go before an admin page: the code page when they have an authenticator
    and gave no code in this session; the set-up page when ``ADMIN_REQUIRE_TWO_FACTOR`` and
    they have none. Asked afresh on every admin page, never from the session's memo."""
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return None
    if user_has_device(user, confirmed=True):
        return redirect_returning("two-factor-verify", request)
    if settings.ADMIN_REQUIRE_TWO_FACTOR:
        return redirect_returning("two-factor-setup", request)
    return None


def tenant_required(
    view: Callable[..., HttpResponse] | None = None,
    *,
    manage: bool = False,
    agents_may_view: bool = False,
) -> Any:
    """A client UI page: signed in, a member of an active tenant, and a manager when ``manage``
    (agents may still GET the page when ``agents_may_view``)."""

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                return render(request, "errors/no_tenant.html", status=403)
            if not membership.tenant.is_active:
                return render(request, "errors/suspended.html", status=403)
            gate = two_factor_redirect(request, membership)
            if gate is not None:
                return gate
            read_only = agents_may_view and request.method in ("GET", "HEAD")
            if manage and not membership.can_manage and not read_only:
                return render(request, "errors/forbidden.html", status=403)
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
