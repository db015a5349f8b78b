from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("port-ins", api.PortInViewSet, basename="port-in")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
