from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = "Voice"

    def ready(self) -> None:
        from numbers import ports
        from numbers.models import PhoneNumber
        from numbers.routing import routes_forgotten

        from django.db.models.signals import post_delete, post_save

        from tenants.models import Tenant

        from . import selectors, services
        from .models import CallRoute

        for model in (CallRoute, PhoneNumber, Tenant):
            uid = f"voice.compiled.{model.__name__}"
            post_save.connect(services.forget_compiled_route, sender=model, dispatch_uid=uid)
            if model is not Tenant:
                post_delete.connect(
                    services.forget_compiled_route, sender=model, dispatch_uid=f"{uid}.delete"
                )
        routes_forgotten.connect(services.on_routes_forgotten, dispatch_uid="voice.compiled.routes")
        ports.provide_call_history(selectors.calls_for_contact)
        ports.provide_blocked_numbers(selectors.blocked_among)
