from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tenants import views as tenant_views

from .health import healthz

api_v1 = [
    path("", include("tenants.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("inbox/", tenant_views.coming_soon, {"section": "Inbox"}, name="inbox"),
    path("numbers/", tenant_views.coming_soon, {"section": "Numbers"}, name="numbers"),
    path("calls/", tenant_views.coming_soon, {"section": "Calls"}, name="calls"),
    path("contacts/", tenant_views.coming_soon, {"section": "Contacts"}, name="contacts"),
    path("", include("tenants.urls")),
]
