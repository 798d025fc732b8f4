"""The project's URLs plus `/bench/bare`: two bytes through the full middleware stack, no
database, no template, no session: the floor every page is compared with."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from tierslieux.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare, name="bench_bare"), *project_urlpatterns]
