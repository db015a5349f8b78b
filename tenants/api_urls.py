from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("members", api.MemberViewSet, basename="member")
router.register("tokens", api.ApiTokenViewSet, basename="token")

urlpatterns = [path("tenant/", api.TenantView.as_view(), name="api-tenant"), *router.urls]
