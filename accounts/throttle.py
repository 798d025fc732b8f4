"""Throttling by client address: one small mechanism for every kind of request that an address
may only make so often, and the username that django-axes records for a failed login.

A `Throttle` counts requests of one kind per address (`accounts.lockout.client_address`) in
windows: the window starts with the address's first counted request and lasts
`<NAME>_WINDOW_MINUTES`; once the count reaches `<NAME>_LIMIT`, the address is refused with 429
and `Retry-After` until the window ends. Other addresses are not affected.

Counts live in the database (`AddressCounter`), so a limit holds across server processes and
containers; the process that counts the request reaching the limit also keeps the block in its
cache until the window ends, so that a blocked address costs it no SQL.

- Share links (`SHARE_FAILURES`): a share token carries 192 random bits, so guessing one is
  hopeless; an address that keeps opening unknown or revoked tokens is doing nothing else. Only
  failed lookups count, and a blocked address is refused every `/s/` lookup, valid tokens too,
  so that a blocked guesser cannot tell a hit from a miss. A lookup is checked against the
  cache only: no SQL for a valid token. A process that has not seen the address fail yet lets
  one more lookup through, which fails, is counted and blocks it there too.
- Sign-up and password reset (`SIGNUP`, `PASSWORD_RESET`, through `limit_posts`): every POST
  counts, valid or not, before the form is read: an invalid sign-up tells whether a username
  is taken, and every reset request sends an e-mail if the address has an account. Counting
  them all, the refusal says nothing about any account.

Failed logins are django-axes' (accounts/lockout.py), in its own table.
"""

import datetime
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .backends import accounts_named
from .lockout import client_address
from .models import AddressCounter

# django-axes' AccessAttempt.username column.
AXES_USERNAME_MAX_LENGTH = 255


@dataclass(frozen=True)
class Throttle:
    name: str  # the counters' scope; the settings <NAME>_LIMIT and <NAME>_WINDOW_MINUTES
    title: Promise
    message: Promise  # "… %(minutes)d minutes …", plural by "minutes"

    @property
    def limit(self) -> int:
        return getattr(settings, f"{self.name.upper()}_LIMIT")

    @property
    def window_seconds(self) -> float:
        return getattr(settings, f"{self.name.upper()}_WINDOW_MINUTES") * 60

    def _block_key(self, address: str) -> str:
        return f"tierslieux:blocked-until:{self.name}:{address}"

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        """The 429 response if this process has blocked the request's address, else None.
        Reads the cache only."""
        blocked_until = cache.get(self._block_key(_address(request)))
        if blocked_until is None:
            return None
        # To the millisecond first: the end went through the database's microseconds.
        seconds = max(1, math.ceil(round(blocked_until - time.time(), 3)))
        minutes = math.ceil(seconds / 60)
        context = {"title": self.title, "message": self.message % {"minutes": minutes}}
        response = render(request, "429.html", context, status=429)
        response["Retry-After"] = str(seconds)
        return response

    def count(self, request: HttpRequest) -> int:
        """Count one request against its address; block the address in this process once its
        count reaches the limit. Returns the address's count in its current window."""
        address = _address(request)
        now = time.time()
        window_end = _moment(now + self.window_seconds)
        with transaction.atomic():
            counter, _ = AddressCounter.objects.select_for_update().get_or_create(
                scope=self.name, address=address, defaults={"window_end": window_end}
            )
            if counter.window_end <= _moment(now):  # the first request of a new window
                counter.count, counter.window_end = 0, window_end
            counter.count += 1
            counter.save(update_fields=["count", "window_end"])
            # Housekeeping: the windows that have passed count for nothing any more.
            AddressCounter.objects.filter(window_end__lte=_moment(now)).delete()
        if counter.count >= self.limit:
            end = counter.window_end.timestamp()
            cache.set(self._block_key(address), end, timeout=end - now)
        return counter.count


def _address(request: HttpRequest) -> str:
    return client_address(request) or "unknown"


def _moment(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)


SHARE_FAILURES = Throttle(
    "share_failure",
    title=_("Trop de liens inconnus"),
    message=ngettext_lazy(
        "Cette adresse a ouvert trop de liens de partage qui n'existent pas ou plus. "
        "Réessayez dans %(minutes)d minute, ou demandez un nouveau lien à la personne "
        "qui vous l'a envoyé.",
        "Cette adresse a ouvert trop de liens de partage qui n'existent pas ou plus. "
        "Réessayez dans %(minutes)d minutes, ou demandez un nouveau lien à la personne "
        "qui vous l'a envoyé.",
        "minutes",
    ),
)

_TOO_MANY_REQUESTS = _("Trop de demandes")
_RETRY_IN = ngettext_lazy(
    "Cette adresse a envoyé trop de demandes en peu de temps. Réessayez dans %(minutes)d minute.",
    "Cette adresse a envoyé trop de demandes en peu de temps. Réessayez dans %(minutes)d minutes.",
    "minutes",
)
SIGNUP = Throttle("signup", title=_TOO_MANY_REQUESTS, message=_RETRY_IN)
PASSWORD_RESET = Throttle("password_reset", title=_TOO_MANY_REQUESTS, message=_RETRY_IN)


def limit_posts(throttle: Throttle):
    """Decorate a view so that each POST counts against `throttle`; the POSTs past its limit
    are answered 429 before the view runs. Other methods are neither counted nor refused."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                if (refusal := throttle.refusal(request)) is not None:
                    return refusal
                if throttle.count(request) > throttle.limit:  # blocked in another process
                    return throttle.refusal(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username django-axes records for a login attempt (AXES_USERNAME_CALLABLE).

    What django-axes reads by default, cut to its column's length: Django's login form sends a
    username of any length to `authenticate()` (its max_length only sets the input's
    maxlength), and on PostgreSQL storing a longer one failed the request with a 500.

    An e-mail address that names one account counts as that account's username, and any other
    in lower case: typing the address, in any case, or the username counts against one limit
    (accounts/backends.py lets either log in).
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    if isinstance(username, str):
        return _account_key(request, username)[:AXES_USERNAME_MAX_LENGTH]
    return username


def _account_key(request: HttpRequest, typed: str) -> str:
    if "@" not in typed:
        return typed
    # django-axes asks several times per attempt: look the address up once per request.
    known = getattr(request, "_tierslieux_login_key", None)
    if known is not None and known[0] == typed:
        return known[1]
    accounts = accounts_named(typed)
    key = accounts[0].get_username() if len(accounts) == 1 else typed.lower()
    if request is not None:
        request._tierslieux_login_key = (typed, key)
    return key
