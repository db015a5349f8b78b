from django.urls import URLPattern, URLResolver, path

from . import webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    path("compliance/tnoptions/", webhooks.tnoptions_notification, name="webhook-tnoptions"),
    path("compliance/toll-free/", webhooks.toll_free_notification, name="webhook-toll-free"),
]
