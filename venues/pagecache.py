"""What is rendered from a venue, cached until the venue changes (docs/architecture.md).

One way to key: `key(venue, name, *parts)`. It is made of the venue's `revision` and
`updated_at`, which the database changes on every write to the venue, its items or its
categories (costing's triggers), so an entry can never be stale: older entries simply age out.

One way to fill what differs per request: markup is rendered by `render`, *without the request*.
No context processor runs, so nothing of one visit (CSRF token, CSP nonce, user, address,
messages) can be captured by accident; what a template needs of the request is given as a
hole, which renders as a marker, and the markers are replaced by this request's values, escaped.
A marker is made of `<` and `>`, which autoescaping never leaves in text that a user typed: no
label, however it is spelled, can be mistaken for a hole.

Where: by default in each process's memory, at most TIERSLIEUX_CACHE_MB per process
(`BoundedLocMemCache`); with REDIS_URL, in Redis, shared by every process and machine
(`ResilientRedisCache`, which also holds the sessions then: settings.py).
"""

import hashlib
import logging
import pickle
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import models
from django.http import HttpRequest
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

_MARKER = re.compile(r"<tierslieux-hole ([a-z_]+)>")


def hole(name: str) -> SafeString:
    """Where the per-request value `name` goes in markup rendered for the cache."""
    return mark_safe(f"<tierslieux-hole {name}>")  # noqa: S308 - a constant marker


class Visitor:
    """The logged-in user as markup rendered for the cache knows them: their name is a hole."""

    is_authenticated = True

    def get_username(self) -> SafeString:
        return hole("username")


# What a template may ask of the request, and how each request fills it in.
FILLERS: dict[str, Callable[[HttpRequest], str]] = {
    "csrf_token": get_token,
    "csp_nonce": lambda request: str(get_nonce(request) or ""),
    "username": lambda request: request.user.get_username(),
    "full_path": lambda request: request.get_full_path(),
}
HOLES = {
    "csrf_token": hole("csrf_token"),
    "csp_nonce": hole("csp_nonce"),
    "user": Visitor(),
    "full_path": hole("full_path"),
}


def key(venue, name: str, *parts: object) -> str:
    """The cache key of what `name` renders from `venue`'s current state (and `parts`), in the
    active language."""
    stamp = venue.updated_at.timestamp()
    return ":".join(
        map(str, ("venue", venue.pk, venue.revision, stamp, name, get_language(), *parts))
    )


def row_key(venue, name: str, row, *parts: object) -> str:
    """The cache key of what `name` renders from one row of `venue` (a cost item, a member
    category) as it is now, in the active language: made of the row's stored values, so that
    it changes whenever the row does, whoever changed it, and of nothing else, so that an edit
    of one row leaves the others' markup cached (`fragments`)."""
    values = repr(tuple(_stored(row, field) for field in row._meta.concrete_fields))
    digest = hashlib.blake2b(values.encode(), digest_size=16).hexdigest()
    return ":".join(map(str, ("row", venue.pk, name, row.pk, digest, get_language(), *parts)))


def value_key(name: str, value: object, *parts: object) -> str:
    """The cache key of what `name` renders from `value` alone (an allocation: the engine's
    frozen dataclasses, whose repr holds every figure, name and currency) in the active
    language: whichever venue, edit or process produced the same value shares the markup."""
    digest = hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()
    return ":".join(map(str, ("value", name, digest, get_language(), *parts)))


def _stored(row, field) -> object:
    """A field's value as the database gives it back: a decimal with its column's places (a
    row just saved from a form holds 1234.5 where a row loaded holds 1234.50)."""
    value = getattr(row, field.attname)
    if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
        return value.quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def form_key(venue, name: str, *parts: object) -> str:
    """The cache key of an empty form of `venue` (adding a row): what it renders depends on
    the venue's identity (its URLs), not on its state, so it outlives every edit."""
    return ":".join(map(str, ("form", venue.pk, name, get_language(), *parts)))


def fragment(template_name: str, context: dict) -> str:
    """`template_name` rendered without the request, its holes left as markers: markup to be
    placed into a page that `render` fills in (see the module's docstring)."""
    return render_to_string(template_name, {**HOLES, **context})


def fragments(makers: dict[str, Callable[[], str]]) -> dict[str, SafeString]:
    """The markup under each key, from the cache (one round trip for all) or made by its
    function and cached. For a page made of many rows: after an edit only the changed row is
    rendered again. The markup goes into a page rendered by `render`, which fills its holes."""
    found = cache.get_many(list(makers))
    missing = {key: make() for key, make in makers.items() if key not in found}
    if missing:
        cache.set_many(missing)
    # Rendered by the template engine with autoescaping, as the page around it.
    return {key: mark_safe(text) for key, text in {**found, **missing}.items()}  # noqa: S308


def filled(request: HttpRequest, markup: str) -> bytes:
    """Markup from `fragment(s)` served on its own (an htmx answer): its holes filled in for
    this request, as `render` fills a page's."""
    return render(request, "", lambda: {}, text=markup)


def cached(cache_key: str, make: Callable[[], Any]) -> Any:
    """What `make` returns, made once per `cache_key` (two processes that miss at once both
    make it, the same; a set rather than get_or_set's add and second get: one round trip to a
    shared cache less)."""
    value = cache.get(cache_key)
    if value is None:
        value = make()
        cache.set(cache_key, value)
    return value


def render(
    request: HttpRequest,
    template_name: str,
    context: Callable[[], dict],
    *,
    cache_key: str | None = None,
    text: str | None = None,
) -> bytes:
    """`template_name` rendered for this request, from the cache under `cache_key` if given.

    The template is rendered without the request (see the module's docstring): `context()`,
    called only when the cache misses, must give everything it shows, and what depends on the
    visit comes from `HOLES` (a value it gives under the same name takes the hole's place).
    """

    def pieces() -> list[bytes | str]:
        rendered = render_to_string(template_name, {**HOLES, **context()}) if text is None else text
        parts: list[bytes | str] = _MARKER.split(rendered)  # text, hole, text, …, text
        parts[::2] = [piece.encode() for piece in parts[::2]]
        return parts

    parts = cached(cache_key, pieces) if cache_key else pieces()
    values = {name: escape(FILLERS[name](request)).encode() for name in set(parts[1::2])}
    filled = list(parts)
    filled[1::2] = [values[name] for name in parts[1::2]]
    return b"".join(filled)


class BoundedLocMemCache(LocMemCache):
    """Django's per-process memory cache, bounded in bytes as well as in entries.

    Rendered pages vary in size (a few kB to about 1.5 MB for a venue at the limits of 500
    items and 50 categories): counting entries alone does not bound the memory a process uses.
    OPTIONS["MAX_BYTES"] caps the pickled size of all entries; the least recently used go first.
    An entry larger than a tenth of the budget is not kept at all.
    """

    _sizes: dict[str, dict[str, int]] = {}
    _totals: dict[str, list[int]] = {}
    _guard = threading.Lock()

    def __init__(self, name, params):
        super().__init__(name, params)
        self._max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 2**20))
        with self._guard:
            self._size = self._sizes.setdefault(name, {})
            self._total = self._totals.setdefault(name, [0])

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if len(pickle.dumps(value, self.pickle_protocol)) * 10 > self._max_bytes:
            self.delete(key, version=version)
            return
        super().set(key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if len(pickle.dumps(value, self.pickle_protocol)) * 10 > self._max_bytes:
            return False
        return super().add(key, value, timeout, version)

    # The hooks below run under the backend's own lock.

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        self._forget(key)
        super()._set(key, value, timeout)
        self._size[key] = len(value)
        self._total[0] += len(value)
        while self._total[0] > self._max_bytes and len(self._cache) > 1:
            oldest, _ = self._cache.popitem()  # the least recently used is last
            del self._expire_info[oldest]
            self._forget(oldest)

    def _cull(self):
        super()._cull()
        for gone in set(self._size) - set(self._cache):
            self._forget(gone)

    def _delete(self, key):
        self._forget(key)
        return super()._delete(key)

    def _forget(self, key) -> None:
        self._total[0] -= self._size.pop(key, 0)

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._size.clear()
            self._total[0] = 0


logger = logging.getLogger(__name__)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache backend, for which an unreachable Redis is a cache that misses.

    The cache only ever saves work: the page cache renders again, cached_db sessions are read
    from PostgreSQL, a throttle's block is looked up in the database again. So when Redis does
    not answer (stopped, restarting, unreachable, out of memory), every read is a miss and
    every write is dropped, logged once per outage, and the request goes on: never a 500.
    After a failure Redis is left alone for RETRY_SECONDS, so that an outage costs requests no
    connection attempt each (the socket timeouts in settings.py bound the first one).

    A write or a delete dropped during an outage (a logout's session delete among them) would
    leave Redis holding what the database no longer does, so the first call that reaches Redis
    again empties the cache's database first (FLUSHDB: REDIS_URL must name a database of the
    app's own). What a cache holds is rebuilt from PostgreSQL; nothing is lost.
    """

    RETRY_SECONDS = 5.0
    _WRITES = frozenset({"add", "set", "touch", "delete", "incr", "set_many", "delete_many"})

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._dropped_writes = False
        self._outage = False

    def _call(self, method: str, miss: Any, *args, **kwargs) -> Any:
        if time.monotonic() < self._down_until:
            self._dropped_writes |= method in self._WRITES
            return miss
        try:
            if self._dropped_writes:
                super().clear()
                self._dropped_writes = False
            result = getattr(super(), method)(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - redis' errors and the socket's alike
            self._dropped_writes |= method in self._WRITES
            self._down_until = time.monotonic() + self.RETRY_SECONDS
            if not self._outage:
                self._outage = True
                logger.warning("Redis does not answer, the cache misses until it does: %r", error)
            return miss
        if self._outage:
            self._outage = False
            logger.warning("Redis answers again")
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call("incr", missing, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
