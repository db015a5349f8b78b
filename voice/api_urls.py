from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("calls", api.CallViewSet, basename="call")
router.register("voicemails", api.VoicemailViewSet, basename="voicemail")

number_route = api.NumberRouteViewSet.as_view({"get": "retrieve", "put": "update"})

urlpatterns: list[URLPattern | URLResolver] = [
    path("numbers/<int:pk>/route/", number_route, name="api-number-route"),
    *router.urls,
]
