from django.urls import URLPattern, URLResolver, path

from tenants import views as tenant_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("numbers/", tenant_views.coming_soon, {"section": "Numbers"}, name="numbers"),
]
