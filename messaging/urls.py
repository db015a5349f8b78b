from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/rows/", views.inbox_rows, name="inbox-rows"),
    path("inbox/new/", views.conversation_new, name="conversation-new"),
    path("inbox/segments/", views.segments, name="segments"),
    path("inbox/<int:pk>/", views.conversation_detail, name="conversation"),
    path("inbox/<int:pk>/thread/", views.conversation_thread, name="conversation-thread"),
    path("inbox/<int:pk>/send/", views.conversation_send, name="conversation-send"),
    path("inbox/<int:pk>/action/", views.conversation_action, name="conversation-action"),
    path("inbox/<int:pk>/notes/", views.conversation_note, name="conversation-note"),
    path("settings/canned-replies/", views.canned_replies, name="canned-replies"),
    path("settings/canned-replies/<int:pk>/", views.canned_reply_edit, name="canned-reply"),
    path("settings/after-hours/", views.after_hours, name="after-hours"),
    path("messages/<int:pk>/change/", views.message_change, name="message-change"),
    path("media/<int:pk>/", views.media_file, name="media-file"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
]
