from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        help_text=_("Pour réinitialiser votre mot de passe si vous l'oubliez."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]
