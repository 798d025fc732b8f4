import json
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.formats import localize_input
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tierslieux.names import name_taken

from .fields import AmountField
from .models import Role, ShareLink, Venue
from .team import invitations_left

CURRENCIES = [("EUR", "EUR (€)"), ("CHF", "CHF"), ("CAD", "CAD ($)"), ("XOF", "XOF (FCFA)")]


def same_value(value, shown) -> bool:
    """Whether a value is the one a page showed as text (`51.00` is `51`)."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        try:
            return Decimal(value) == Decimal(str(shown))
        except ArithmeticError:
            return False
    return str(value) == str(shown)


def shown_values(text: str | None) -> dict | None:
    """What a page said it showed of a row (its hidden `shown` field, JSON), or None for
    anything a page does not send: not JSON, nested too deep ("[[[[…"), not an object."""
    try:
        shown = json.loads(text or "")
    except (ValueError, RecursionError):
        return None
    return shown if isinstance(shown, dict) else None


class KeepsOthersChanges(forms.Form):
    """A form over settings that have no version of their own (a venue's name, surface and
    currency; its margin and occupancy): the page posts what it showed of them (`shown`), so
    that two people saving from pages loaded at different times never undo each other unseen.

    `stored` (name → value) is what is stored now, read under the venue's lock. For a field
    someone saved since the page showed it: if this page did not change it, what was saved
    stays; if it did, and to something else, it is refused beside the field, saying what was
    typed and what is saved. A post without `shown` (not from a page) is taken as it is.
    """

    STALE_FIELD = _(
        "Quelqu'un a modifié ce champ entre-temps : vous aviez saisi « %(typed)s », la valeur "
        "enregistrée est « %(current)s »."
    )

    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, stored: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = stored
        self.initial = {**stored, **self.initial}
        self.initial["shown"] = json.dumps({name: str(value) for name, value in stored.items()})

    def clean(self):
        cleaned = super().clean()
        shown = shown_values(cleaned.get("shown"))
        if shown is None:
            return cleaned
        for name, stored in self.stored.items():
            if name in self.errors or name not in shown or same_value(stored, shown[name]):
                continue  # nobody else saved it since
            if same_value(cleaned.get(name), shown[name]):
                cleaned[name] = stored  # not changed here: what was saved meanwhile stays
            elif not same_value(cleaned.get(name), stored):
                typed, current = self[name].data or "", localize_input(stored)
                self.add_error(name, self.STALE_FIELD % {"typed": typed, "current": current})
        return cleaned


class VenueForm(KeepsOthersChanges, forms.ModelForm):
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
        instance = kwargs.get("instance")
        stored = {name: getattr(instance, name) for name in self._meta.fields} if instance else {}
        super().__init__(*args, stored=stored, **kwargs)
        # A venue imported with another currency (a document may name any ISO code) keeps it.
        current = self.instance.currency
        if self.instance.pk and current not in dict(CURRENCIES):
            self.fields["currency"].choices = [*CURRENCIES, (current, current)]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Donnez un nom au lieu."))
        if self.instance.scenario_of_id is not None and self._sibling_named(name):
            raise forms.ValidationError(_("Un autre scénario de ce lieu porte déjà ce nom."))
        return name

    def _sibling_named(self, name: str) -> bool:
        """Whether another scenario of the same venue has this name, whatever its case and
        accents (as a new scenario's, costing/scenarios.py). Against two renames at once, each
        holding its own scenario's lock and not its siblings', the database's constraint
        scenario_name_unique_in_its_venue refuses the second."""
        siblings = Venue.objects.filter(scenario_of=self.instance.scenario_of_id)
        names = siblings.exclude(pk=self.instance.pk).values_list("name", flat=True)
        return name_taken(name, names)


class ShareLinkForm(forms.ModelForm):
    class Meta:
        model = ShareLink
        fields = ["label", "show_items"]
        help_texts = {
            "label": _("Pour vous y retrouver : « Assemblée générale 2025 », « Résidents »…"),
            "show_items": _(
                "La page liste alors chaque poste (libellé et montant mensuel) par ensemble et "
                "par niveau. Vous pourrez changer d'avis pour chaque lien."
            ),
        }


class InvitationForm(forms.Form):
    """An owner's invitation, checked against the venue as it is under its lock: not oneself,
    not a member, not an address already invited, and not past the venue's invitations per
    window (venues/team.py)."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254)
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=[(Role.EDITOR.value, Role.EDITOR.label), (Role.VIEWER.value, Role.VIEWER.label)],
        initial=Role.EDITOR,
        help_text=_("Un éditeur modifie les postes et les catégories ; la lecture seule consulte."),
    )

    def __init__(self, *args, venue: Venue, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        self.venue, self.inviter = venue, inviter
        self.throttled = False

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email.lower() == (self.inviter.email or "").lower():
            raise forms.ValidationError(_("C'est votre propre adresse : vous avez déjà accès."))
        if self.venue.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(_("Une personne de l'équipe utilise déjà cette adresse."))
        if self.venue.invitations.pending().filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "Une invitation est déjà en attente pour cette adresse. Révoquez-la pour "
                    "en envoyer une nouvelle."
                )
            )
        return email

    def clean(self):
        if invitations_left(self.venue) <= 0:
            self.throttled = True
            raise forms.ValidationError(
                ngettext_lazy(
                    "Trop d'invitations envoyées pour ce lieu : réessayez dans %(minutes)d minute.",
                    "Trop d'invitations envoyées pour ce lieu : réessayez dans %(minutes)d "
                    "minutes.",
                    "minutes",
                )
                % {"minutes": settings.INVITATION_WINDOW_MINUTES}
            )
        return super().clean()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class ShareLinkOptionsForm(forms.ModelForm):
    """What an existing link shows, changed from the share links' page."""

    class Meta:
        model = ShareLink
        fields = ["show_items", "show_prices"]
