"""The pages of what venues cost: the list of one's venues, creating one (from the method's
checklist or a document), its workspace (cost items, member categories, allocation keys, the
live summary) and its exports.

A workspace edit answers htmx with the changed fragment and the summary (out of band) in one
response, and a plain form POST with a redirect back to the workspace. Every POST runs under
the venue's lock (venues/access.py): a view loads the rows it checks (the form's `siblings`)
after the lock, validates, then writes, so that rules spanning rows hold when two editors save
at once (docs/architecture.md).
"""

import csv
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from venues import journal
from venues.access import venue_view
from venues.models import AllocationKey, Change, Role, Venue

from . import export
from .documents import dumps, venue_document
from .examples import worked_example_allocation
from .forms import (
    AllocationKeysForm,
    BonjourBienvenueForm,
    CategoryTableForm,
    CostItemDetailsForm,
    NewVenueForm,
    UploadVenueForm,
)
from .models import (
    ROWS_WITH_LOCK,
    CostItem,
    MemberCategory,
    create_venue,
    engine_venue,
    venue_allocation,
)
from .summary import summary_context
from .uploads import LimitedUploadHandler
from .workspace import CATEGORIES, GROUPS, ITEMS, RowKind, Workspace

STALE = gettext_lazy(
    "Quelqu'un a modifié cette ligne entre-temps : voici sa valeur actuelle. "
    "Refaites votre modification si elle est toujours utile."
)


# Venues -------------------------------------------------------------------------------------


@require_GET
def venue_list(request: HttpRequest) -> HttpResponse:
    """A signed-in user's venues; for a visitor, what the app is (the home page)."""
    if not request.user.is_authenticated:
        return _welcome(request)
    venues = Venue.objects.for_user(request.user).prefetch_related("cost_items", "categories")
    rows = [(venue, venue_allocation(venue)) for venue in venues.order_by("name", "pk")]
    return render(request, "costing/venue_list.html", {"rows": rows})


def _welcome(request: HttpRequest) -> HttpResponse:
    context = {
        "demo_url": settings.TIERSLIEUX_DEMO_URL,
        **summary_context(worked_example_allocation()),
    }
    return render(request, "costing/welcome.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request: HttpRequest) -> HttpResponse:
    form = NewVenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        venue = create_venue(form.engine_venue(), owner=request.user, actor=request.user)
        messages.success(request, _("Le lieu « %(name)s » est créé.") % {"name": venue.name})
        return redirect(venue)
    return render(
        request, "costing/venue_create.html", {"form": form, "upload_form": UploadVenueForm()}
    )


@csrf_exempt  # only until the upload handler is set: _import_document checks the token
@require_http_methods(["GET", "POST"])
def venue_import(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":  # e.g. the language switch on a refused upload's page
        return _to_create(request)
    # Before anything reads the body, the CSRF check included: past 4 MB, keep nothing more
    # rather than let Django write it all to a temporary file first.
    upload = LimitedUploadHandler(request, UploadVenueForm.MAX_BYTES)
    request.upload_handlers = [upload]
    return _import_document(request, upload)


@login_required
def _to_create(request: HttpRequest) -> HttpResponse:
    return redirect("venue_create")


# The login check comes after the body is read, as the CSRF check reads it: a visitor whose
# session has expired then sees the login page, where an unread body of a few megabytes
# would make the browser show "connection reset".
@csrf_protect
@login_required
def _import_document(request: HttpRequest, upload: LimitedUploadHandler) -> HttpResponse:
    upload_form = UploadVenueForm(request.POST, request.FILES, stopped_at_limit=upload.stopped)
    if upload_form.is_valid():
        venue = create_venue(
            upload_form.cleaned_data["document"],
            owner=request.user,
            actor=request.user,
            action=Change.Action.IMPORTED,
        )
        messages.success(request, _("Le lieu « %(name)s » est importé.") % {"name": venue.name})
        return redirect(venue)
    context = {"form": NewVenueForm(), "upload_form": upload_form}
    return render(request, "costing/venue_create.html", context)


@venue_view(Role.VIEWER)
def venue_detail(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The workspace: items, categories, allocation keys and the live summary."""
    return Workspace(venue, can_edit=Role(venue.role).allows(Role.EDITOR)).render_page(request)


@venue_view(Role.VIEWER)
def venue_export(request: HttpRequest, venue: Venue) -> HttpResponse:
    prefetch_related_objects([venue], "cost_items", "categories", "other_revenues")
    response = HttpResponse(
        dumps(venue_document(engine_venue(venue, with_prices=True))),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="{venue.slug}.venue.json"'
    return response


@venue_view(Role.VIEWER)
def allocation_csv(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The venue's cost items and allocation for a spreadsheet: semicolons and decimal commas,
    as French spreadsheets expect, with a BOM so that accents open correctly."""
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = export.file_name(venue.name, today)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    export.write_csv(engine_venue(venue), today, csv.writer(response, delimiter=";"))
    return response


# Rows: cost items and member categories -----------------------------------------------------


def _workspace(venue: Venue, **bound: Form) -> Workspace:
    return Workspace(venue, can_edit=True, bound=bound).load()


def _back(venue: Venue, anchor: str = "") -> HttpResponse:
    return redirect(venue.get_absolute_url() + (f"#{anchor}" if anchor else ""))


GONE = gettext_lazy(
    "Cette ligne n'existe plus : quelqu'un l'a supprimée, ou un scénario appliqué a remplacé "
    "les coûts du lieu. Voici le lieu tel qu'il est maintenant."
)


class RowGone(Http404):
    """A row of a venue the user may open, which no longer exists: deleted by someone else,
    or replaced by a scenario applied since the user's page was loaded."""


def _row(rows, pk: int):
    for row in rows:
        if row.pk == pk:
            return row
    raise RowGone


def _unless_gone(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view of one row: if the row is not in the venue (gone since the user's page was
    loaded), a 404 that says so and leads back to the venue as it is now, rather than a bare
    "page not found" about a row still on the user's screen. Nothing is written. With htmx,
    the whole page is loaded again (its other rows may be gone too), with the message.
    A row of another venue gets the same answer: nothing tells it apart from a row gone."""

    @wraps(view)
    def wrapper(request: HttpRequest, venue: Venue, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, venue, *args, **kwargs)
        except RowGone:
            if request.htmx:
                messages.warning(request, GONE)
                response = HttpResponseClientRedirect(venue.get_absolute_url())
            else:
                response = render(
                    request, "costing/row_gone.html", {"venue": venue, "message": GONE}
                )
            response.status_code = 404
            return response

    return wrapper


@venue_view(Role.EDITOR, methods=("POST",), with_lock=ROWS_WITH_LOCK)
def row_add(request: HttpRequest, venue: Venue, kind: RowKind, **group: str) -> HttpResponse:
    """Add a row of `kind`: a cost item to the group (`pool`, `tier`) of the URL, or a category."""
    if group and (group["pool"], group["tier"]) not in GROUPS:
        raise Http404
    prefix = f"new-{group['pool']}-{group['tier']}" if group else f"new-{kind.name}"
    rows = list(kind.rows(venue))
    form = kind.form(request.POST, prefix=prefix, siblings=rows)
    row = form.instance
    row.venue = venue
    for field, value in group.items():  # an item's group is the URL's
        setattr(row, field, value)
    row.place_last(rows)
    if form.is_valid():
        row.save()
        fields = [*group, *form._meta.fields]
        journal.record(venue, row, Change.Action.CREATED, after=journal.snapshot(row, fields))
        if not request.htmx:
            messages.success(request, kind.added % {"name": row})
            return _back(venue, f"{kind.name}-{row.pk}")
        workspace = _workspace(Venue.objects.get(pk=venue.pk))
    else:
        workspace = _workspace(venue, **{prefix: form})
        if not request.htmx:
            return workspace.render_page(request)
    if group:
        return workspace.fragments(
            request, "item-group", "summary-oob", group=workspace.group(**group)
        )
    return workspace.fragments(request, kind.section, "summary-oob")


@venue_view(Role.EDITOR, methods=("POST",), with_lock=ROWS_WITH_LOCK)
@_unless_gone
def row_edit(request: HttpRequest, venue: Venue, kind: RowKind, row_id: int) -> HttpResponse:
    """Save a row if it is valid and nobody changed it since the user loaded it; otherwise
    answer with the refusal: the row with its errors, or the fresh row with a message."""
    workspace = Workspace(venue, can_edit=True)  # its rows read with the lock
    rows = kind.rows(venue)
    row = _row(rows, row_id)
    prefix = f"{kind.name}-{row.pk}"
    fields = kind.form._meta.fields
    before = journal.snapshot(row, fields)  # the form writes what it cleans onto the row
    form = kind.form(request.POST, instance=row, prefix=prefix, siblings=rows)
    if not form.is_valid():
        row.refresh_from_db(fields=fields)  # the form wrote its valid fields onto it
        workspace.bound[prefix] = form
        if not request.htmx:
            return workspace.render_page(request)
        return workspace.fragments(request, "row", kind=kind, row=row, form=form)
    after = journal.snapshot(row, fields)
    entry = journal.entry(venue, row, Change.Action.CHANGED, before=before, after=after)
    if not row.save_if_unchanged(form.cleaned_data["version"], fields, entry):
        if not request.htmx:
            messages.error(request, STALE)
            return _back(venue, prefix)
        workspace = _workspace(Venue.objects.get(pk=venue.pk))
        row = _row(kind.rows(workspace.venue), row.pk)
        return workspace.fragments(
            request, "row", "summary-oob", kind=kind, row=row, stale=STALE,
            form=workspace.form(kind, row),
        )  # fmt: skip
    if not request.htmx:
        return _back(venue, prefix)
    return workspace.fragments(
        request, "row", "summary-oob", kind=kind, row=row, form=workspace.form(kind, row)
    )


@venue_view(Role.EDITOR, methods=("POST",), with_lock=ROWS_WITH_LOCK)
def categories_edit(request: HttpRequest, venue: Venue) -> HttpResponse:
    """Save the categories table as one form (costing.forms.CategoryTableForm): what is valid
    is saved, what is not stays in its field with the reason, and the table comes back."""
    workspace = Workspace(venue, can_edit=True)  # its rows read with the lock
    categories = list(CATEGORIES.rows(venue))
    fields = CategoryTableForm.FIELDS
    before = {category.pk: journal.snapshot(category, fields) for category in categories}
    rows = CategoryTableForm(request.POST, categories).check()
    changed = [
        row.category
        for row in rows
        if not row.stale and journal.snapshot(row.category, fields) != before[row.category.pk]
    ]
    MemberCategory.save_versions(changed, fields)
    for category in changed:
        after = journal.snapshot(category, fields)
        journal.record(
            venue, category, Change.Action.CHANGED, before=before[category.pk], after=after
        )
    for row in rows:
        if row.errors or row.stale:
            form = workspace.bound[f"category-{row.category.pk}"] = row.form()
            form.stale = STALE if row.stale else None
    if not request.htmx:
        if workspace.bound:
            return workspace.render_page(request)
        return _back(venue, CATEGORIES.section)
    return workspace.fragments(request, "categories-table", "summary-oob")


@venue_view(Role.EDITOR, methods=("GET", "POST"))
@_unless_gone
def row_delete(request: HttpRequest, venue: Venue, kind: RowKind, row_id: int) -> HttpResponse:
    row = _row(kind.model.objects.filter(venue=venue, pk=row_id), row_id)
    if request.method == "GET":
        context = {"venue": venue, "row": row}
        return render(request, "costing/confirm_delete_row.html", context)
    journal.record(venue, row, Change.Action.DELETED)
    row.delete()  # the database dates the change on the venue (Venue.revision)
    if not request.htmx:
        messages.success(request, kind.deleted % {"name": row})
        return _back(venue, kind.section)
    return _workspace(venue).fragments(request, "summary-oob")


@venue_view(Role.EDITOR, methods=("POST",), with_lock=ROWS_WITH_LOCK)
@_unless_gone
def row_move(request: HttpRequest, venue: Venue, kind: RowKind, row_id: int) -> HttpResponse:
    rows = list(kind.rows(venue))
    row = _row(rows, row_id)
    if row.move(rows, request.POST.get("direction")):
        journal.record(venue, row, Change.Action.MOVED)
    if not request.htmx:
        return _back(venue, f"{kind.name}-{row.pk}")
    return _workspace(venue).fragments(request, kind.section, "summary-oob")


@venue_view(Role.EDITOR, methods=("GET", "POST"), with_lock=ROWS_WITH_LOCK)
@_unless_gone
def item_details(request: HttpRequest, venue: Venue, item_id: int) -> HttpResponse:
    """The whole item on a page of its own, to change its group or its notes."""
    if request.method == "GET":
        item = _row(CostItem.objects.filter(venue=venue, pk=item_id), item_id)
        return _details_page(request, venue, item, CostItemDetailsForm(instance=item))
    items = list(ITEMS.rows(venue))
    item = _row(items, item_id)
    group = (item.pool, item.tier)
    before = journal.snapshot(item, CostItemDetailsForm._meta.fields)
    form = CostItemDetailsForm(request.POST, instance=item, siblings=items)
    if form.is_valid():
        fields = form._meta.fields
        if (item.pool, item.tier) != group:  # moved: last of its new group
            item.place_last(items)
            fields = [*fields, "position"]
        after = journal.snapshot(item, form._meta.fields)
        entry = journal.entry(venue, item, Change.Action.CHANGED, before=before, after=after)
        if item.save_if_unchanged(form.cleaned_data["version"], fields, entry):
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


# Allocation keys and presets ----------------------------------------------------------------


@venue_view(Role.EDITOR, methods=("POST",), with_lock=ROWS_WITH_LOCK)
def keys_edit(request: HttpRequest, venue: Venue) -> HttpResponse:
    form = AllocationKeysForm(request.POST, prefix="keys")
    if form.is_valid():
        _set_keys(venue, form.cleaned_data["infrastructure_key"], form.cleaned_data["services_key"])
        if not request.htmx:
            return _back(venue, "keys")
        # its rows read with the lock, which the keys do not change
        return Workspace(venue, can_edit=True).fragments(request, "keys", "summary-oob")
    workspace = Workspace(venue, can_edit=True, bound={"keys": form})
    if not request.htmx:
        return workspace.render_page(request)
    return workspace.fragments(request, "keys", "summary-oob")


def _set_keys(venue: Venue, infrastructure: str, services: str) -> None:
    keys = ["infrastructure_key", "services_key"]
    before = journal.snapshot(venue, keys)
    venue.set_keys(infrastructure, services)
    journal.record(
        venue, venue, Change.Action.CHANGED, before=before, after=journal.snapshot(venue, keys)
    )


@venue_view(Role.EDITOR, methods=("POST",))
def preset_surface(request: HttpRequest, venue: Venue) -> HttpResponse:
    _set_keys(venue, AllocationKey.SURFACE, AllocationKey.SURFACE)
    messages.success(
        request, _("Chaque catégorie porte désormais les coûts au prorata de sa surface.")
    )
    return _back(venue, "keys")


@venue_view(Role.EDITOR, methods=("POST",))
def preset_bonjour_bienvenue(request: HttpRequest, venue: Venue) -> HttpResponse:
    form = BonjourBienvenueForm(request.POST, categories=venue.categories.all())
    if not form.is_valid():
        messages.error(
            request, _("Choisissez les catégories qui portent l'infrastructure et les services.")
        )
        return _back(venue, "keys")
    infrastructure = form.cleaned_data["infrastructure_carrier"]
    services = form.cleaned_data["services_carrier"]
    shares = ["infrastructure_pct", "services_pct"]
    before = {
        category.pk: journal.snapshot(category, shares) for category in venue.categories.all()
    }
    venue.categories.give_pools(infrastructure, services)
    for category in venue.categories.all():
        after = journal.snapshot(category, shares)
        journal.record(
            venue, category, Change.Action.CHANGED, before=before[category.pk], after=after
        )
    _set_keys(venue, AllocationKey.MANUAL, AllocationKey.MANUAL)
    messages.success(
        request,
        _(
            "Bonjour : « %(infra)s » porte l'infrastructure. "
            "Bienvenue : « %(services)s » porte les services."
        )
        % {"infra": infrastructure.name, "services": services.name},
    )
    return _back(venue, "keys")
