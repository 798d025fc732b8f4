import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from costing.documents import dumps, venue_document
from costing.export import allocation_rows

from . import throttle
from .access import venue_view
from .forms import NewVenueForm, SignupForm, UploadVenueForm, VenueForm
from .models import Role, Venue
from .uploads import LimitedUploadHandler
from .workspace import Workspace


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise. No session, no template."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
@throttle.limit_posts(throttle.SIGNUP)
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.ALLOW_SIGNUP:
        raise Http404
    if request.user.is_authenticated:
        return redirect("venue_list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Bienvenue ! Créez maintenant votre premier lieu."))
        return redirect("venue_list")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_GET
def venue_list(request: HttpRequest) -> HttpResponse:
    venues = Venue.objects.for_user(request.user).with_costing().order_by("name", "pk")
    return render(request, "venues/venue_list.html", {"venues": venues})


@login_required
@require_http_methods(["GET", "POST"])
def venue_create(request: HttpRequest) -> HttpResponse:
    form = NewVenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        venue = Venue.objects.create_from_engine(form.engine_venue(), owner=request.user)
        messages.success(request, _("Le lieu « %(name)s » est créé.") % {"name": venue.name})
        return redirect(venue)
    return render(
        request, "venues/venue_create.html", {"form": form, "upload_form": UploadVenueForm()}
    )


@csrf_exempt  # only until the upload handler is set: _import_document checks the token
@require_http_methods(["GET", "POST"])
def venue_import(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":  # e.g. the language switch on a refused upload's page
        return redirect("venue_create")
    # Before anything reads the body, the CSRF check included: past 1 MB, keep nothing more
    # rather than let Django write it all to a temporary file first.
    upload = LimitedUploadHandler(request, UploadVenueForm.MAX_BYTES)
    request.upload_handlers = [upload]
    return _import_document(request, upload)


# The login check comes after the body is read, as the CSRF check reads it: a visitor whose
# session has expired then sees the login page, where an unread body of a few megabytes
# would make the browser show "connection reset".
@csrf_protect
@login_required
def _import_document(request: HttpRequest, upload: LimitedUploadHandler) -> HttpResponse:
    upload_form = UploadVenueForm(request.POST, request.FILES, stopped_at_limit=upload.stopped)
    if upload_form.is_valid():
        data = upload_form.cleaned_data["document"]
        venue = Venue.objects.create_from_engine(data, owner=request.user)
        messages.success(request, _("Le lieu « %(name)s » est importé.") % {"name": venue.name})
        return redirect(venue)
    context = {"form": NewVenueForm(), "upload_form": upload_form}
    return render(request, "venues/venue_create.html", context)


@venue_view(Role.VIEWER)
def venue_detail(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The workspace: items, categories, allocation keys and the live summary."""
    return Workspace(venue, can_edit=Role(venue.role).allows(Role.EDITOR)).render_page(request)


@venue_view(Role.VIEWER)
def venue_export(request: HttpRequest, venue: Venue) -> HttpResponse:
    prefetch_related_objects([venue], "cost_items", "categories")
    response = HttpResponse(
        dumps(venue_document(venue.engine_input())), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{venue.slug}.venue.json"'
    return response


@venue_view(Role.VIEWER)
def allocation_csv(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The allocation table for a spreadsheet: semicolons and decimal commas, as French
    spreadsheets expect, with a BOM so that accents open correctly."""
    prefetch_related_objects([venue], "cost_items", "categories")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{venue.slug}.repartition.csv"'
    response.write("\ufeff")
    allocation_rows(venue.allocation, csv.writer(response, delimiter=";"))
    return response


@venue_view(Role.EDITOR, methods=("GET", "POST"))
def venue_edit(request: HttpRequest, venue: Venue) -> HttpResponse:
    form = VenueForm(request.POST or None, instance=venue)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Le lieu est enregistré."))
        return redirect(venue)
    return render(request, "venues/venue_form.html", {"form": form, "venue": venue})


@venue_view(Role.OWNER, methods=("GET", "POST"))
def venue_delete(request: HttpRequest, venue: Venue) -> HttpResponse:
    if request.method == "POST":
        name = venue.name
        venue.delete()
        messages.success(request, _("Le lieu « %(name)s » est supprimé.") % {"name": name})
        return redirect("venue_list")
    return render(request, "venues/venue_confirm_delete.html", {"venue": venue})
