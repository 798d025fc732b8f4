"""The public read-only page of a venue's allocation, and its JSON, that a share link opens
without login (the owner manages the links: venues/views.py). This app leans on all the others:
what a member may read comes from every one of them (docs/architecture.md)."""

import re
from collections.abc import Callable
from datetime import date
from functools import wraps

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views.defaults import page_not_found

from accounts import throttle
from costing import engine, summary
from costing.documents import dumps, venue_allocation_document, without_prices
from costing.models import engine_venue, load_rows, venue_balance
from periods.models import Period, PeriodError, parse_month
from periods.statement import period_pdf
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
    show_items = venue.share_link.show_items  # the owner's choice for this link
    show_prices = venue.share_link.show_prices
    month = _shown_month(request, venue)

    def context() -> dict:
        # The draft and every closed month to pick from; a link pinned to a month shows it
        # alone (periods/, docs/periods.md).
        periods = [] if venue.shared_period else _closed_months(venue)
        if month is None:
            prices = None
            load_rows(venue)  # items and categories, one query
            if show_prices:  # "ce que vous payez et pourquoi" (sharing/share_prices.html)
                prefetch_related_objects([venue], "other_revenues")
                allocation, balance = venue_balance(venue)
                prices = list(zip(allocation.categories, balance.categories, strict=True))
            data = engine_venue(venue)  # from the rows load_rows fetched
            if not show_prices:
                allocation = engine.allocate_despite_violations(data)
            return {
                "venue": venue,
                "last_change": venue.updated_at,
                "periods": periods,
                "show_prices": show_prices,
                "prices": prices,
                **summary.summary_context(allocation),
                "item_groups": _item_groups(data) if show_items else (),
            }
        # A closed month shows what was frozen: its allocation and items, never today's
        # prices (its allocation.json carries the pricing it had, docs/periods.md).
        period = _period(venue, month)
        return {
            "venue": period.frozen_venue(),
            "last_change": period.closed_at,
            "period": period,
            "periods": periods,
            "pinned": bool(venue.shared_period),
            **summary.summary_context(period.allocation),
            "item_groups": _item_groups(period.frozen_data()) if show_items else (),
        }

    # The page names its JSON download relatively: the same cached page serves every link
    # that shows the same things.
    key = pagecache.key(
        venue,
        "share-page",
        "items" if show_items else "totals",
        "prices" if show_prices else "",
        month or "",
        venue.shared_period,
    )
    return HttpResponse(
        pagecache.render(request, "sharing/share_page.html", context, cache_key=key)
    )


@shared
def share_allocation(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The allocation document (docs/formats.md), byte for byte what `manage.py allocate` prints for
    the venue's export; for a closed month, the document frozen when it was closed (what
    `manage.py export_period` prints). Without the pricing results unless the link's owner
    shows the prices: the page and its download show the same things."""
    show_prices = venue.share_link.show_prices  # as on its page: hidden unless shown
    month = _shown_month(request, venue)
    if month is not None:
        period = _period(venue, month)
        document = period.allocation_document
        if not show_prices:
            document = without_prices(document)
        name = f"{venue.slug}.{period.key}.allocation.json"
    else:

        def make() -> str:
            load_rows(venue)  # items and categories, one query; then the revenue lines
            data = engine_venue(venue, with_prices=show_prices)
            return dumps(venue_allocation_document(data))

        key = pagecache.key(venue, "allocation", "prices" if show_prices else "")
        document = pagecache.cached(key, make)
        name = f"{venue.slug}.allocation.json"
    response = HttpResponse(document, content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@shared
def share_statement(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The statement in PDF of the closed month the page shows (the draft has none)."""
    month = _shown_month(request, venue)
    if month is None:
        raise Http404
    period = _period(venue, month)
    chosen = request.GET.get("lang", "")
    language = chosen if chosen in ("fr", "en") else translation.get_language()
    content = pagecache.cached(
        pagecache.key(venue, "statement", period.pk, language),
        lambda: period_pdf(period, language),
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"{venue.slug}.{period.key}.v{period.version}.{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Closed months (periods/): ?period=YYYY-MM picks one, unless the link is pinned to a month.


def _item_groups(data: engine.Venue) -> tuple:
    """The counted cost items per pool and tier, as the owner chose to show them."""
    return engine.item_groups([item for item in data.items if item.included])


def _shown_month(request: HttpRequest, venue: Venue) -> date | None:
    """The closed month to show (its first day), or None for the draft; 404 for a month
    that is not one."""
    wanted = venue.shared_period or request.GET.get("period", "")
    if not wanted:
        return None
    try:
        return parse_month(wanted)
    except PeriodError:
        raise Http404 from None


def _period(venue: Venue, month: date) -> Period:
    """The month's version in force; a pinned month whose version was reopened shows its
    latest version, marked as reopened."""
    periods = venue.periods if venue.shared_period else venue.periods.current()
    try:
        return periods.readable(month)
    except Period.DoesNotExist:
        raise Http404 from None


def _closed_months(venue: Venue) -> list[Period]:
    return list(
        venue.periods.current().newest_first().defer("venue_document", "allocation_document")
    )
