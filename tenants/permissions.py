from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from .models import ApiToken


class IsTenantMember(permissions.BasePermission):
    """An authenticated caller of an active tenant, with the scope the method needs.

    Tokens need ``read`` for safe methods and ``write`` for the rest; views that manage the tenant
    (members, tokens, numbers) add ``CanManageTenant``.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user is None or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            raise exceptions.PermissionDenied("You are not a member of any tenant.")
        if not tenant.is_active:
            raise exceptions.PermissionDenied(
                f"The tenant {tenant.name} is suspended; contact Parley support.",
                code="tenant_suspended",
            )
        if isinstance(request.auth, ApiToken):
            needed = "read" if request.method in permissions.SAFE_METHODS else "write"
            if not request.auth.has_scope(needed):
                raise exceptions.PermissionDenied(
                    f"This API token lacks the {needed!r} scope.", code="missing_scope"
                )
        return True


class CanManageTenant(permissions.BasePermission):
    """Owners and admins (or tokens with the ``admin`` scope); never agents."""

    message = "Only owners and admins can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken):
            return request.auth.has_scope("admin")
        membership = getattr(request, "membership", None)
        return membership is not None and membership.can_manage
