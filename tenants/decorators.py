from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
            read_only = agents_may_view and request.method in ("GET", "HEAD")
            if manage and not membership.can_manage and not read_only:
                return render(request, "errors/forbidden.html", status=403)
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
