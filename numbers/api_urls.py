from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("numbers", api.NumberViewSet, basename="number")
router.register("number-orders", api.NumberOrderViewSet, basename="number-order")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "numbers/available",
        api.NumberAvailableAlias.as_view({"get": "available"}),
        name="number-available-noslash",
    ),
    *router.urls,
]
