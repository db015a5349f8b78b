from django.urls import path

from . import views

urlpatterns = [
    path("settings/webhooks/", views.endpoints, name="settings-webhooks"),
    path("settings/webhooks/<int:pk>/", views.endpoint_detail, name="webhook-endpoint"),
    path("settings/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="webhook-rotate"),
    path("settings/webhooks/<int:pk>/test/", views.endpoint_test, name="webhook-test"),
    path("settings/webhooks/<int:pk>/toggle/", views.endpoint_toggle, name="webhook-toggle"),
    path("settings/webhooks/<int:pk>/delete/", views.endpoint_delete, name="webhook-delete"),
    path(
        "settings/webhooks/<int:pk>/replay-failed/",
        views.endpoint_replay_failed,
        name="webhook-replay-failed",
    ),
    path(
        "settings/webhooks/<int:pk>/deliveries/<int:delivery_pk>/replay/",
        views.delivery_replay,
        name="webhook-delivery-replay",
    ),
]
