"""A deployment check: Parley's own brand needs the platform operator's real identity."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning

from .services.account import platform_brand_missing, platform_setting_names


def platform_brand_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if not settings.PRODUCTION:
        return []
    missing = platform_brand_missing()
    if not missing:
        return []
    names = ", ".join(platform_setting_names(missing))
    return [
        Warning(
            f"Parley's own 10DLC brand cannot be registered: {names} not set.",
            hint="Set them to the platform operator's legal identity; until then no tenant "
            "can submit a brand.",
            id="compliance.W001",
        )
    ]
