from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("porting/", views.port_in_index, name="porting"),
    path("porting/new/", views.port_in_new, name="porting-new"),
    path("porting/check/", views.port_in_check, name="porting-check"),
    path("porting/<int:pk>/", views.port_in_detail, name="porting-detail"),
    path(
        "porting/<int:pk>/documents/<int:document_pk>/",
        views.port_in_document,
        name="porting-document",
    ),
]
