"""The project's URLs plus the benchmark's own views, served by the same process, settings and
middleware as the pages they are compared with.

- `/bench/bare`: two bytes through the full middleware stack, no database, no template, no
  session: the floor every page is compared with.
- `/bench/floor/…`: the htmx amount edit taken apart. Each view does the first steps of the
  edit, in the edit's own code, and answers at once: the session with its user; then the venue
  and the user's role in it; then the edit's queries (in the venue's locked transaction, as
  every POST through `venue_view`, its journal entry included) and the allocation, without its
  forms and without rendering anything. What is left between the last one and the edit is its
  forms and the row and summary it renders.
- `/bench/floor/…/summary`: the edit without its row's markup: the post validated by the edit's
  form and saved as the edit saves it, and the answer carrying the new summary, out of band, as
  the edit's does, with the item's new version in place of the row. An answer that validates
  a form and updates the totals live cannot take less (docs/scaling.md).
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from costing.models import ROWS_WITH_LOCK, venue_allocation
from costing.workspace import ITEMS, Workspace
from tierslieux.urls import urlpatterns as project_urlpatterns
from venues import journal
from venues.access import venue_view
from venues.models import Change, Role, Venue


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_POST
@login_required
def floor_login(request: HttpRequest) -> HttpResponse:
    """A logged-in POST: the session with its user (one query), CSRF checked."""
    return HttpResponse("ok", content_type="text/plain")


@venue_view(Role.EDITOR, methods=("POST",))
def floor_venue(request: HttpRequest, venue: Venue) -> HttpResponse:
    """…and the venue with the user's role in it (one more query), as every edit checks."""
    return HttpResponse("ok", content_type="text/plain")


@venue_view(Role.EDITOR, methods=("POST",), with_lock=ROWS_WITH_LOCK)
def floor_edit(request: HttpRequest, venue: Venue, item_id: int) -> HttpResponse:
    """…and the rest of the edit's queries (the items, the categories, the version-checked
    UPDATE, the journal's entry) and its allocation: the posted amount saved, nothing validated
    by a form, nothing rendered. Answers the item's new version as the row does, for the same
    wrk script."""
    # its items and categories were read with the lock (ROWS_WITH_LOCK), as the edit's
    item = next((i for i in venue.cost_items.all() if i.pk == item_id), None)
    if item is None:
        raise Http404
    prefix = f"item-{item.pk}"
    try:
        amount = Decimal(request.POST[f"{prefix}-amount"])
        seen = int(request.POST[f"{prefix}-version"])
    except (KeyError, ArithmeticError, ValueError):
        raise Http404 from None
    before = journal.snapshot(item, ["amount"])
    item.amount = amount
    after = journal.snapshot(item, ["amount"])
    entry = journal.entry(venue, item, Change.Action.CHANGED, before=before, after=after)
    if not item.save_if_unchanged(seen, ["amount"], entry):
        return HttpResponse("stale", status=409, content_type="text/plain")
    total = venue_allocation(venue).total  # computed as the edit computes it, not rendered
    return HttpResponse(
        f'<input type="hidden" name="{prefix}-version" value="{item.version}">'
        f"<output>{total}</output>"
    )


@venue_view(Role.EDITOR, methods=("POST",), with_lock=ROWS_WITH_LOCK)
def floor_summary(request: HttpRequest, venue: Venue, item_id: int) -> HttpResponse:
    """…the edit's form, save and summary, as costing.views.row_edit runs them; the new
    version instead of the row's markup."""
    workspace = Workspace(venue, can_edit=True)  # its rows read with the lock
    rows = ITEMS.rows(venue)
    item = next((row for row in rows if row.pk == item_id), None)
    if item is None:
        raise Http404
    prefix, fields = f"item-{item.pk}", ITEMS.form._meta.fields
    before = journal.snapshot(item, fields)
    form = ITEMS.form(request.POST, instance=item, prefix=prefix, siblings=rows)
    if not form.is_valid():
        raise Http404
    after = journal.snapshot(item, fields)
    entry = journal.entry(venue, item, Change.Action.CHANGED, before=before, after=after)
    if not item.save_if_unchanged(form.cleaned_data["version"], fields, entry):
        return HttpResponse("stale", status=409, content_type="text/plain")
    response = workspace.fragments(request, "summary-oob")
    version = f'<input type="hidden" name="{prefix}-version" value="{item.version}">'
    response.content = version.encode() + response.content
    return response


urlpatterns = [
    path("bench/bare", bare, name="bench_bare"),
    path("bench/floor/login", floor_login),
    path("bench/floor/venues/<int:venue_id>", floor_venue),
    path("bench/floor/venues/<int:venue_id>/items/<int:item_id>", floor_edit),
    path("bench/floor/venues/<int:venue_id>/items/<int:item_id>/summary", floor_summary),
    *project_urlpatterns,
]
