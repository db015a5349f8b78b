from django.urls import URLPattern, URLResolver, path

from tenants import views as tenant_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", tenant_views.coming_soon, {"section": "Inbox"}, name="inbox"),
    path("contacts/", tenant_views.coming_soon, {"section": "Contacts"}, name="contacts"),
]
