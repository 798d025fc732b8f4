"""Throttling by client address: failed share-link lookups, and the username that django-axes
records for a failed login.

A share token carries 192 random bits, so guessing one is hopeless; an address that keeps
opening unknown or revoked tokens is doing nothing else. After `SHARE_FAILURE_LIMIT` failed
lookups in a window of `SHARE_FAILURE_WINDOW_MINUTES` (the window starts with the address's
first failure), every `/s/` lookup from that address is answered 429 with `Retry-After` until
the window has passed: valid tokens too, so that a blocked guesser cannot tell a hit from a
miss. Other addresses are not affected.

Failures are counted in PostgreSQL (`ShareLookupFailures`), so the limit holds across server
processes and containers; the process that counts the failure reaching the limit keeps the
block in its cache until the window ends. A lookup is checked against that cache only: no SQL
for a valid token or a blocked address. A process that has not seen the address fail yet lets
one more lookup through, which fails, is counted and blocks it there too.
"""

import datetime
import math
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.utils.translation import gettext, ngettext

from .models import ShareLookupFailures

# django-axes' AccessAttempt.username column.
AXES_USERNAME_MAX_LENGTH = 255

# No template file of its own: the page is this short, and shares the share pages' layout.
_REFUSAL_PAGE = """{% extends "share_base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}<h1>{{ title }}</h1>
<p>{{ message }}</p>{% endblock %}"""


def client_address(request: HttpRequest) -> str:
    """The address django-axes throttles logins by (REMOTE_ADDR, or what the configured
    proxies forwarded)."""
    return get_client_ip_address(request) or "unknown"


def _block_key(address: str) -> str:
    return f"tierslieux:share-blocked-until:{address}"


def share_refusal(request: HttpRequest) -> HttpResponse | None:
    """The 429 response for an address over the limit, or None if it may look links up."""
    blocked_until = cache.get(_block_key(client_address(request)))
    if blocked_until is None:
        return None
    # To the millisecond first: the end went through the database's microseconds.
    seconds = max(1, math.ceil(round(blocked_until - time.time(), 3)))
    minutes = math.ceil(seconds / 60)
    context = {
        "title": gettext("Trop de liens inconnus"),
        "message": ngettext(
            "Cette adresse a ouvert trop de liens de partage qui n'existent pas ou plus. "
            "Réessayez dans %(minutes)d minute, ou demandez un nouveau lien à la personne "
            "qui vous l'a envoyé.",
            "Cette adresse a ouvert trop de liens de partage qui n'existent pas ou plus. "
            "Réessayez dans %(minutes)d minutes, ou demandez un nouveau lien à la personne "
            "qui vous l'a envoyé.",
            minutes,
        )
        % {"minutes": minutes},
    }
    page = engines["django"].from_string(_REFUSAL_PAGE)
    response = HttpResponse(page.render(context, request), status=429)
    response["Retry-After"] = str(seconds)
    return response


def share_failure(request: HttpRequest) -> None:
    """Count a lookup of an unknown or revoked token against the request's address; block the
    address in this process once it reaches the limit."""
    address = client_address(request)
    now = time.time()
    window_end = _moment(now + settings.SHARE_FAILURE_WINDOW_MINUTES * 60)
    with transaction.atomic():
        failures, _ = ShareLookupFailures.objects.select_for_update().get_or_create(
            address=address, defaults={"window_end": window_end}
        )
        if failures.window_end <= _moment(now):  # the first failure of a new window
            failures.count, failures.window_end = 0, window_end
        failures.count += 1
        failures.save(update_fields=["count", "window_end"])
        # Housekeeping: the windows that have passed count for nothing any more.
        ShareLookupFailures.objects.filter(window_end__lte=_moment(now)).delete()
    if failures.count >= settings.SHARE_FAILURE_LIMIT:
        end = failures.window_end.timestamp()
        cache.set(_block_key(address), end, timeout=end - now)


def _moment(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username django-axes records for a login attempt (AXES_USERNAME_CALLABLE).

    What django-axes reads by default, cut to its column's length: Django's login form sends a
    username of any length to `authenticate()` (its max_length only sets the input's
    maxlength), and on PostgreSQL storing a longer one failed the request with a 500.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    if isinstance(username, str):
        return username[:AXES_USERNAME_MAX_LENGTH]
    return username
