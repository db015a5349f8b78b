from django.urls import URLPattern, URLResolver, path

from . import webhooks

urlpatterns: list[URLPattern | URLResolver] = [
    path("voice/", webhooks.voice_webhook, name="voice-webhook"),
    path("voice/audio/<int:pk>/<str:token>/", webhooks.greeting_audio, name="voice-greeting-audio"),
]
