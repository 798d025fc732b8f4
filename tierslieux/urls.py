from django.contrib import admin
from django.urls import include, path

from venues import sharing
from venues import views as venue_views

urlpatterns = [
    path("healthz", venue_views.healthz, name="healthz"),
    path("accounts/signup/", venue_views.signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("s/<str:token>/", sharing.share_page, name="share_page"),
    path("s/<str:token>/allocation.json", sharing.share_allocation, name="share_allocation"),
    path("", include("venues.urls")),
]
