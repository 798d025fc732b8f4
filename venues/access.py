"""The one way into a venue: membership first, then role, then the HTTP method.

A request that may write to the venue (any method but GET, HEAD, OPTIONS and TRACE) runs in
one transaction that begins by locking the venue's row, with the access check's own query
(SELECT … FOR UPDATE OF the venue). Two writes to one venue therefore never interleave: the
second waits for the first to commit, then loads the rows the first wrote. A rule that spans
several rows of a venue (shares per pool and surface shares at most 100 %, category names
unique, positions, the numbers of items and categories, and any rule added later) is checked
by the view against the rows it loads after the lock, in the forms of costing/forms.py, and
still holds when the row is written. What a view reads first (a venue's items and categories)
can be read with the lock, in the same round trip to PostgreSQL and still after it
(`WithLock`). SQLite has no row locks: its transactions take the database's write lock when
they begin instead (settings.py, "transaction_mode").

The lock also orders the writes: the venue first, then its rows. The database triggers that
date a venue's changes (venues/migrations/0003) update the venue after the row, so a write
that did not lock the venue first could deadlock with one that did.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from tierslieux.compiled import CompiledQuery, run

from . import journal
from .models import Role, Venue, refusal_message

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _access(lock: bool, *, user_id: int, venue_id: int):
    venues = Venue.objects.with_role_of(user_id).filter(pk=venue_id)  # its scenarios too
    return venues.select_for_update(of=("self",)) if lock else venues


_ID_LIMIT = 2**63  # BigAutoField

# Built and compiled once per process (tierslieux/compiled.py): every request to a venue runs it.
_ACCESS = CompiledQuery(_access, "user_id", "venue_id")


@dataclass(frozen=True)
class WithLock:
    """What a write view reads first, read with the venue's lock in one round trip.

    `query` (a CompiledQuery taking `venue_id`) runs right after the statement that takes the
    lock, in the same round trip to PostgreSQL (tierslieux/compiled.py `run`), and so with a
    snapshot taken once the lock is held: it reads what the writes before it committed, as a
    query of its own after the lock would. `keep(venue, rows)` hands the rows to the venue (for
    a venue the user may not open, they are never handed: the request answers 404 or 403).
    """

    query: CompiledQuery
    keep: Callable[[Venue, list[tuple]], None]


def get_venue_for_user(
    request: HttpRequest,
    venue_id: int,
    role: Role = Role.VIEWER,
    *,
    lock: bool = False,
    with_lock: WithLock | None = None,
) -> Venue:
    """The venue if the user is a member of it: 404 otherwise, 403 if their role is too low.

    Another user's venue is indistinguishable from a venue that does not exist. A scenario
    of a venue is open to the venue's members, with their role there. With `lock`
    (inside a transaction), the venue's row stays locked until the transaction ends, and
    `with_lock`'s query is read with it.
    """
    if not request.user.is_authenticated or not 0 < venue_id < _ID_LIMIT:
        raise Http404  # an id no venue can have: the ORM would not ask PostgreSQL either
    access = _ACCESS.bind(lock, user_id=request.user.pk, venue_id=venue_id)
    also = with_lock.query.bind(venue_id=venue_id) if lock and with_lock else None
    found_rows, *also_rows = run(access, *([also] if also else []))
    found = list(access.objects(found_rows))
    if not found:
        raise Http404
    venue = found[0]
    if not Role(venue.role).allows(role):
        raise PermissionDenied
    if also:
        with_lock.keep(venue, also.values(also_rows[0]))
    return venue


def venue_view(
    role: Role = Role.VIEWER,
    methods: tuple[str, ...] = ("GET",),
    *,
    scenarios: bool = True,
    with_lock: WithLock | None = None,
):
    """Decorate a view taking `venue` instead of `venue_id`.

    Access is checked before the method, so a stranger gets 404 on every URL and method,
    never a 405 that would reveal the venue exists. A request that may write runs in one
    transaction under the venue's lock (see the module's docstring), and the changes it
    records in the venue's journal are the user's (venues/journal.py).

    `with_lock`: what the view reads first when it writes, read with the lock in the same
    round trip (`WithLock`).

    `scenarios=False`: a page that does not apply to a scenario (its team, its closed months,
    its share links are its venue's; docs/architecture.md) answers 404 for one, whatever the
    method.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, venue_id: int, **kwargs) -> HttpResponse:
            if request.method in SAFE_METHODS:
                venue = get_venue_for_user(request, venue_id, role)
                return _run(view, request, venue, methods, kwargs, scenarios)
            try:
                with transaction.atomic(), journal.acting(request.user):
                    venue = get_venue_for_user(
                        request, venue_id, role, lock=True, with_lock=with_lock
                    )
                    return _run(view, request, venue, methods, kwargs, scenarios)
            except IntegrityError as error:
                return _refused(request, venue_id, error)

        return wrapper

    return decorator


def _run(
    view, request: HttpRequest, venue: Venue, methods, kwargs: dict, scenarios: bool
) -> HttpResponse:
    if not scenarios and venue.scenario_of_id is not None:
        raise Http404
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return view(request, venue, **kwargs)


def _refused(request: HttpRequest, venue_id: int, error: IntegrityError) -> HttpResponse:
    """The database refused a write that the view's checks let through: a rule the forms do
    not check, or a write from outside the app (the admin, a shell) that took no lock. The
    transaction is rolled back, so nothing is written; say which rule refused it, back on the
    venue's page with its rows as they are."""
    messages.error(request, refusal_message(error))
    url = reverse("venue_detail", args=[venue_id])
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
