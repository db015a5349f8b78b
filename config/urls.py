from urllib.parse import urlsplit

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .health import healthz

# The Swagger UI page loads its assets from a CDN (until Parley serves them itself) and carries a
# small inline style block, so it alone allows that origin and inline styles. Its set-up script is
# a same-origin file (the split view), so scripts stay strict.
_swagger_dist = urlsplit(spectacular_settings.SWAGGER_UI_DIST)
_swagger_origins = (
    [f"{_swagger_dist.scheme}://{_swagger_dist.netloc}"] if _swagger_dist.netloc else []
)
swagger_ui = csp_update(
    {
        "script-src": [SELF, *_swagger_origins],
        "style-src": [SELF, *_swagger_origins, UNSAFE_INLINE],
        "img-src": [SELF, *_swagger_origins, "data:"],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

api_v1 = [
    path("", include("tenants.api_urls")),
    path("", include("numbers.api_urls")),
    path("", include("compliance.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("voice.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", swagger_ui, name="api-docs"),
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
    path("", include("numbers.urls")),
    path("", include("compliance.urls")),
    path("", include("messaging.urls")),
    path("", include("voice.urls")),
    path("", include("tenants.urls")),
]
