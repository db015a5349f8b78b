from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("trust/", views.trust, name="trust"),
    path("trust/profile/", views.profile_save, name="trust-profile"),
    path("trust/brand/", views.brand_submit, name="trust-brand"),
    path("trust/campaigns/", views.campaign_create, name="trust-campaign"),
    path("trust/toll-free/", views.toll_free_submit, name="trust-toll-free"),
    path(
        "trust/toll-free/<int:pk>/resubmit/",
        views.toll_free_resubmit,
        name="trust-toll-free-resubmit",
    ),
]
