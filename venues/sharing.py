"""Share links: the owner's page to create, copy and revoke them, and the public read-only
page of the venue's current allocation that they open, without login."""

import re
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found

from costing import chart
from costing.documents import allocation_document, dumps

from . import pagecache, throttle
from .access import venue_view
from .models import Role, ShareLink, Venue


class ShareLinkForm(forms.ModelForm):
    class Meta:
        model = ShareLink
        fields = ["label"]
        help_texts = {
            "label": gettext_lazy(
                "Pour vous y retrouver : « Assemblée générale 2025 », « Résidents »…"
            )
        }


@venue_view(Role.OWNER, methods=("GET", "POST"))
def share_links(request: HttpRequest, venue: Venue) -> HttpResponse:
    form = ShareLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link = form.save(commit=False)
        link.venue, link.created_by = venue, request.user
        link.save()
        messages.success(request, _("Le lien « %(label)s » est créé.") % {"label": link.label})
        return redirect("share_links", venue.pk)
    links = venue.share_links.active().select_related("created_by")
    rows = [(link, request.build_absolute_uri(link.get_absolute_url())) for link in links]
    return render(request, "venues/share_links.html", {"venue": venue, "form": form, "rows": rows})


@venue_view(Role.OWNER, methods=("POST",))
def share_revoke(request: HttpRequest, venue: Venue, link_id: int) -> HttpResponse:
    link = get_object_or_404(venue.share_links.active(), pk=link_id)
    link.revoke()
    messages.success(request, _("Le lien « %(label)s » est révoqué.") % {"label": link.label})
    return redirect("share_links", venue.pk)


# What new_share_token() makes (URL-safe base64), up to the column's length.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def shared(view: Callable[[HttpRequest, Venue], HttpResponse]):
    """Open a share link's venue for `view`, or answer 404; on both, keep the page private.

    The venue comes in one query on the token's unique index: unknown and
    revoked tokens take the same path as valid ones. Failed lookups are counted per address,
    and an address over the limit gets 429 for every token (venues/throttle.py). Whatever the
    answer, search engines are asked not to index it, the token does not leak through the
    Referer header, and shared caches never keep it.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _private(HttpResponseNotAllowed(["GET", "HEAD"]))
        if (refusal := throttle.SHARE_FAILURES.refusal(request)) is not None:
            return _private(refusal)
        try:
            if not TOKEN_SHAPE.fullmatch(token):  # "\x00" would fail the query on PostgreSQL
                raise Venue.DoesNotExist
            response = view(request, Venue.objects.shared_by(token))
        except (Venue.DoesNotExist, Http404):
            throttle.SHARE_FAILURES.count(request)
            response = page_not_found(request, Http404())
        return _private(response)

    return wrapper


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)  # no-store and private: kept by no shared cache
    return response


@shared
def share_page(request: HttpRequest, venue: Venue) -> HttpResponse:

    def context() -> dict:
        return {
            "venue": venue,
            "last_change": venue.updated_at,
            **chart.summary_context(venue.allocation),
        }

    # The page names its JSON download relatively: the same cached page serves every link.
    key = pagecache.key(venue, "share-page")
    return HttpResponse(pagecache.render(request, "venues/share_page.html", context, cache_key=key))


@shared
def share_allocation(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The allocation document (docs/formats.md), byte for byte what `manage.py allocate` prints for
    the venue's export."""
    document = pagecache.cached(
        pagecache.key(venue, "allocation"), lambda: dumps(allocation_document(venue.allocation))
    )
    response = HttpResponse(document, content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{venue.slug}.allocation.json"'
    return response
