from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .decorators import staff_two_factor_redirect


class ParleyAdminSite(admin.AdminSite):
    """The admin: staff who have an authenticator give its code first, and with
    ``ADMIN_REQUIRE_TWO_FACTOR`` staff without one set it up first. The login and logout pages
    stay open; the code and set-up pages are the client UI's own."""

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        # Django's wrapper checks has_permission (active staff) before this runs.
        def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.path != reverse("admin:logout", current_app=self.name):
                gate = staff_two_factor_redirect(request)
                if gate is not None:
                    return gate
            return view(request, *args, **kwargs)

        return super().admin_view(update_wrapper(gated, view), cacheable)
