from typing import Any

from django.apps import AppConfig


def _on_number_status_changed(
    sender: Any, phone_number: Any, new_status: str, **kwargs: Any
) -> None:
    from . import services

    services.number_status_changed(phone_number=phone_number, new_status=new_status)


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance (10DLC, toll-free, line types)"

    def ready(self) -> None:
        from numbers.signals import number_status_changed

        from django.core import checks

        from .checks import platform_brand_configured

        checks.register(platform_brand_configured, deploy=True)

        number_status_changed.connect(_on_number_status_changed, dispatch_uid="compliance-status")
