"""A database outage (PostgreSQL restarting, the pool waiting in vain for a connection) answers
503 with a French page and Retry-After, never 500, wherever the error comes from: a view, the
session loaded on the way in, the session saved on the way out. A GET is tried once more
before that; a POST is not.

The failures are mocked here; `make loadtest` restarts a real PostgreSQL under load.
"""

from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client

from accounts.session_store import SessionStore
from costing.models import CostItem
from venues.models import ShareLink

pytestmark = pytest.mark.django_db

UNAVAILABLE = "Le service est momentanément indisponible"
DOWN = [
    OperationalError("terminating connection due to administrator command"),
    OperationalError("couldn't get a connection after 10.00 sec"),  # the pool's PoolTimeout
    InterfaceError("connection already closed"),
]


def browser(user=None) -> Client:
    """A client that gets what a browser would get: the 500 page, not the exception."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.status_code
    assert response["Content-Type"].startswith("text/html")
    assert UNAVAILABLE in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def link(venue, alice) -> ShareLink:
    return ShareLink.objects.create(venue=venue, label="Membres", created_by=alice)


@pytest.fixture
def rent(venue) -> CostItem:
    return CostItem.objects.create(
        venue=venue, label="Loyer", pool="infrastructure", amount=Decimal("1100")
    )


def test_the_middleware_comes_before_the_sessions_that_live_in_the_database():
    middleware = settings.MIDDLEWARE
    ours = middleware.index("tierslieux.middleware.DatabaseUnavailableMiddleware")
    assert ours < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


@pytest.mark.parametrize("error", DOWN, ids=str)
def test_a_query_failing_in_a_view_answers_503(link, error):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=error):
        response = browser().get(link.get_absolute_url())
    assert_unavailable(response)


def test_a_page_whose_query_is_cut_once_is_served_on_a_second_try(link, venue):
    """PostgreSQL restarting terminates the connection under a query: the GET runs again."""
    execute = CursorWrapper.execute
    failures = []

    def cut_once(self, sql, params=None):
        if not failures:
            failures.append(sql)
            raise OperationalError("terminating connection due to administrator command")
        return execute(self, sql, params)

    with mock.patch.object(CursorWrapper, "execute", cut_once):
        response = browser().get(link.get_absolute_url())
    assert len(failures) == 1
    assert response.status_code == 200
    assert venue.name in response.content.decode()


@pytest.mark.parametrize("error", DOWN, ids=str)
def test_no_connection_at_all_answers_503_to_a_logged_in_manager(alice, venue, error):
    client = browser(alice)
    with mock.patch.object(connection, "ensure_connection", side_effect=error):
        response = client.get(venue.get_absolute_url())
    assert_unavailable(response)


def test_the_session_failing_to_load_answers_503(alice, venue):
    client = browser(alice)
    with mock.patch.object(
        SessionStore, "_get_session_from_db", side_effect=OperationalError("server closed")
    ):
        response = client.get(venue.get_absolute_url())
    assert_unavailable(response)


def test_the_session_failing_to_save_on_the_way_out_answers_503(alice):
    """Logging in saves the session twice: in the view (a new key) and in
    SessionMiddleware.process_response; the second one fails, outside any view."""
    save = SessionStore.save

    def save_fails_after_the_view(self, must_create=False):
        if must_create:
            return save(self, must_create=True)
        raise OperationalError("the database system is shutting down")

    client = browser()
    with mock.patch.object(SessionStore, "save", save_fails_after_the_view):
        response = client.post(
            "/accounts/login/", {"username": "alice", "password": "alice-password"}
        )
    assert_unavailable(response)
    assert not response.cookies.get(settings.SESSION_COOKIE_NAME)


def test_an_htmx_edit_failing_answers_503_and_changes_nothing(bob, venue, rent):
    data = {
        f"item-{rent.pk}-label": rent.label,
        f"item-{rent.pk}-pool": rent.pool,
        f"item-{rent.pk}-tier": rent.tier,
        f"item-{rent.pk}-amount": "1200",
        f"item-{rent.pk}-frequency": rent.frequency,
        f"item-{rent.pk}-included": "on",
        f"item-{rent.pk}-version": str(rent.version),
    }
    url = f"/venues/{venue.pk}/items/{rent.pk}/"
    with mock.patch.object(
        CostItem, "save_if_unchanged", side_effect=OperationalError("server closed")
    ) as save:
        response = browser(bob).post(url, data, headers={"HX-Request": "true"})
    assert_unavailable(response)
    assert save.call_count == 1  # a write is not tried again: it may have been committed
    rent.refresh_from_db()
    assert (rent.amount, rent.version) == (Decimal("1100"), 1)


@pytest.mark.parametrize("error", [RuntimeError("a bug"), IntegrityError("a bug too")], ids=type)
def test_other_errors_stay_500(link, error):
    with mock.patch("sharing.views.summary.summary_context", side_effect=error):
        response = browser().get(link.get_absolute_url())
    assert response.status_code == 500
    assert UNAVAILABLE not in response.content.decode()
