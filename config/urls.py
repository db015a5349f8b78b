from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .health import healthz

api_v1 = [
    path("", include("tenants.api_urls")),
    path("", include("numbers.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("voice.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("webhooks/bandwidth/", include("numbers.webhook_urls")),
    path("webhooks/bandwidth/", include("messaging.webhook_urls")),
    path("webhooks/bandwidth/", include("voice.webhook_urls")),
    path("", include("numbers.urls")),
    path("", include("messaging.urls")),
    path("", include("voice.urls")),
    path("", include("tenants.urls")),
]
