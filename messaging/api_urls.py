from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import (
    BroadcastViewSet,
    ContactViewSet,
    ConversationViewSet,
    MessageViewSet,
    OptOutViewSet,
    TagViewSet,
)

router = SimpleRouter()
router.register("messages", MessageViewSet, basename="message")
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("contacts", ContactViewSet, basename="contact")
router.register("opt-outs", OptOutViewSet, basename="opt-out")
router.register("tags", TagViewSet, basename="tag")
router.register("broadcasts", BroadcastViewSet, basename="broadcast")

urlpatterns: list[URLPattern | URLResolver] = list(router.urls)
