"""A database outage (PostgreSQL restarting, the pool waiting in vain for a connection) answers
503 with a French page and Retry-After, never 500, wherever the error comes from: a view, the
session loaded on the way in, the session saved on the way out. A GET is tried once more
before that, and so is a POST that had sent nothing but reads; a POST that had sent a write is
not.

The failures are mocked here; `make loadtest` restarts a real PostgreSQL under load.
"""

from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

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


def edit_data(rent: CostItem, amount: str) -> dict:
    return {
        f"item-{rent.pk}-label": rent.label,
        f"item-{rent.pk}-pool": rent.pool,
        f"item-{rent.pk}-tier": rent.tier,
        f"item-{rent.pk}-amount": amount,
        f"item-{rent.pk}-frequency": rent.frequency,
        f"item-{rent.pk}-included": "on",
        f"item-{rent.pk}-version": str(rent.version),
    }


def post_edit(client: Client, venue, rent: CostItem, amount: str, multipart: bool = False):
    """The htmx edit as a browser sends it: a urlencoded form (or, here, multipart)."""
    url = f"/venues/{venue.pk}/items/{rent.pk}/"
    if multipart:
        return client.post(url, edit_data(rent, amount), headers={"HX-Request": "true"})
    return client.post(
        url,
        urlencode(edit_data(rent, amount)),
        content_type="application/x-www-form-urlencoded",
        headers={"HX-Request": "true"},
    )


def cut(statements: list[str], when):
    """PostgreSQL's restart cutting the first statement for which `when(sql)` is true, once:
    the statement is tried (Django's execute wrappers see it), and fails on its way."""
    send = CursorWrapper._execute

    def cut_once(self, sql, params, *ignored):
        if not statements and when(sql):
            statements.append(sql)
            raise OperationalError("terminating connection due to administrator command")
        return send(self, sql, params, *ignored)

    return mock.patch.object(CursorWrapper, "_execute", cut_once)


def test_an_htmx_edit_whose_write_is_cut_answers_503_and_is_not_sent_again(bob, venue, rent):
    """Its write may have been committed before the answer was lost: never sent twice."""
    client, updates = browser(bob), []
    with cut(updates, lambda sql: sql.lstrip().startswith("UPDATE")):
        response = post_edit(client, venue, rent, "1200")
    assert_unavailable(response)
    assert len(updates) == 1
    rent.refresh_from_db()
    assert (rent.amount, rent.version) == (Decimal("1100"), 1)


def reads_the_venue(sql: str) -> bool:
    """The access check (with the venue's lock on PostgreSQL), after the session was read."""
    return sql.lstrip().startswith("SELECT") and '"venues_venue"' in sql


def test_an_htmx_edit_cut_before_it_wrote_anything_is_saved_on_a_second_try(bob, venue, rent):
    """Cut while it only read (its session, its access check with the venue's lock): it had
    changed nothing, so it runs again and is saved, once."""
    client, cuts = browser(bob), []
    with cut(cuts, reads_the_venue):
        response = post_edit(client, venue, rent, "1200")
    assert len(cuts) == 1
    assert response.status_code == 200
    rent.refresh_from_db()
    assert (rent.amount, rent.version) == (Decimal("1200"), 2)


def test_an_upload_cut_before_it_wrote_is_not_tried_again(bob, venue, rent):
    """Its file may have been read by the first try: the manager sends it again."""
    client, cuts = browser(bob), []
    with cut(cuts, reads_the_venue):
        response = post_edit(client, venue, rent, "1200", multipart=True)
    assert_unavailable(response)
    assert len(cuts) == 1
    rent.refresh_from_db()
    assert (rent.amount, rent.version) == (Decimal("1100"), 1)


@pytest.mark.parametrize("error", [RuntimeError("a bug"), IntegrityError("a bug too")], ids=type)
def test_other_errors_stay_500(link, error):
    with mock.patch("sharing.views.summary.summary_context", side_effect=error):
        response = browser().get(link.get_absolute_url())
    assert response.status_code == 500
    assert UNAVAILABLE not in response.content.decode()
