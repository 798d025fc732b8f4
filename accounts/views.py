from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as log_in
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import throttle
from .forms import LoginForm, ResetForm, SignupForm, reset_email_context


@require_http_methods(["GET", "POST"])
@throttle.limit_posts(throttle.SIGNUP)
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.ALLOW_SIGNUP:
        raise Http404
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        log_in(request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(request, _("Bienvenue ! Créez maintenant votre premier lieu."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form})


# Django's views, with our forms: the login takes the e-mail address too, the reset e-mail
# names the site from the settings (not the host the request came to).
login = auth_views.LoginView.as_view(authentication_form=LoginForm)


def password_reset(request: HttpRequest) -> HttpResponse:
    view = auth_views.PasswordResetView.as_view(
        form_class=ResetForm,
        extra_email_context=reset_email_context(),
        email_template_name="registration/tierslieux_password_reset_email.txt",
        subject_template_name="registration/tierslieux_password_reset_subject.txt",
    )
    return view(request)
