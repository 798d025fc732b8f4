from decimal import Decimal

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .fields import AmountField
from .models import Venue

CURRENCIES = [("EUR", "EUR (€)"), ("CHF", "CHF"), ("CAD", "CAD ($)"), ("XOF", "XOF (FCFA)")]


class VenueForm(forms.ModelForm):
    total_surface_m2 = AmountField(
        label=_("Surface totale (m²)"),
        min_value=Decimal("0.01"),
        max_digits=10,
        help_text=_("Toute la surface du lieu, y compris celle qui ne porte pas de poste."),
    )
    currency = forms.ChoiceField(label=_("Devise"), choices=CURRENCIES, initial="EUR")

    class Meta:
        model = Venue
        fields = ["name", "total_surface_m2", "currency"]
        labels = {"name": _("Nom du lieu")}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Donnez un nom au lieu."))
        return name


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        help_text=_("Pour réinitialiser votre mot de passe si vous l'oubliez."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]
