from django.urls import URLPattern, URLResolver, path

from . import webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    path("numbers/", webhooks.numbers_notification, name="webhook-numbers"),
]
