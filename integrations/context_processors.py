from typing import Any

from django.http import HttpRequest

from . import selectors


def webhook_banner(request: HttpRequest) -> dict[str, Any]:
    """Owners and admins see a banner while Parley has switched one of their endpoints off."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can_manage:
        return {}
    disabled = list(selectors.webhook_endpoints_disabled(tenant=membership.tenant)[:3])
    return {"disabled_webhook_endpoints": disabled} if disabled else {}
