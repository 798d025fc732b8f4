"""The one way into a venue: membership first, then role, then the HTTP method."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed

from .models import Role, Venue


def get_venue_for_user(request: HttpRequest, venue_id: int, role: Role = Role.VIEWER) -> Venue:
    """The venue if the user is a member of it: 404 otherwise, 403 if their role is too low.

    Another user's venue is indistinguishable from a venue that does not exist.
    """
    try:
        venue = Venue.objects.for_user(request.user).get(pk=venue_id)
    except Venue.DoesNotExist:
        raise Http404 from None
    if not Role(venue.role).allows(role):
        raise PermissionDenied
    return venue


def venue_view(role: Role = Role.VIEWER, methods: tuple[str, ...] = ("GET",)):
    """Decorate a view taking `venue` instead of `venue_id`.

    Access is checked before the method, so a stranger gets 404 on every URL and method,
    never a 405 that would reveal the venue exists.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, venue_id: int, **kwargs) -> HttpResponse:
            venue = get_venue_for_user(request, venue_id, role)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, venue, **kwargs)

        return wrapper

    return decorator
