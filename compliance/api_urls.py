from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("compliance/campaigns", api.CampaignViewSet, basename="compliance-campaign")
router.register(
    "compliance/toll-free-verifications",
    api.TollFreeVerificationViewSet,
    basename="compliance-toll-free-verification",
)

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "compliance/profile/",
        api.ProfileViewSet.as_view({"get": "retrieve", "put": "put"}),
        name="compliance-profile",
    ),
    path(
        "compliance/brand/",
        api.BrandViewSet.as_view({"get": "retrieve", "post": "create"}),
        name="compliance-brand",
    ),
    *router.urls,
]
