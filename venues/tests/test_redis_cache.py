"""With REDIS_URL, the page cache and the sessions live in Redis (settings.py); a Redis that does
not answer is a cache that misses (venues/pagecache.py ResilientRedisCache): every page is
served from PostgreSQL, never a 500, and a logout made while it was away holds once it is back.

The tests that need a Redis that goes away start a redis-server of their own on a free port
(TIERSLIEUX_REQUIRE_REDIS=1 makes its absence a failure instead of a skip).
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from tests.helpers import edit_queries, item_data, rent
from venues.models import ShareLink
from venues.pagecache import ResilientRedisCache

HTMX = {"HX-Request": "true"}
CACHED_DB = "accounts.cached_session_store"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_settings(url: str):
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "venues.pagecache.ResilientRedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "tierslieux-test",
                "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
            }
        },
        SESSION_ENGINE=CACHED_DB,
        AUTHENTICATION_BACKENDS=[
            "axes.backends.AxesStandaloneBackend",
            "accounts.backends.CachedUserBackend",
        ],
    )


@pytest.fixture
def redis_server():
    """A redis-server of this test's own, without persistence; yields its URL and process."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("TIERSLIEUX_REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0", process, client
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def fast_retry(monkeypatch):
    monkeypatch.setattr(ResilientRedisCache, "RETRY_SECONDS", 0.05)


def a_manager_works(client: Client, venue) -> None:
    """The workspace, an htmx edit and the share page answer, and the edit is saved."""
    item = rent(venue)
    assert client.get(venue.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("item_edit", args=[venue.pk, item.pk]), item_data(item, amount="1234"), headers=HTMX
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.amount == Decimal("1234")
    owner = venue.memberships.get(role="owner").user
    link = ShareLink.objects.create(venue=venue, label="Membres", created_by=owner)
    assert client.get(reverse("share_page", args=[link.token])).status_code == 200


def test_with_redis_at_a_closed_port_every_page_is_served_from_the_database(
    alice, example, fast_retry, caplog
):
    with redis_settings(f"redis://127.0.0.1:{free_port()}/0"), caplog.at_level(logging.WARNING):
        cache.clear()
        client = Client()
        assert (
            client.post(
                reverse("login"), {"username": "alice", "password": "alice-password"}
            ).status_code
            == 302
        )
        a_manager_works(client, example)
        a_manager_works(client, example)
    outage_lines = [r for r in caplog.records if "Redis does not answer" in r.getMessage()]
    assert len(outage_lines) == 1  # logged once, not per request


def test_with_redis_the_session_the_user_and_the_page_come_from_it_in_one_query(
    alice, example, redis_server, django_assert_num_queries
):
    url, _, client_redis = redis_server
    with redis_settings(url):
        client = Client()
        client.force_login(alice)
        assert client.get(example.get_absolute_url()).status_code == 200
        assert client_redis.dbsize() >= 3  # the session, the user, the page (and its rows)
        # The session and the user from Redis: only the venue with the user's role.
        with django_assert_num_queries(1):
            assert client.get(example.get_absolute_url()).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_with_redis_an_htmx_edit_takes_four_queries_in_its_transaction(
    alice, example, redis_server, django_assert_num_queries
):
    url, _, _ = redis_server
    item = rent(example)
    with redis_settings(url):
        client = Client()
        client.force_login(alice)
        client.get(example.get_absolute_url())
        # BEGIN, the venue locked with the role and with it its items and categories, the
        # versioned UPDATE and with it the journal's entry, COMMIT: no session, no user
        # (SQLite: 6, the rows and the entry each on their own).
        with django_assert_num_queries(edit_queries() - 1):
            response = client.post(
                reverse("item_edit", args=[example.pk, item.pk]),
                item_data(item, amount="12"),
                headers=HTMX,
            )
        assert response.status_code == 200


def test_a_password_change_ends_the_other_sessions_although_the_user_was_cached(
    alice, example, redis_server
):
    url, _, _ = redis_server
    with redis_settings(url):
        elsewhere = Client()
        elsewhere.force_login(alice)
        assert elsewhere.get(example.get_absolute_url()).status_code == 200  # user cached
        alice.set_password("a-new-password-for-alice")
        alice.save()
        response = elsewhere.get(example.get_absolute_url())
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_a_redis_that_goes_away_degrades_to_the_database_and_a_logout_meanwhile_holds(
    alice, example, redis_server, fast_retry
):
    url, process, client_redis = redis_server
    with redis_settings(url):
        client = Client()
        assert (
            client.post(
                reverse("login"), {"username": "alice", "password": "alice-password"}
            ).status_code
            == 302
        )
        a_manager_works(client, example)
        assert client_redis.dbsize() >= 2
        cookie = client.cookies["sessionid"].value

        process.send_signal(signal.SIGSTOP)  # Redis stops answering, its data kept
        try:
            a_manager_works(client, example)
            client.post(reverse("logout"))  # the session's delete cannot reach Redis
        finally:
            process.send_signal(signal.SIGCONT)
        time.sleep(0.1)  # past RETRY_SECONDS

        # The old cookie: Redis still held that session, but the cache emptied itself on
        # coming back, so the session is looked up in PostgreSQL, where the logout deleted it.
        returning = Client()
        returning.cookies["sessionid"] = cookie
        response = returning.get(example.get_absolute_url())
        assert response.status_code == 302
        assert reverse("login") in response["Location"]

        # And Redis is used again.
        other = Client()
        other.force_login(alice)
        assert other.get(example.get_absolute_url()).status_code == 200
        assert client_redis.dbsize() >= 2
