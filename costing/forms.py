from decimal import Decimal

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from venues.fields import AmountField
from venues.forms import VenueForm
from venues.models import AllocationKey

from . import engine
from .checklist import checklist_venue
from .documents import (
    MAX_CATEGORIES,
    MAX_COUNT,
    MAX_ITEMS,
    MAX_REVENUES,
    NOTES_MAX_LENGTH,
    DocumentError,
    load_venue_document,
    name_key,
)
from .models import CostItem, Frequency, MemberCategory, OtherRevenue

HUNDRED = Decimal(100)


class RowForm(forms.ModelForm):
    """A venue's cost item or member category, checked against its siblings.

    The rules that span several rows of a venue are checked here, against `siblings`: the
    venue's rows of the same kind, which the view loads after `venue_view` has locked the
    venue (venues/access.py), so that what is checked still holds when the row is written,
    whoever saves at the same moment. A rule added later goes in a form's clean(), against
    `self.siblings`. Every bound form has its siblings.

    The form also carries the version the user saw, so that a save based on a stale row is
    refused.
    """

    LIMIT: int  # the most rows of this kind a venue may have
    LIMIT_REACHED: str

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, siblings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and siblings is None:
            raise TypeError(f"{type(self).__name__} checks a posted row against its siblings")
        self.siblings = [row for row in siblings or () if row.pk != self.instance.pk]
        if self.instance.pk:
            self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("version") is None:
            # A hidden field's error would not show beside any field: say it for the row.
            raise forms.ValidationError(_("Cette ligne a changé de forme : rechargez la page."))
        if self.instance.pk is None and len(self.siblings) >= self.LIMIT:
            raise forms.ValidationError(self.LIMIT_REACHED % {"count": self.LIMIT})
        return cleaned


class CostItemForm(RowForm):
    LIMIT = MAX_ITEMS
    LIMIT_REACHED = _("Ce lieu a déjà %(count)s postes : c'est le maximum.")

    amount = AmountField(label=_("Montant"), min_value=Decimal(0), max_digits=12)
    amortization_months = forms.IntegerField(
        label=_("Amorti sur (mois)"), min_value=1, max_value=600, required=False
    )

    class Meta:
        model = CostItem
        # The group (pool and tier) is the row's place on the page: it changes on the item's
        # details page only (CostItemDetailsForm).
        fields = ["label", "amount", "frequency", "amortization_months", "included"]
        labels = {"label": _("Libellé"), "included": _("Compté")}
        widgets = {"label": forms.TextInput(attrs={"placeholder": _("Nouveau poste…")})}

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError(_("Donnez un libellé à ce poste."))
        return label

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("frequency") == Frequency.ONE_OFF:
            if not cleaned.get("amortization_months"):
                self.add_error(
                    "amortization_months",
                    _("Un achat unique s'amortit : indiquez sur combien de mois (1 à 600)."),
                )
        else:
            cleaned["amortization_months"] = None
        return cleaned


class CostItemDetailsForm(CostItemForm):
    """The whole item on a page of its own: what the row shows, plus the group it belongs to
    (to move a misfiled item) and its notes."""

    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Contrat, fournisseur, échéance… : ce que l'équipe doit savoir."),
    )

    class Meta(CostItemForm.Meta):
        fields = [
            "label", "pool", "tier", "amount", "frequency", "amortization_months", "included",
            "notes",
        ]  # fmt: skip
        labels = {
            **CostItemForm.Meta.labels,
            "pool": _("Ensemble"),
            "tier": _("Niveau"),
            "frequency": _("Fréquence"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amortization_months"].help_text = _(
            "Pour un achat unique seulement : sur combien de mois."
        )


def percentage_field(label: str) -> AmountField:
    """0 to 100 with up to 2 decimals; left blank, it counts as 0."""
    return AmountField(
        label=label,
        min_value=Decimal(0),
        max_value=HUNDRED,
        max_digits=5,
        initial=Decimal(0),
        required=False,
    )


def count_field(label: str) -> forms.IntegerField:
    """0 or more, up to what a venue document can carry: a count stored beyond it (SQLite
    stores any integer) would make the venue's export impossible to import again."""
    return forms.IntegerField(label=label, min_value=0, max_value=MAX_COUNT, initial=0)


class MemberCategoryForm(RowForm):
    """A category, checked against its siblings: names unique whatever their case, and no
    percentage column adding up to more than 100 % over the venue."""

    LIMIT = MAX_CATEGORIES
    LIMIT_REACHED = _("Ce lieu a déjà %(count)s catégories : c'est le maximum.")

    surface_share_pct = percentage_field(_("Part de la surface (%)"))
    workstations = count_field(_("Postes de travail"))
    members = count_field(_("Membres"))
    infrastructure_pct = percentage_field(_("Part de l'infrastructure (%)"))
    services_pct = percentage_field(_("Part des services (%)"))

    class Meta:
        model = MemberCategory
        fields = [
            "name",
            "surface_share_pct",
            "workstations",
            "members",
            "infrastructure_pct",
            "services_pct",
        ]
        labels = {"name": _("Catégorie")}

    NAME_TAKEN = _("Une catégorie porte déjà ce nom dans ce lieu.")

    SUM_FIELDS = {
        "surface_share_pct": _(
            "Les parts de surface des catégories dépasseraient 100 %% (%(total)s %%)."
        ),
        "infrastructure_pct": _(
            "Les parts de l'infrastructure des catégories dépasseraient 100 %% (%(total)s %%)."
        ),
        "services_pct": _(
            "Les parts des services des catégories dépasseraient 100 %% (%(total)s %%)."
        ),
    }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Donnez un nom à cette catégorie."))
        if any(name_key(c.name) == name_key(name) for c in self.siblings):
            raise forms.ValidationError(self.NAME_TAKEN)
        return name

    def clean(self):
        cleaned = super().clean()
        for field, message in self.SUM_FIELDS.items():
            if field in self.errors:
                continue
            if cleaned.get(field) is None:  # left blank: the category carries none of it
                cleaned[field] = Decimal(0)
            total = cleaned[field] + sum((getattr(c, field) for c in self.siblings), Decimal(0))
            # Refuse only a value raised: a column already over 100 % (stored before this rule
            # held, see engine.violations) is brought back one category at a time, and meanwhile
            # the category's other fields can still be saved.
            stored = getattr(self.instance, field) or Decimal(0)
            if total > HUNDRED and cleaned[field] > stored:
                self.add_error(field, message % {"total": f"{total:.2f}".replace(".", ",")})
        return cleaned

    def validate_unique(self):
        # Uniqueness is checked against the loaded siblings in clean_name (no extra query).
        pass


class CategoryPriceForm(forms.ModelForm):
    """What a category's members pay (docs/method.md, R7), on the venue's "Tarifs" page: left
    blank, the category has no price. Carries the version the user saw, as every row does."""

    price_amount = AmountField(label=_("Prix"), min_value=Decimal(0), max_digits=12, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = MemberCategory
        fields = MemberCategory.PRICE_FIELDS
        labels = {"price_frequency": _("Fréquence"), "price_basis": _("Payé")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("version") is None:  # as RowForm says it: for the row, not a hidden field
            raise forms.ValidationError(_("Cette ligne a changé de forme : rechargez la page."))
        return cleaned

    def validate_unique(self):
        pass  # prices are unique to nothing: no query


class PricingForm(forms.Form):
    """The venue's contingency margin and expected occupancy (docs/method.md, R8)."""

    OCCUPANCY_RANGE = _("Le taux d'occupation va de plus de 0 à 100 %.")

    margin_pct = AmountField(
        label=_("Marge de précaution (%)"),
        min_value=Decimal(0),
        max_value=engine.MAX_MARGIN_PCT,
        max_digits=6,
        help_text=_("Pour les imprévus : de 0 à 1 000 %."),
    )
    occupancy_pct = AmountField(
        label=_("Taux d'occupation attendu (%)"),
        max_digits=5,
        help_text=_(
            "La part des membres ou des postes qui paient en moyenne : plus de 0, au plus 100 %."
        ),
    )

    def clean_occupancy_pct(self) -> Decimal:
        occupancy = self.cleaned_data["occupancy_pct"]
        if not 0 < occupancy <= HUNDRED:
            raise forms.ValidationError(self.OCCUPANCY_RANGE)
        return occupancy


class OtherRevenueForm(RowForm):
    """A revenue line besides the members' prices, counted monthly as a cost item is."""

    LIMIT = MAX_REVENUES
    LIMIT_REACHED = _("Ce lieu a déjà %(count)s lignes de revenus : c'est le maximum.")

    amount = AmountField(label=_("Montant"), min_value=Decimal(0), max_digits=12)
    amortization_months = forms.IntegerField(
        label=_("Amorti sur (mois)"), min_value=1, max_value=600, required=False
    )

    class Meta:
        model = OtherRevenue
        fields = ["label", "amount", "frequency", "amortization_months"]
        labels = {"label": _("Libellé"), "frequency": _("Fréquence")}
        widgets = {
            "label": forms.TextInput(
                attrs={"placeholder": _("Subvention, événements, location de salles…")}
            )
        }

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError(_("Donnez un libellé à ce revenu."))
        return label

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("frequency") == Frequency.ONE_OFF:
            if not cleaned.get("amortization_months"):
                self.add_error(
                    "amortization_months",
                    _("Un revenu unique s'amortit : indiquez sur combien de mois (1 à 600)."),
                )
        else:
            cleaned["amortization_months"] = None
        return cleaned


class AllocationKeysForm(forms.Form):
    infrastructure_key = forms.ChoiceField(
        label=_("Qui porte l'infrastructure ?"), choices=AllocationKey.choices
    )
    services_key = forms.ChoiceField(
        label=_("Qui porte les services ?"), choices=AllocationKey.choices
    )


class BonjourBienvenueForm(forms.Form):
    """The worked example's rule: one category carries all the infrastructure ("Bonjour"),
    another all the services ("Bienvenue"); the others carry none of either."""

    infrastructure_carrier = forms.ModelChoiceField(
        label=_("Catégorie qui porte 100 % de l'infrastructure (Bonjour)"), queryset=None
    )
    services_carrier = forms.ModelChoiceField(
        label=_("Catégorie qui porte 100 % des services (Bienvenue)"), queryset=None
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.queryset = categories


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
        """`stopped_at_limit`: the upload handler (costing/uploads.py) stopped reading the
        request past MAX_BYTES; the files are missing, or not all there, because they are too
        large."""
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
