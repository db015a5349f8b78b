from django.apps import AppConfig


class CarrierConfig(AppConfig):
    name = "carrier"
    verbose_name = "Carrier (Bandwidth)"

    def ready(self) -> None:
        from . import services

        services.connect_signals()
