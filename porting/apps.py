from django.apps import AppConfig


class PortingConfig(AppConfig):
    name = "porting"
    verbose_name = "Port-ins"
