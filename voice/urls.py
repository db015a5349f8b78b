from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("calls/", views.call_log, name="calls"),
    path("calls/<int:pk>/", views.call_detail, name="call-detail"),
    path("calls/dial/", views.call_start, name="call-start"),
    path("calls/dialer/", views.dialer, name="dialer"),
    path("calls/voicemail/", views.voicemail_inbox, name="voicemail"),
    path("calls/voicemail/<int:pk>/listened/", views.voicemail_listened, name="voicemail-listened"),
    path("calls/recordings/<int:pk>/media/", views.recording_media, name="recording-media"),
    path("calls/routes/", views.route_list, name="call-routes"),
    path("calls/routes/<int:number_id>/", views.route_edit, name="route-edit"),
    path("calls/routes/<int:number_id>/try/", views.route_try, name="route-try"),
    path("calls/blocklist/", views.blocklist, name="call-blocklist"),
    path("calls/blocklist/<int:pk>/remove/", views.blocklist_remove, name="call-blocklist-remove"),
]
