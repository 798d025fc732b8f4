from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .backends import is_ambiguous

# One word for it across the UI: « adresse e-mail » for the field, « e-mail » for the message
# (Django's own French says « courriel » and « adresse électronique »).
EMAIL_LABEL = _("Adresse e-mail")
EMAIL_INVALID = _("Saisissez une adresse e-mail valide, par exemple claire@exemple.org.")


def email_field(**kwargs) -> forms.EmailField:
    return forms.EmailField(
        label=EMAIL_LABEL, error_messages={"invalid": EMAIL_INVALID}, max_length=254, **kwargs
    )


class SignupForm(UserCreationForm):
    """A username (what Django's accounts are named by, shown to the venue's other members)
    and an e-mail address, either of which logs in."""

    email = email_field(help_text=_("Pour réinitialiser votre mot de passe si vous l'oubliez."))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]
        help_texts = {
            "username": _(
                "Le nom qui vous identifie dans l’application : lettres, chiffres et les signes "
                "@ . + - _, sans espace (par exemple « claire.martin »), 150 caractères au plus. "
                "Vous pourrez aussi vous connecter avec votre adresse e-mail."
            )
        }
        error_messages = {
            "username": {
                "invalid": _(
                    "Un nom d’utilisateur ne prend que des lettres, des chiffres et les signes "
                    "@ . + - _, sans espace : « claire.martin » plutôt que « Claire Martin »."
                )
            }
        }


class LoginForm(AuthenticationForm):
    """Django's login form, whose first field takes the username or the e-mail address
    (accounts/backends.py)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Nom d’utilisateur, adresse e-mail ou mot de passe incorrect. Le mot de passe "
            "distingue les majuscules des minuscules."
        ),
        "ambiguous_email": _(
            "Plusieurs comptes ont cette adresse e-mail : connectez-vous avec votre nom "
            "d’utilisateur."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Nom d’utilisateur ou adresse e-mail")
        self.fields["username"].widget.attrs["autocomplete"] = "username"

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and "@" in username and is_ambiguous(username):
            raise forms.ValidationError(
                self.error_messages["ambiguous_email"], code="ambiguous_email"
            )
        return super().clean()


class ResetForm(PasswordResetForm):
    """Django's password reset form, with the UI's word for the address."""

    email = email_field(widget=forms.EmailInput(attrs={"autocomplete": "email"}))


def reset_email_context() -> dict:
    """What the password reset e-mail names the site by, and where its link points
    (TIERSLIEUX_SITE_NAME and TIERSLIEUX_SITE_URL; without the URL, the request's own host)."""
    context = {"site_name": settings.TIERSLIEUX_SITE_NAME}
    if settings.TIERSLIEUX_SITE_URL:
        protocol, domain = settings.TIERSLIEUX_SITE_URL.split("://", 1)
        context |= {"protocol": protocol, "domain": domain}
    return context
