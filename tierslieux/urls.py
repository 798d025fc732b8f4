"""The project's URLs: each app's own, included; the app owning a page is its URL's prefix
(docs/architecture.md)."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("venues.urls")),
    path("", include("costing.urls")),
    path("", include("periods.urls")),
    path("", include("sharing.urls")),
]
