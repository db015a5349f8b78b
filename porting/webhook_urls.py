from django.urls import URLPattern, URLResolver, path

from . import webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    path("portins/", webhooks.portins_notification, name="webhook-portins"),
]
