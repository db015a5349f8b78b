from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from .health import healthz

# Swagger UI and Redoc load their assets from Parley's own static files (drf-spectacular-sidecar),
# so neither page allows any other origin. Swagger UI's set-up script is a same-origin file (the
# split view); its stylesheet draws icons as data: images, which its page alone allows. Redoc
# builds its styles at run time as <style> elements (styled-components) and runs its search in a
# blob: worker, so its page alone allows those; scripts stay same-origin only everywhere.
swagger_ui = csp_update({"img-src": [SELF, "data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)
redoc = csp_update(
    {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"], "img-src": [SELF, "data:"]}
)(SpectacularRedocView.as_view(url_name="api-schema"))
api_v1 = [
    path("", include("tenants.api_urls")),
    path("", include("numbers.api_urls")),
    path("", include("compliance.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("voice.api_urls")),
    path("", include("integrations.api_urls")),
    path("", include("porting.api_urls")),
    path("", include("usage.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", swagger_ui, name="api-docs"),
    path("redoc/", redoc, name="api-redoc"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("webhooks/bandwidth/", include("numbers.webhook_urls")),
    path("webhooks/bandwidth/", include("compliance.webhook_urls")),
    path("webhooks/bandwidth/", include("messaging.webhook_urls")),
    path("webhooks/bandwidth/", include("voice.webhook_urls")),
    path("webhooks/bandwidth/", include("porting.webhook_urls")),
    path("", include("numbers.urls")),
    path("", include("compliance.urls")),
    path("", include("messaging.urls")),
    path("", include("voice.urls")),
    path("", include("integrations.urls")),
    path("", include("porting.urls")),
    path("", include("notifications.urls")),
    path("", include("usage.urls")),
    path("", include("tenants.urls")),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
]
