"""Editing a venue's cost items, member categories and allocation keys.

Each action answers htmx with the changed fragment and the summary (out of band) in one
response, and a plain form POST with a redirect back to the workspace.

Every POST runs under the venue's lock (venues/access.py): a view loads the rows it checks
(the form's `siblings`) after the lock, validates, then writes, so that rules spanning rows
hold when two editors save at once.
"""

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from venues.access import venue_view
from venues.models import Role, Venue
from venues.workspace import GROUPS, PAGE, Workspace

from .forms import (
    AllocationKeysForm,
    BonjourBienvenueForm,
    CostItemDetailsForm,
    CostItemForm,
    MemberCategoryForm,
)
from .models import AllocationKey, CostItem, MemberCategory

STALE = gettext_lazy(
    "Quelqu'un a modifié cette ligne entre-temps : voici sa valeur actuelle. "
    "Refaites votre modification si elle est toujours utile."
)


def _workspace(request: HttpRequest, venue: Venue, **bound: Form) -> Workspace:
    return Workspace(venue, can_edit=True, bound=bound).load()


def _fragments(request: HttpRequest, context: dict, *partials: str) -> HttpResponse:
    """Render several partials of the workspace page into one htmx response."""
    html = "".join(render_to_string(f"{PAGE}#{name}", context, request) for name in partials)
    return HttpResponse(html)


def _back(venue: Venue, anchor: str = "") -> HttpResponse:
    return redirect(venue.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _page(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Without JavaScript, an invalid form comes back in the whole page, beside its field."""
    return workspace.render_page(request)


def _row(rows, pk: int):
    for row in rows:
        if row.pk == pk:
            return row
    raise Http404


def _save_or_refuse(
    request: HttpRequest, workspace: Workspace, name: str, form: Form
) -> HttpResponse | None:
    """Save the edited row of `form` (an item or a category, `name`) if it is valid and
    nobody changed it since the user loaded it; otherwise answer with the refusal: the row
    with its errors, or the fresh row with a message. None when saved."""
    row, fields = form.instance, form._meta.fields
    saved = form.is_valid() and row.save_if_unchanged(form.cleaned_data["version"], fields)
    if not form.is_valid():
        row.refresh_from_db(fields=fields)  # the form wrote its valid fields onto it
        workspace.bound[form.prefix] = form
        if not request.htmx:
            return _page(request, workspace)
        return _fragments(request, workspace.context(**{name: row, "form": form}), f"{name}-row")
    if saved:
        return None
    if not request.htmx:
        messages.error(request, STALE)
        return _back(workspace.venue, form.prefix)
    fresh = _workspace(request, Venue.objects.get(pk=workspace.venue.pk))
    rows, form_for = {
        "item": (fresh.venue.cost_items.all(), fresh.item_form),
        "category": (fresh.venue.categories.all(), fresh.category_form),
    }[name]
    row = _row(rows, row.pk)
    context = fresh.context(**{name: row, "form": form_for(row), "stale": STALE})
    return _fragments(request, context, f"{name}-row", "summary-oob")


# Cost items ------------------------------------------------------------------------------


@venue_view(Role.EDITOR, methods=("POST",))
def item_add(request: HttpRequest, venue: Venue, pool: str, tier: str) -> HttpResponse:
    if (pool, tier) not in GROUPS:
        raise Http404
    prefix = f"new-{pool}-{tier}"
    items = list(venue.cost_items.all())
    form = CostItemForm(request.POST, prefix=prefix, siblings=items)
    if form.is_valid():
        item = form.save(commit=False)
        item.venue, item.pool, item.tier = venue, pool, tier  # the group is the URL's
        item.place_last(items)
        item.save()
        if not request.htmx:
            messages.success(request, _("Poste « %(label)s » ajouté.") % {"label": item.label})
            return _back(venue, f"item-{item.pk}")
        workspace = _workspace(request, venue)
    else:
        workspace = _workspace(request, venue, **{prefix: form})
        if not request.htmx:
            return _page(request, workspace)
    context = workspace.context(focus_new=True)
    context["group"] = next(g for g in workspace.groups if g.key == f"{pool}-{tier}")
    return _fragments(request, context, "item-group", "summary-oob")


@venue_view(Role.EDITOR, methods=("POST",))
def item_edit(request: HttpRequest, venue: Venue, item_id: int) -> HttpResponse:
    workspace = _workspace(request, venue)
    items = venue.cost_items.all()
    item = _row(items, item_id)
    form = CostItemForm(request.POST, instance=item, prefix=f"item-{item.pk}", siblings=items)
    if refused := _save_or_refuse(request, workspace, "item", form):
        return refused
    if not request.htmx:
        return _back(venue, form.prefix)
    context = workspace.context(item=item, form=CostItemForm(instance=item, prefix=form.prefix))
    return _fragments(request, context, "item-row", "summary-oob")


@venue_view(Role.EDITOR, methods=("GET", "POST"))
def item_details(request: HttpRequest, venue: Venue, item_id: int) -> HttpResponse:
    """The whole item on a page of its own, to change its group or its notes."""
    if request.method == "GET":
        item = get_object_or_404(CostItem, venue=venue, pk=item_id)
        form = CostItemDetailsForm(instance=item)
        return _details_page(request, venue, item, form)
    items = list(venue.cost_items.all())
    item = _row(items, item_id)
    group = (item.pool, item.tier)
    form = CostItemDetailsForm(request.POST, instance=item, siblings=items)
    if form.is_valid():
        fields = form._meta.fields
        if (item.pool, item.tier) != group:  # moved: last of its new group
            item.place_last(items)
            fields = [*fields, "position"]
        if item.save_if_unchanged(form.cleaned_data["version"], fields):
            messages.success(request, _("Poste « %(label)s » enregistré.") % {"label": item.label})
            return _back(venue, f"item-{item.pk}")
        messages.error(request, STALE)
        item.refresh_from_db()
        form = CostItemDetailsForm(instance=item)
    else:
        item.refresh_from_db()  # the title and the monthly amount as stored, not as typed
    return _details_page(request, venue, item, form)


def _details_page(
    request: HttpRequest, venue: Venue, item: CostItem, form: CostItemDetailsForm
) -> HttpResponse:
    context = {
        "venue": venue,
        "item": item,
        "form": form,
        "cancel_url": f"{venue.get_absolute_url()}#item-{item.pk}",
    }
    return render(request, "costing/item_details.html", context)


@venue_view(Role.EDITOR, methods=("GET", "POST"))
def item_delete(request: HttpRequest, venue: Venue, item_id: int) -> HttpResponse:
    item = get_object_or_404(CostItem, venue=venue, pk=item_id)
    if request.method == "GET":
        return render(request, "venues/confirm_delete_row.html", {"venue": venue, "row": item})
    item.delete()  # the database dates the change on the venue (Venue.revision)
    if not request.htmx:
        messages.success(request, _("Poste « %(label)s » supprimé.") % {"label": item.label})
        return _back(venue, "items")
    return _fragments(request, _workspace(request, venue).context(), "summary-oob")


@venue_view(Role.EDITOR, methods=("POST",))
def item_move(request: HttpRequest, venue: Venue, item_id: int) -> HttpResponse:
    items = list(venue.cost_items.all())
    item = _row(items, item_id)
    item.move(items, request.POST.get("direction"))
    if not request.htmx:
        return _back(venue, f"item-{item.pk}")
    return _fragments(request, _workspace(request, venue).context(), "items")


# Member categories -----------------------------------------------------------------------


@venue_view(Role.EDITOR, methods=("POST",))
def category_add(request: HttpRequest, venue: Venue) -> HttpResponse:
    workspace = _workspace(request, venue)
    siblings = list(venue.categories.all())
    form = MemberCategoryForm(request.POST, prefix="new-category", siblings=siblings)
    category = form.instance
    category.venue = venue
    category.place_last(siblings)
    if form.is_valid():
        category.save()
        if not request.htmx:
            messages.success(
                request, _("Catégorie « %(name)s » ajoutée.") % {"name": category.name}
            )
            return _back(venue, f"category-{category.pk}")
        workspace = _workspace(request, Venue.objects.get(pk=venue.pk))
    else:
        workspace.bound["new-category"] = form
        if not request.htmx:
            return _page(request, workspace)
    return _fragments(request, workspace.context(), "categories", "summary-oob")


@venue_view(Role.EDITOR, methods=("POST",))
def category_edit(request: HttpRequest, venue: Venue, category_id: int) -> HttpResponse:
    workspace = _workspace(request, venue)
    siblings = list(venue.categories.all())
    category = _row(siblings, category_id)
    prefix = f"category-{category.pk}"
    form = MemberCategoryForm(request.POST, instance=category, prefix=prefix, siblings=siblings)
    if refused := _save_or_refuse(request, workspace, "category", form):
        return refused
    if not request.htmx:
        return _back(venue, prefix)
    context = workspace.context(
        category=category, form=MemberCategoryForm(instance=category, prefix=prefix)
    )
    return _fragments(request, context, "category-row", "summary-oob")


@venue_view(Role.EDITOR, methods=("GET", "POST"))
def category_delete(request: HttpRequest, venue: Venue, category_id: int) -> HttpResponse:
    category = get_object_or_404(MemberCategory, venue=venue, pk=category_id)
    if request.method == "GET":
        return render(request, "venues/confirm_delete_row.html", {"venue": venue, "row": category})
    category.delete()  # the database dates the change on the venue (Venue.revision)
    if not request.htmx:
        messages.success(request, _("Catégorie « %(name)s » supprimée.") % {"name": category.name})
        return _back(venue, "categories")
    return _fragments(request, _workspace(request, venue).context(), "categories", "summary-oob")


@venue_view(Role.EDITOR, methods=("POST",))
def category_move(request: HttpRequest, venue: Venue, category_id: int) -> HttpResponse:
    categories = list(venue.categories.all())
    category = _row(categories, category_id)
    category.move(categories, request.POST.get("direction"))
    if not request.htmx:
        return _back(venue, f"category-{category.pk}")
    return _fragments(request, _workspace(request, venue).context(), "categories", "summary-oob")


# Allocation keys and presets -------------------------------------------------------------


@venue_view(Role.EDITOR, methods=("POST",))
def keys_edit(request: HttpRequest, venue: Venue) -> HttpResponse:
    form = AllocationKeysForm(request.POST, prefix="keys")
    if form.is_valid():
        venue.set_keys(form.cleaned_data["infrastructure_key"], form.cleaned_data["services_key"])
        bound = {}
    else:
        bound = {"keys": form}
    if not request.htmx:
        return (
            _back(venue, "keys")
            if form.is_valid()
            else _page(request, _workspace(request, venue, **bound))
        )
    return _fragments(request, _workspace(request, venue, **bound).context(), "keys", "summary-oob")


@venue_view(Role.EDITOR, methods=("POST",))
def preset_surface(request: HttpRequest, venue: Venue) -> HttpResponse:
    venue.set_keys(AllocationKey.SURFACE, AllocationKey.SURFACE)
    messages.success(
        request, _("Chaque catégorie porte désormais les coûts au prorata de sa surface.")
    )
    return _back(venue, "keys")


@venue_view(Role.EDITOR, methods=("POST",))
def preset_bonjour_bienvenue(request: HttpRequest, venue: Venue) -> HttpResponse:
    categories = MemberCategory.objects.filter(venue=venue)
    form = BonjourBienvenueForm(request.POST, categories=categories)
    if not form.is_valid():
        messages.error(
            request, _("Choisissez les catégories qui portent l'infrastructure et les services.")
        )
        return _back(venue, "keys")
    infrastructure = form.cleaned_data["infrastructure_carrier"]
    services = form.cleaned_data["services_carrier"]
    venue.give_pools(infrastructure, services)
    messages.success(
        request,
        _(
            "Bonjour : « %(infra)s » porte l'infrastructure. "
            "Bienvenue : « %(services)s » porte les services."
        )
        % {"infra": infrastructure.name, "services": services.name},
    )
    return _back(venue, "keys")
