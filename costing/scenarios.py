"""A venue's scenarios: named copies of its inputs ("Loyer +10 %", "Fin de la subvention"),
edited with the same workspace and Tarifs page as the venue, compared side by side with its
current state or with each other, and made the current state by its owner (docs/method.md).

A scenario is a `Venue` whose `scenario_of` is the venue: it has its own items, categories,
prices and revenue lines, so nothing done to it reaches the venue, its share links or its
closed periods; its members are the venue's (venues/access.py). The venue list shows venues
only (their memberships), never scenarios.
"""

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierslieux.names import name_taken
from venues.access import venue_view
from venues.models import Role, Venue

from . import engine
from .models import MAX_SCENARIOS, apply_scenario, create_scenario, venue_balance

ROWS = ("cost_items", "categories", "other_revenues")
CURRENT = "current"


class ScenarioForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom du scénario"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("Loyer +10 %, fin de la subvention…")}
        ),
    )

    def __init__(self, *args, taken: Iterable[str] = (), **kwargs):
        """`taken`: the names of the venue's scenarios, read under its lock."""
        super().__init__(*args, **kwargs)
        self.taken = list(taken)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Donnez un nom à ce scénario."))
        if len(self.taken) >= MAX_SCENARIOS:
            raise forms.ValidationError(
                _("Ce lieu a déjà %(count)s scénarios : c'est le maximum.")
                % {"count": MAX_SCENARIOS}
            )
        if name_taken(name, self.taken):
            raise forms.ValidationError(_("Un autre scénario de ce lieu porte déjà ce nom."))
        return name


def _base(venue: Venue) -> None:
    """Scenarios belong to a venue, not to a scenario."""
    if venue.scenario_of_id is not None:
        raise Http404


def _states(venue: Venue) -> list[Venue]:
    """The venue and its scenarios, with their rows: four queries whatever their number."""
    states = Venue.objects.filter(Q(pk=venue.pk) | Q(scenario_of=venue)).prefetch_related(*ROWS)
    return sorted(states, key=lambda state: (state.pk != venue.pk, state.created_at, state.pk))


@venue_view(Role.VIEWER)
def scenario_list(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The venue's scenarios with their totals, a form to create one and one to compare."""
    if venue.scenario_of_id is not None:
        return redirect("scenario_list", venue.scenario_of_id)
    return _list_page(request, venue, ScenarioForm())


def _list_page(request: HttpRequest, venue: Venue, form: ScenarioForm) -> HttpResponse:
    states = _states(venue)
    rows = [(state, *venue_balance(state)) for state in states]
    context = {
        "venue": venue,
        "current": rows[0],
        "scenarios": rows[1:],
        "form": form,
        "can_edit": Role(venue.role).allows(Role.EDITOR),
        "is_owner": Role(venue.role).allows(Role.OWNER),
        "CURRENT": CURRENT,
    }
    return render(request, "costing/scenarios.html", context)


@venue_view(Role.EDITOR, methods=("POST",))
def scenario_create(request: HttpRequest, venue: Venue) -> HttpResponse:
    """Copy the venue's current inputs into a new scenario, under the venue's lock (so that
    the copy is of one state, and the limit holds)."""
    _base(venue)
    form = ScenarioForm(request.POST, taken=venue.scenarios.values_list("name", flat=True))
    if not form.is_valid():
        return _list_page(request, venue, form)
    venue = Venue.objects.prefetch_related(*ROWS).get(pk=venue.pk)
    scenario = create_scenario(venue, form.cleaned_data["name"], actor=request.user)
    messages.success(
        request,
        _("Le scénario « %(name)s » est créé : modifiez-le, le lieu n'en sera pas changé.")
        % {"name": scenario.name},
    )
    return redirect(scenario)


@venue_view(Role.VIEWER)
def scenario_compare(request: HttpRequest, venue: Venue) -> HttpResponse:
    """Two states of the venue side by side (`left` and `right`: "current" or a scenario's
    id), the differences highlighted: seven queries whatever their size."""
    _base(venue)
    states = {state.pk: state for state in _states(venue)}
    choices = [(CURRENT, _("État actuel"))] + [
        (str(state.pk), state.name) for state in states.values() if state.pk != venue.pk
    ]
    default_right = choices[1][0] if len(choices) > 1 else CURRENT
    picked = []
    for side, default in (("left", CURRENT), ("right", default_right)):
        value = request.GET.get(side, default)
        pk = venue.pk if value == CURRENT else _int(value)
        if pk not in states:
            raise Http404
        picked.append((CURRENT if pk == venue.pk else str(pk), states[pk]))
    (left_value, left), (right_value, right) = picked
    comparison = engine.compare(venue_balance(left), venue_balance(right))
    context = {
        "venue": venue,
        "left": left,
        "right": right,
        "left_value": left_value,
        "right_value": right_value,
        "choices": choices,
        "comparison": comparison,
        "totals": _labelled(comparison.totals),
        "currency": venue.currency,
        "is_owner": Role(venue.role).allows(Role.OWNER),
    }
    return render(request, "costing/compare.html", context)


TOTAL_LABELS = {
    "total": gettext_lazy("Coût mensuel"),
    "infrastructure": gettext_lazy("Infrastructure"),
    "services": gettext_lazy("Services"),
    "uncovered": gettext_lazy("Porté par aucune catégorie"),
    "categories_revenue": gettext_lazy("Recettes des catégories"),
    "other_revenue": gettext_lazy("Autres revenus"),
    "total_revenue": gettext_lazy("Recettes du mois"),
    "balance": gettext_lazy("Solde (excédent ou déficit)"),
}


def _labelled(totals: dict) -> list[tuple]:
    return [(TOTAL_LABELS[key], key, difference) for key, difference in totals.items()]


def _int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 19 else None


@venue_view(Role.OWNER, methods=("POST",))
def scenario_apply(request: HttpRequest, venue: Venue, scenario_id: int) -> HttpResponse:
    """Make a scenario the venue's current state: inside the venue's lock, in one
    transaction, journaled (costing.models.apply_scenario)."""
    _base(venue)
    try:
        # Locked after its venue (the order every lock here follows): a deletion of the
        # scenario waits until it is applied, or has deleted it, rows and all, before it is read.
        scenarios = Venue.objects.select_for_update().prefetch_related(*ROWS)
        scenario = scenarios.get(pk=scenario_id, scenario_of=venue)
    except Venue.DoesNotExist:
        raise Http404 from None
    apply_scenario(venue, scenario)
    messages.success(
        request,
        _("Le scénario « %(name)s » est désormais l'état actuel du lieu.")
        % {"name": scenario.name},
    )
    return redirect(reverse("venue_detail", args=[venue.pk]))
