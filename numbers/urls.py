from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("numbers/", views.numbers_page, name="numbers"),
    path("numbers/list/", views.number_list_fragment, name="numbers-list"),
    path("numbers/search/", views.search_fragment, name="numbers-search"),
    path("numbers/buy/", views.buy, name="numbers-buy"),
    path("numbers/<int:pk>/release/", views.release, name="number-release"),
    path("numbers/<int:pk>/rename/", views.rename, name="number-rename"),
]
