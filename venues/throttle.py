"""Throttling by client address: failed share-link lookups, and the username that django-axes
records for a failed login.

A share token carries 192 random bits, so guessing one is hopeless; an address that keeps
opening unknown or revoked tokens is doing nothing else. After `SHARE_FAILURE_LIMIT` failed
lookups in a window of `SHARE_FAILURE_WINDOW_MINUTES` (the window starts with the address's
first failure), every `/s/` lookup from that address is answered 429 with `Retry-After` until
the window has passed: valid tokens too, so that a blocked guesser cannot tell a hit from a
miss. Other addresses are not affected.

The counts live in Django's cache: one cache read per lookup, no SQL. With the default
local-memory cache each server process counts on its own; a shared cache (Redis, Memcached)
makes the limit hold across processes.
"""

import math
import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.utils.translation import gettext, ngettext

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


def _keys(request: HttpRequest) -> tuple[str, str]:
    address = client_address(request)
    return f"tierslieux:share-failures:{address}", f"tierslieux:share-window-end:{address}"


def share_refusal(request: HttpRequest) -> HttpResponse | None:
    """The 429 response for an address over the limit, or None if it may look links up."""
    count_key, end_key = _keys(request)
    state = cache.get_many([count_key, end_key])
    if state.get(count_key, 0) < settings.SHARE_FAILURE_LIMIT:
        return None
    window = settings.SHARE_FAILURE_WINDOW_MINUTES * 60
    seconds = max(1, math.ceil(state.get(end_key, time.time() + window) - time.time()))
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
    """Count a lookup of an unknown or revoked token against the request's address."""
    count_key, end_key = _keys(request)
    window = settings.SHARE_FAILURE_WINDOW_MINUTES * 60
    # add() only sets the keys that are not there: the first failure opens the window.
    cache.add(end_key, time.time() + window, window)
    cache.add(count_key, 0, window)
    try:
        cache.incr(count_key)  # atomic on shared caches; keeps the key's expiry
    except ValueError:  # expired between add() and incr(): a new window
        cache.set(count_key, 1, window)


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
