from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from venues import sharing, throttle
from venues import views as venue_views

urlpatterns = [
    path("healthz", venue_views.healthz, name="healthz"),
    path("accounts/signup/", venue_views.signup, name="signup"),
    # Django's view, each request counted per address (before django.contrib.auth.urls' own).
    path(
        "accounts/password_reset/",
        throttle.limit_posts(throttle.PASSWORD_RESET)(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("s/<str:token>/", sharing.share_page, name="share_page"),
    path("s/<str:token>/allocation.json", sharing.share_allocation, name="share_allocation"),
    path("", include("venues.urls")),
]
