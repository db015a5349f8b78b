from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    """The baseline: a Django view that stores the body with one INSERT and answers 204."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_baseline (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse(status=204)


urlpatterns = [path("bench/bare-insert/", bare_insert), path("", include("config.urls"))]
