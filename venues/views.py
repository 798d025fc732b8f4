"""A venue's own settings and who may see it: its name and surface, its deletion, and its share
links. What it costs, and the page that edits it, are costing's (docs/architecture.md)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import journal
from .access import venue_view
from .forms import ShareLinkForm, ShareLinkOptionsForm, VenueForm
from .models import Change, Role, Venue


@venue_view(Role.EDITOR, methods=("GET", "POST"))
def venue_edit(request: HttpRequest, venue: Venue) -> HttpResponse:
    fields = VenueForm._meta.fields
    before = journal.snapshot(venue, fields)
    form = VenueForm(request.POST or None, instance=venue)
    if request.method == "POST" and form.is_valid():
        form.save()
        journal.record(
            venue,
            venue,
            Change.Action.CHANGED,
            before=before,
            after=journal.snapshot(venue, fields),
        )
        messages.success(request, _("Le lieu est enregistré."))
        return redirect(venue)
    return render(request, "venues/venue_form.html", {"form": form, "venue": venue})


@venue_view(Role.OWNER, methods=("GET", "POST"))
def venue_delete(request: HttpRequest, venue: Venue) -> HttpResponse:
    if request.method == "POST":
        name, parent = venue.name, venue.scenario_of_id
        if parent is not None:  # its own journal goes with it: its venue's keeps the trace
            journal.record(Venue(pk=parent), venue, Change.Action.DELETED)
        venue.delete()  # its rows, links, closed months and scenarios with it
        if parent is not None:
            done = _("Le scénario « %(name)s » est supprimé.") % {"name": name}
            messages.success(request, done)
            return redirect("scenario_list", parent)
        messages.success(request, _("Le lieu « %(name)s » est supprimé.") % {"name": name})
        return redirect("venue_list")
    return render(request, "venues/venue_confirm_delete.html", {"venue": venue})


@venue_view(Role.OWNER, methods=("GET", "POST"), scenarios=False)
def share_links(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The owner's page to create, copy and revoke the venue's share links. A scenario has
    none: it is shared through its venue once it is made the current state."""
    form = ShareLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link = form.save(commit=False)
        link.venue, link.created_by = venue, request.user
        link.save()
        journal.record(venue, link, Change.Action.CREATED, label=link.label)
        messages.success(request, _("Le lien « %(label)s » est créé.") % {"label": link.label})
        return redirect("share_links", venue.pk)
    links = venue.share_links.active().select_related("created_by")
    rows = [
        (link, request.build_absolute_uri(link.get_absolute_url()), _options_form(link))
        for link in links
    ]
    return render(request, "venues/share_links.html", {"venue": venue, "form": form, "rows": rows})


@venue_view(Role.OWNER, methods=("GET", "POST"), scenarios=False)
def share_revoke(request: HttpRequest, venue: Venue, link_id: int) -> HttpResponse:
    """Revoking ends a link for whoever holds it, with no undo: a GET asks first (as deletions
    do), the form on that page POSTs."""
    link = get_object_or_404(venue.share_links.active(), pk=link_id)
    if request.method == "GET":
        context = {"venue": venue, "link": link}
        return render(request, "venues/share_link_confirm_revoke.html", context)
    link.revoke()
    journal.record(venue, link, Change.Action.REVOKED, label=link.label)
    messages.success(request, _("Le lien « %(label)s » est révoqué.") % {"label": link.label})
    return redirect("share_links", venue.pk)


def _options_form(link, data=None) -> ShareLinkOptionsForm:
    return ShareLinkOptionsForm(data, instance=link, prefix=f"link-{link.pk}")


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def share_options(request: HttpRequest, venue: Venue, link_id: int) -> HttpResponse:
    """What a link shows (its cost items, …): the owner's choice, per link, at any time."""
    link = get_object_or_404(venue.share_links.active(), pk=link_id)
    fields = ShareLinkOptionsForm._meta.fields
    before = journal.snapshot(link, fields)
    form = _options_form(link, request.POST)
    if form.is_valid():  # checkboxes only: always valid
        form.save()
        after = journal.snapshot(link, fields)
        journal.record(
            venue, link, Change.Action.CHANGED, before=before, after=after, label=link.label
        )
        messages.success(request, _("Le lien « %(label)s » est modifié.") % {"label": link.label})
    return redirect("share_links", venue.pk)
