import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django import forms
from django.forms.utils import ErrorDict
from django.utils.datastructures import MultiValueDict
from django.utils.formats import localize_input
from django.utils.translation import gettext_lazy as _

from tierslieux.names import name_taken
from venues.fields import AmountField
from venues.forms import KeepsOthersChanges, VenueForm, same_value, shown_values
from venues.models import AllocationKey

from . import checklist, engine
from .documents import (
    MAX_CATEGORIES,
    MAX_COUNT,
    MAX_ITEMS,
    MAX_REVENUES,
    NOTES_MAX_LENGTH,
    DocumentError,
    load_venue_document,
)
from .models import CostItem, Frequency, MemberCategory, OtherRevenue

HUNDRED = Decimal(100)
# A one-off purchase's spread until the manager says otherwise: five years, the usual life of
# the equipment a tiers-lieu buys (furniture, computers, machines), between the three years of
# a computer and the ten of a fit-out (docs/method.md).
DEFAULT_SPREAD_MONTHS = 60
MONTHS_RANGE = _("Une durée d'amortissement va de 1 à 600 mois.")


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
    # Why the row was refused as stale, set by the view (costing/views.py categories_edit);
    # None here so that the row's template finds it without a failed lookup, which costs
    # Django's template engine a dir() of the form on every row.
    stale = None

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

    amount = AmountField(
        label=_("Montant"),
        min_value=Decimal(0),
        max_digits=12,
        error_messages={
            "required": _("Montant requis : indiquez 0 si ce poste ne coûte rien."),
            "min_value": _("Le montant ne peut pas être négatif."),
        },
    )
    amortization_months = forms.IntegerField(
        label=_("Amorti sur (mois)"),
        min_value=1,
        max_value=600,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": MONTHS_RANGE,
            "max_value": MONTHS_RANGE,
            "invalid": MONTHS_RANGE,
        },
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
            if "amortization_months" in self.errors or cleaned.get("amortization_months"):
                return cleaned
            if self.instance.frequency != Frequency.ONE_OFF or self.instance.pk is None:
                # Just switched to a one-off purchase: spread it over the default, which the
                # row then shows, ready to change (docs/method.md, "Achat unique").
                cleaned["amortization_months"] = DEFAULT_SPREAD_MONTHS
            else:
                self.add_error(
                    "amortization_months",
                    _(
                        "Indiquez la durée d'amortissement : un achat unique compte "
                        "chaque mois pour son montant divisé par ce nombre de mois (1 à 600)."
                    ),
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


# A percentage typed as no number: an example that is a percentage, not an amount.
NOT_A_PERCENTAGE = _("Saisissez un pourcentage, par exemple 12,5.")


def percentage_field(label: str) -> AmountField:
    """0 to 100 with up to 2 decimals; left blank, it counts as 0."""
    out_of_range = _("Une part va de 0 à 100 %%.")
    return AmountField(
        label=label,
        min_value=Decimal(0),
        max_value=HUNDRED,
        max_digits=5,
        initial=Decimal(0),
        required=False,
        error_messages={
            "min_value": out_of_range,
            "max_value": out_of_range,
            "invalid": NOT_A_PERCENTAGE,
        },
    )


def count_field(label: str) -> forms.IntegerField:
    """0 or more, up to what a venue document can carry: a count stored beyond it (SQLite
    stores any integer) would make the venue's export impossible to import again.

    A text input with a numeric keyboard rather than a number input: the browser would refuse
    `-3` or an emptied field itself, and htmx would then send nothing, silently (issue 15)."""
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_COUNT,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Indiquez un nombre (0 s'il n'y en a pas)."),
            "min_value": _("Un nombre ne peut pas être négatif."),
            "invalid": _("Saisissez un nombre entier, par exemple 12."),
        },
    )


class MemberCategoryForm(RowForm):
    """A category, checked against its siblings: names unique whatever their case, and no
    percentage column adding up to more than 100 % over the venue.

    In the categories table (`CategoryTableForm`, `in_table=True`) the form checks its own
    fields only: the table checks the rules that span rows on the values posted for all of
    them at once."""

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

    STALE_FIELD = _(
        "Quelqu'un a modifié cette catégorie entre-temps : vous aviez saisi « %(typed)s », "
        "la valeur enregistrée est « %(current)s »."
    )

    # What the page showed of the row travels with what is typed, so that the table knows
    # which fields the manager changed when someone else saved the row meanwhile
    # (CategoryTableForm). Only ever compared with what is posted beside it.
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, in_table: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_table = in_table
        if self.instance.pk:
            self.initial["shown"] = json.dumps(
                {name: str(getattr(self.instance, name)) for name in self._meta.fields}
            )

    def changed_fields(self, stored: dict) -> list[str]:
        """The fields whose posted value differs from what the page showed (`stored` when
        the page did not say)."""
        shown = shown_values(self.cleaned_data.get("shown"))
        if shown is None:
            shown = {name: str(value) for name, value in stored.items()}
        return [
            name
            for name in self._meta.fields
            if name in self.errors or not same_value(self.cleaned_data.get(name), shown.get(name))
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Donnez un nom à cette catégorie."))
        if not self.in_table and name_taken(name, (c.name for c in self.siblings)):
            raise forms.ValidationError(self.NAME_TAKEN)
        return name

    def clean(self):
        cleaned = super().clean()
        for field, message in self.SUM_FIELDS.items():
            if field in self.errors:
                continue
            if cleaned.get(field) is None:  # left blank: the category carries none of it
                cleaned[field] = Decimal(0)
            if self.in_table:
                continue
            total = cleaned[field] + sum((getattr(c, field) for c in self.siblings), Decimal(0))
            # Refuse only a value raised: a column already over 100 % (stored before this rule
            # held, see engine.violations) is brought back one category at a time, and meanwhile
            # the category's other fields can still be saved.
            stored = getattr(self.instance, field) or Decimal(0)
            if total > HUNDRED and cleaned[field] > stored:
                self.add_error(field, message % {"total": _percent(total)})
        return cleaned

    def validate_unique(self):
        # Uniqueness is checked against the loaded siblings in clean_name (no extra query).
        pass


def _percent(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


@dataclass
class TableRow:
    """One category of the table after a save: what is stored now, and what was typed but
    could not be saved (with its reason), to show again in the field."""

    category: MemberCategory
    unsaved: dict[str, str] = dataclass_field(default_factory=dict)  # field: typed text
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)
    stale: bool = False

    def form(self) -> MemberCategoryForm:
        """The row's form as the page shows it: the stored values, except the fields that
        were not saved, which keep what was typed and say why (their errors); their hidden
        initial values stay the stored ones."""
        prefix = f"category-{self.category.pk}"
        form = MemberCategoryForm(instance=self.category, prefix=prefix, initial=self.unsaved)
        form._errors = ErrorDict(
            {name: form.error_class(messages) for name, messages in self.errors.items()}
        )
        return form


class CategoryTableForm:
    """The categories table, saved as one form: every category's fields posted at once, so
    that shares can be typed in any order and travel together with the next change.

    Each row's fields are checked by its MemberCategoryForm; the rules that span rows are
    checked here on the whole table, on the values it would hold once saved: a column of
    shares adds up to 100 % at most (a share raised past it is not saved, the others are),
    and names are unique. Whatever is valid is saved; a field that is not keeps what was
    typed and says why. A row that someone else saved since the page was loaded (its version)
    is not written: it shows its current values, and each field the manager had changed on it
    says what was typed (the row's `shown` field tells which were changed).

    `categories` are the venue's, loaded after its lock (venues/access.py), so that the rules
    hold whoever saves at the same moment (docs/architecture.md).
    """

    FIELDS = MemberCategoryForm._meta.fields

    def __init__(self, data, categories):
        self.categories = list(categories)
        self.forms = [
            MemberCategoryForm(
                data,
                instance=category,
                prefix=f"category-{category.pk}",
                siblings=self.categories,
                in_table=True,
            )
            for category in self.categories
        ]
        self.stored = [{name: getattr(c, name) for name in self.FIELDS} for c in self.categories]

    def check(self) -> list[TableRow]:
        """Check the table; return its rows, each with what will be saved on its category
        (set on it, unsaved yet) and what will not."""
        rows, values = [], []
        for category, form, stored in zip(self.categories, self.forms, self.stored, strict=True):
            form.is_valid()  # the form writes its valid fields onto the category: undo it
            for name, value in stored.items():
                setattr(category, name, value)
            row = TableRow(category)
            if "version" in form.errors or form.non_field_errors():
                row.stale = True  # not a row of this page: nothing of it is written
                values.append(dict(stored))
            elif form.cleaned_data.get("version") != category.version:
                # Someone saved the row since this page showed it: what the manager changed
                # on it is not written, and says what it was; the rest is as now stored.
                for name in form.changed_fields(stored):
                    current = localize_input(stored[name])
                    row.errors[name] = [
                        MemberCategoryForm.STALE_FIELD
                        % {"typed": form[name].data or "", "current": current}
                    ]
                values.append(dict(stored))
            else:
                for name, messages in form.errors.items():
                    row.errors[name] = list(messages)
                    row.unsaved[name] = form[name].data or ""
                values.append(
                    {
                        name: form.cleaned_data[name] if name not in form.errors else stored[name]
                        for name in self.FIELDS
                    }
                )
            rows.append(row)
        self._check_sums(rows, values)
        self._check_names(rows, values)
        for row, value in zip(rows, values, strict=True):
            for name in self.FIELDS:
                if name not in row.errors:
                    setattr(row.category, name, value[name])
        return rows

    def _refuse(self, row: TableRow, index: int, name: str, message: str, values) -> None:
        row.errors[name] = [message]
        row.unsaved[name] = self.forms[index][name].data or ""
        values[index][name] = self.stored[index][name]

    def _check_sums(self, rows: list[TableRow], values: list[dict]) -> None:
        for name, message in MemberCategoryForm.SUM_FIELDS.items():
            total = sum((value[name] for value in values), Decimal(0))
            if total <= HUNDRED:
                continue
            # Refuse the shares raised: a column already over 100 % (stored before this rule
            # held, see engine.violations) is brought back one category at a time.
            for index, row in enumerate(rows):
                if values[index][name] > self.stored[index][name]:
                    self._refuse(row, index, name, message % {"total": _percent(total)}, values)

    def _check_names(self, rows: list[TableRow], values: list[dict]) -> None:
        for index, row in enumerate(rows):
            name = values[index]["name"]
            if name == self.stored[index]["name"]:
                continue
            others = [
                other
                for position, value in enumerate(values)
                if position != index
                for other in (value["name"], self.stored[position]["name"])
            ]
            if name_taken(name, others):
                self._refuse(row, index, "name", MemberCategoryForm.NAME_TAKEN, values)


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


class PricingForm(KeepsOthersChanges):
    """The venue's contingency margin and expected occupancy (docs/method.md, R8). `stored`:
    both as the page shows them (`PricingForm.stored_of(venue)`)."""

    OCCUPANCY_RANGE = _("Le taux d'occupation doit être de plus de 0 % et d'au plus 100 %.")

    margin_pct = AmountField(
        label=_("Marge de précaution (%)"),
        min_value=Decimal(0),
        max_value=engine.MAX_MARGIN_PCT,
        max_digits=6,
        help_text=_("Pour les imprévus : de 0 à 1 000 %."),
        error_messages={"invalid": NOT_A_PERCENTAGE},
    )
    occupancy_pct = AmountField(
        label=_("Taux d'occupation attendu (%)"),
        max_digits=5,
        error_messages={"invalid": NOT_A_PERCENTAGE},
        help_text=_(
            "La part des membres ou des postes qui paient en moyenne : plus de 0, au plus 100 %."
        ),
    )

    @staticmethod
    def stored_of(venue) -> dict:
        """The venue's margin and occupancy as the page shows them: an unset one as the
        engine reads it (0 %, 100 %)."""
        defaults = engine.Pricing()
        return {
            name: getattr(defaults, name) if getattr(venue, name) is None else getattr(venue, name)
            for name in ("margin_pct", "occupancy_pct")
        }

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
        label=_("Étalée sur (mois)"), min_value=1, max_value=600, required=False
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
                    _("Une recette unique s'étale : indiquez sur combien de mois (1 à 600)."),
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
                    "La liste de la méthode : les postes cochés ci-dessous à 0 €, et les "
                    "catégories Résidents, Contributeurs, Bénéficiaires"
                ),
            ),
            (START_EMPTY, _("Un lieu vide")),
        ],
        initial=START_CHECKLIST,
        widget=forms.RadioSelect,
    )
    checklist_items = forms.MultipleChoiceField(
        label=_("Postes de la liste à créer"),
        help_text=_(
            "Cochez ceux que le lieu paie ou paiera ; les autres pourront être ajoutés plus "
            "tard. Les postes de base sont cochés : sans eux, un lieu ne peut pas ouvrir."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checklist-items"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["checklist_items"]
        field.choices = checklist.choices()  # in the request's language
        field.initial = checklist.DEFAULT_KEYS

    def engine_venue(self) -> engine.Venue:
        data = self.cleaned_data
        if data["start"] == self.START_CHECKLIST:
            return checklist.checklist_venue(
                data["name"], data["total_surface_m2"], data["currency"], data["checklist_items"]
            )
        return engine.Venue(
            name=data["name"], total_surface_m2=data["total_surface_m2"], currency=data["currency"]
        )


class UploadVenueForm(forms.Form):
    # The export of a venue at every limit (500 items with 5 000 characters of notes each, 50
    # categories, 100 revenue lines) is about 3 MB: it imports back (costing/tests/test_backup.py).
    MAX_BYTES = 4 * 1024 * 1024
    TOO_LARGE = _("Le fichier dépasse 4 Mo : trop grand pour un document de lieu.")

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
            # The path for whoever edits the JSON, the line in words for whoever does not.
            line = error.line
            if line:
                message = _("Document invalide, %(line)s — %(error)s")
            else:
                message = _("Document invalide — %(error)s")
            raise forms.ValidationError(
                message, params={"error": str(error), "line": line}
            ) from None
