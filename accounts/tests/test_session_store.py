"""Sessions read with their user in one query (accounts/session_store.py), with every check
Django makes of a session's user still made: a password changed elsewhere, a deactivated or a
deleted account end the session."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Session
from accounts.session_store import SessionStore, user_read_with_session
from tests.helpers import logged_in

pytestmark = pytest.mark.django_db


def _signed_in(client) -> bool:
    return client.get(reverse("password_change")).status_code == 200


def test_a_signed_in_request_reads_its_session_and_its_user_in_one_query(alice, venue):
    client = logged_in(alice)
    client.get(venue.get_absolute_url())  # the page cached: its venue alone is asked next
    with CaptureQueriesContext(connection) as captured:
        response = client.get(venue.get_absolute_url())
    assert response.status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 2, statements  # the session with its user, the venue with the role
    assert "accounts_session" in statements[0] and "auth_user" in statements[0]
    assert not any("auth_user" in sql for sql in statements[1:])


def test_a_session_row_names_its_user_and_a_visitors_names_none(alice):
    logged_in(alice)
    visitor = SessionStore()
    visitor["_messages"] = "[]"
    visitor.create()
    users = dict(Session.objects.values_list("session_key", "user"))
    assert users.pop(visitor.session_key) is None
    assert list(users.values()) == [alice.pk]


def test_a_password_changed_elsewhere_ends_the_other_sessions(alice):
    here, elsewhere = logged_in(alice), logged_in(alice)
    assert _signed_in(here) and _signed_in(elsewhere)
    user = User.objects.get(pk=alice.pk)
    user.set_password("a-new-password-1234")
    user.save()
    assert not _signed_in(here)
    assert not _signed_in(elsewhere)


def test_a_deactivated_account_is_signed_out_at_its_next_request(alice):
    client = logged_in(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert not _signed_in(client)


def test_deleting_an_account_deletes_its_sessions(alice, bob):
    client = logged_in(alice)
    logged_in(bob)
    User.objects.get(pk=alice.pk).delete()
    assert list(Session.objects.values_list("user", flat=True)) == [bob.pk]
    assert not _signed_in(client)


def test_a_session_saved_before_it_named_its_user_still_signs_in_with_one_query_more(alice):
    client = logged_in(alice)
    Session.objects.update(user=None)
    with CaptureQueriesContext(connection) as captured:
        assert _signed_in(client)
    assert sum("auth_user" in query["sql"] for query in captured.captured_queries) == 2


def test_a_session_naming_another_user_than_its_data_gets_its_data_s_user(alice, bob):
    """The row's user is only a shortcut: who is signed in is what the session's data says."""
    client = logged_in(alice)
    Session.objects.update(user=bob)
    response = client.get(reverse("venue_list"))
    assert response.wsgi_request.user == alice


def test_logging_out_deletes_the_session(alice):
    client = logged_in(alice)
    client.post(reverse("logout"))
    assert not Session.objects.exists()
    assert not _signed_in(client)


def test_the_user_read_with_a_session_is_handed_once_and_only_for_its_own_id(alice, bob):
    store = SessionStore()
    store[SESSION_KEY] = str(alice.pk)
    store.create()
    loaded = SessionStore(store.session_key)
    assert loaded[SESSION_KEY] == str(alice.pk)  # loads the row, with its user
    assert user_read_with_session(bob.pk) is None  # another id: not handed (and dropped)
    SessionStore(store.session_key).load()
    assert user_read_with_session(alice.pk) == alice
    assert user_read_with_session(alice.pk) is None  # taken once
    SessionStore(store.session_key).load()
    SessionStore()  # the next request's store starts without one
    assert user_read_with_session(alice.pk) is None
