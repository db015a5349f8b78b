from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notifications/poll/", views.poll, name="notifications-poll"),
]
