from decimal import Decimal

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from costing import engine
from costing.checklist import checklist_venue
from costing.documents import DocumentError, load_venue_document

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


class NewVenueForm(VenueForm):
    START_EMPTY, START_CHECKLIST = "empty", "checklist"
    start = forms.ChoiceField(
        label=_("Pour commencer"),
        choices=[
            (
                START_CHECKLIST,
                _(
                    "La liste de la méthode : tous les postes de base et améliorés "
                    "à 0 €, et les catégories Résidents, Contributeurs, Bénéficiaires"
                ),
            ),
            (START_EMPTY, _("Un lieu vide")),
        ],
        initial=START_CHECKLIST,
        widget=forms.RadioSelect,
    )

    def engine_venue(self) -> engine.Venue:
        data = self.cleaned_data
        if data["start"] == self.START_CHECKLIST:
            return checklist_venue(data["name"], data["total_surface_m2"], data["currency"])
        return engine.Venue(
            name=data["name"], total_surface_m2=data["total_surface_m2"], currency=data["currency"]
        )


class UploadVenueForm(forms.Form):
    MAX_BYTES = 1_048_576
    TOO_LARGE = _("Le fichier dépasse 1 Mo : ce n'est pas un document de lieu.")

    document = forms.FileField(
        label=_("Document de lieu (JSON, format tierslieux.venue/1)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json"}),
    )

    def __init__(self, *args, stopped_at_limit: bool = False, **kwargs):
        """`stopped_at_limit`: the upload handler (venues.uploads) stopped reading the request
        past MAX_BYTES; the files are missing, or not all there, because they are too large."""
        super().__init__(*args, **kwargs)
        if stopped_at_limit:
            self.files = MultiValueDict()
            self.fields["document"].error_messages["required"] = self.TOO_LARGE

    def clean_document(self) -> engine.Venue:
        upload = self.cleaned_data["document"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(self.TOO_LARGE)
        try:
            return load_venue_document(upload.read())
        except DocumentError as error:
            raise forms.ValidationError(
                _("Document invalide — %(error)s"), params={"error": str(error)}
            ) from None
