from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "numbers"
    verbose_name = "Phone numbers"

    def ready(self) -> None:
        from . import routing

        routing.connect_signals()
