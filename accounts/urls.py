from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import throttle, views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    # Django's view, each request counted per address (before django.contrib.auth.urls' own).
    path(
        "password_reset/",
        throttle.limit_posts(throttle.PASSWORD_RESET)(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path("", include("django.contrib.auth.urls")),
]
