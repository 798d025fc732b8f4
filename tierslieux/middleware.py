import logging
import sys
from contextlib import ExitStack

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin


class FrenchFirstLocaleMiddleware(MiddlewareMixin):
    """French unless the user chose another language (the language switcher's cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; our users are
    French associations whose browsers are not always set to French, and amounts must read
    the same for everyone of a venue (`1 700,00 €`).
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


# Database outages ---------------------------------------------------------------------------

RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)
_UNAVAILABLE = "_tierslieux_database_unavailable"
logger = logging.getLogger(__name__)


def database_unavailable() -> HttpResponse:
    """The 503 page: rendered from a template without the request, so that it needs neither
    the database nor the session (no context processor runs)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers.setdefault("X-Frame-Options", "DENY")
    add_never_cache_headers(response)
    return response


def _note_database_error(sender, request=None, **kwargs) -> None:
    """Django turns an exception raised by a middleware (the session saved in
    SessionMiddleware.process_response, say) into a 500 response before the outer middleware
    sees it, and sends this signal while handling it: mark the request for
    DatabaseUnavailableMiddleware."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        setattr(request, _UNAVAILABLE, True)


got_request_exception.connect(_note_database_error, dispatch_uid="tierslieux.database_unavailable")


class DatabaseUnavailableMiddleware:
    """A request that meets a database outage (PostgreSQL restarting, the pool waiting in vain
    for a connection) gets a 503 page with Retry-After, not a 500.

    It sits before SessionMiddleware: a view's error comes through process_exception, and a
    middleware's error (sessions live in the database) as a 500 response marked by the
    got_request_exception signal, which is replaced here.

    A GET or HEAD is tried once more first, on a new connection from the pool, which waits for
    the database to come back (up to DATABASE_POOL_TIMEOUT): a page whose query PostgreSQL's
    restart cut short is served a moment later instead of failing. So is a POST that had sent
    the database nothing but reads when the outage met it (its session, its access check, the
    rows it read with the venue's lock: `_ReadsOnly`), which therefore changed nothing; not one
    that had sent a write, which may have been committed before its answer was lost
    (loadtest/run.py settles such edits by reading the page again), nor an upload, whose file
    the first try may have read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads_only = _ReadsOnly()
        with ExitStack() as wrappers:
            for connection in connections.all():
                wrappers.enter_context(connection.execute_wrapper(reads_only))
            response = self._response(request)
        if getattr(request, _UNAVAILABLE, False) and self._may_try_again(request, reads_only):
            delattr(request, _UNAVAILABLE)
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:  # a test's; no request's is open here
                    connection.close()  # back to the pool, which drops it if broken
            response = self._response(request)
        return response

    @staticmethod
    def _may_try_again(request: HttpRequest, reads_only: "_ReadsOnly") -> bool:
        if request.method in ("GET", "HEAD"):
            return True
        return reads_only.so_far and request.content_type != "multipart/form-data"

    def _response(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _UNAVAILABLE, False):
            return database_unavailable()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("Database unavailable on %s: %s", request.path, exception)
        setattr(request, _UNAVAILABLE, True)
        return database_unavailable()


# What changes no data: reads, and the statements that open or mark a transaction (SQLite's
# BEGIN IMMEDIATE, the savepoints of nested atomic blocks).
_NO_WRITE = ("SELECT", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")


class _ReadsOnly:
    """An execute wrapper (Django's `connection.execute_wrapper`) that tells whether a request
    has sent the database anything that may write, so far: every statement of the project goes
    through Django's cursors, its compiled ones included (tierslieux/compiled.py). A statement
    counts as sent from the moment it is tried, whether or not it reached PostgreSQL."""

    def __init__(self) -> None:
        self.so_far = True

    def __call__(self, execute, sql, params, many, context):
        if self.so_far and not sql.lstrip()[:9].upper().startswith(_NO_WRITE):
            self.so_far = False
        return execute(sql, params, many, context)
