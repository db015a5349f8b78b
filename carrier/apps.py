from django.apps import AppConfig


class CarrierConfig(AppConfig):
    name = "carrier"
    verbose_name = "Carrier (Bandwidth)"

    def ready(self) -> None:
        from . import services, webhook_auth

        webhook_auth.connect_signals()
        services.connect_signals()
