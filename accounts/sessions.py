"""What every response to a signed-in user gets, in two middleware classes rather than in each
view: sessions that end after an idle time, pages and exports that no cache keeps, and htmx
requests whose session has ended that take the browser to the login page.
"""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect

# When the session was last saved by `SignedInMiddleware` or by the login (seconds since 1970).
SAVED_AT = "tierslieux_saved_at"


class SignedInMiddleware:
    """For a signed-in user's request: `Cache-Control: no-store` on the response (pages, JSON and
    CSV exports: a venue's figures stay in no browser or proxy cache after the user has left a
    shared computer), and the session kept alive while the user is active.

    A session ends SESSION_COOKIE_AGE (TIERSLIEUX_SESSION_IDLE_MINUTES) after it was last
    saved. Saving it on every request (SESSION_SAVE_EVERY_REQUEST) would add a write to every
    htmx edit; here it is saved again only once SESSION_REFRESH_SECONDS have passed since the
    last save, so an idle session ends between IDLE − REFRESH and IDLE after the last request.

    It acts only on requests that read the session (the views that read the user do): the
    others (share pages, /healthz) carry nobody's data and cost no query more.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or not request.user.is_authenticated:
            return response
        add_never_cache_headers(response)
        now = int(time.time())
        if now - session.get(SAVED_AT, 0) >= settings.SESSION_REFRESH_SECONDS:
            session[SAVED_AT] = now  # SessionMiddleware, outside this one, saves it
        return response


def note_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """The login saves the session: its first refresh is due SESSION_REFRESH_SECONDS later
    (a user_logged_in receiver)."""
    if request is not None and hasattr(request, "session"):
        request.session[SAVED_AT] = int(time.time())


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session has ended takes the browser to the login page.

    `login_required` answers 302 to the login page; htmx's XMLHttpRequest follows it silently
    and would swap the login form into the row being edited. The answer becomes an
    `HX-Redirect` to the login page instead, whose `next` is the page the browser shows
    (HX-Current-URL), not the fragment's URL, which answers POST only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.htmx
            and response.status_code == 302
            and urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)
            and not request.user.is_authenticated
        ):
            back_to = request.htmx.current_url_abs_path or resolve_url(settings.LOGIN_REDIRECT_URL)
            return HttpResponseClientRedirect(redirect_to_login(back_to).url)
        return response
