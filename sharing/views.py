"""The public read-only page of a venue's allocation, and its JSON, that a share link opens
without login (the owner manages the links: venues/views.py). This app leans on all the others:
what a member may read comes from every one of them (docs/architecture.md)."""

import re
from collections.abc import Callable
from functools import wraps

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers
from django.views.defaults import page_not_found

from accounts import throttle
from costing import chart
from costing.documents import dumps, venue_allocation_document
from costing.models import engine_venue, venue_allocation, venue_balance
from venues import pagecache
from venues.models import Venue

# What new_share_token() makes (URL-safe base64), up to the column's length.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def shared(view: Callable[[HttpRequest, Venue], HttpResponse]):
    """Open a share link's venue for `view`, or answer 404; on both, keep the page private.

    The venue comes in one query on the token's unique index: unknown and
    revoked tokens take the same path as valid ones. Failed lookups are counted per address,
    and an address over the limit gets 429 for every token (accounts/throttle.py). Whatever the
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

    show_prices = bool(venue.show_prices)

    def context() -> dict:
        if not show_prices:
            allocation, prices = venue_allocation(venue), None
        else:  # "ce que vous payez et pourquoi" (sharing/share_prices.html)
            prefetch_related_objects([venue], "cost_items", "categories", "other_revenues")
            allocation, balance = venue_balance(venue)
            prices = list(zip(allocation.categories, balance.categories, strict=True))
        return {
            "venue": venue,
            "last_change": venue.updated_at,
            "show_prices": show_prices,
            "prices": prices,
            **chart.summary_context(allocation),
        }

    # The page names its JSON download relatively: the same cached page serves every link
    # that shows the same things.
    key = pagecache.key(venue, "share-page", "prices" if show_prices else "")
    return HttpResponse(
        pagecache.render(request, "sharing/share_page.html", context, cache_key=key)
    )


@shared
def share_allocation(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The allocation document (docs/formats.md), byte for byte what `manage.py allocate` prints for
    the venue's export."""

    def document() -> str:
        data = engine_venue(venue, with_prices=True)
        return dumps(venue_allocation_document(data))

    document = pagecache.cached(pagecache.key(venue, "allocation"), document)
    response = HttpResponse(document, content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{venue.slug}.allocation.json"'
    return response
