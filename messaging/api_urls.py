from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import ContactViewSet, ConversationViewSet, MessageViewSet, OptOutViewSet

router = SimpleRouter()
router.register("messages", MessageViewSet, basename="message")
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("contacts", ContactViewSet, basename="contact")
router.register("opt-outs", OptOutViewSet, basename="opt-out")

urlpatterns: list[URLPattern | URLResolver] = list(router.urls)
