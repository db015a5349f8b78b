from django.urls import URLPattern, URLResolver, path

from .webhooks import messaging_webhook

urlpatterns: list[URLPattern | URLResolver] = [
    path("messaging/", messaging_webhook, name="webhook-messaging"),
]
