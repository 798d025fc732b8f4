from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import AmountField
from .models import ShareLink, Venue

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A venue imported with another currency (a document may name any ISO code) keeps it.
        current = self.instance.currency
        if self.instance.pk and current not in dict(CURRENCIES):
            self.fields["currency"].choices = [*CURRENCIES, (current, current)]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Donnez un nom au lieu."))
        return name


class ShareLinkForm(forms.ModelForm):
    class Meta:
        model = ShareLink
        fields = ["label"]
        help_texts = {
            "label": _("Pour vous y retrouver : « Assemblée générale 2025 », « Résidents »…")
        }


class SharePricesForm(forms.Form):
    """Whether a link's page shows what each category pays next to its share of the cost."""

    show_prices = forms.BooleanField(label=_("Montrer les prix"), required=False)
