from django.urls import include, path

from . import throttle, views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    # Django's view, each request counted per address (before django.contrib.auth.urls' own).
    path(
        "password_reset/",
        throttle.limit_posts(throttle.PASSWORD_RESET)(views.password_reset),
        name="password_reset",
    ),
    path("login/", views.login, name="login"),
    path("", include("django.contrib.auth.urls")),
]
