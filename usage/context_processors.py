from typing import Any

from django.http import HttpRequest

from . import selectors


def usage_warnings(request: HttpRequest) -> dict[str, Any]:
    """The banner on every page of a tenant at 80% or more of a monthly limit."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {}
    return {"usage_warnings": selectors.usage_limit_warnings(tenant=tenant)}
