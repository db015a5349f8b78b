from django.urls import URLPattern, URLResolver, path

from . import after_hours_views, broadcast_views, contact_views, views

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
    path("settings/after-hours/", after_hours_views.after_hours, name="after-hours"),
    path(
        "settings/after-hours/numbers/new/",
        after_hours_views.after_hours_override_new,
        name="after-hours-override-new",
    ),
    path(
        "settings/after-hours/numbers/<int:pk>/",
        after_hours_views.after_hours_override,
        name="after-hours-override",
    ),
    path("messages/<int:pk>/change/", views.message_change, name="message-change"),
    path("media/<int:pk>/", views.media_file, name="media-file"),
    path("contacts/", contact_views.contacts, name="contacts"),
    path("contacts/new/", contact_views.contact_new, name="contact-new"),
    path("contacts/export.csv", contact_views.contacts_export, name="contacts-export"),
    path("contacts/import/", contact_views.contact_import_new, name="contact-import-new"),
    path("contacts/imports/<int:pk>/", contact_views.contact_import_detail, name="contact-import"),
    path(
        "contacts/imports/<int:pk>/progress/",
        contact_views.contact_import_progress,
        name="contact-import-progress",
    ),
    path(
        "contacts/imports/<int:pk>/action/",
        contact_views.contact_import_action,
        name="contact-import-action",
    ),
    path(
        "contacts/imports/<int:pk>/errors.csv",
        contact_views.contact_import_errors,
        name="contact-import-errors",
    ),
    path("contacts/<int:pk>/", contact_views.contact_detail, name="contact"),
    path("broadcasts/", broadcast_views.broadcasts, name="broadcasts"),
    path("broadcasts/new/", broadcast_views.broadcast_new, name="broadcast-new"),
    path("broadcasts/<int:pk>/", broadcast_views.broadcast_detail, name="broadcast"),
    path(
        "broadcasts/<int:pk>/progress/",
        broadcast_views.broadcast_progress,
        name="broadcast-progress",
    ),
    path("broadcasts/<int:pk>/action/", broadcast_views.broadcast_action, name="broadcast-action"),
]
