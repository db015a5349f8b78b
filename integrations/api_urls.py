from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("webhook-endpoints", api.WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = router.urls
