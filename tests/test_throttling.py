"""Login throttling (SPEC §7) by django-axes: a username is locked from one address for a while
after repeated failures, with a 429 and Retry-After, and without revealing which accounts exist.
Share links: an address that opens too many unknown tokens is refused every /s/ lookup for a
while (venues/throttle.py)."""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from venues.models import ShareLink, ShareLookupFailures

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
HERE, ELSEWHERE = "10.0.0.1", "10.0.0.2"
LIMIT = 5
COOL_OFF = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _throttling(settings):
    """The deployed defaults, whatever TIERSLIEUX_LOGIN_* says in the environment."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF.total_seconds() / 3600  # hours, as in settings.py


def log_in(client: Client, username: str, password: str, address: str = HERE):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, address: str = HERE) -> list[int]:
    """Try a wrong password `times` times; the status codes answered."""
    return [log_in(client, username, "wrong-password", address).status_code for _ in range(times)]


def page(response, username: str) -> str:
    """The page as the person sees it: without the per-request CSRF token and CSP nonce, and
    with the username they typed (echoed back in the form) replaced."""
    text = response.content.decode()
    text = re.sub(r'(csrfmiddlewaretoken" value=|"x-csrftoken": )"[^"]*"', r'\1"…"', text)
    text = re.sub(r'nonce="[^"]*"', 'nonce="…"', text)
    return text.replace(username, "USERNAME")


def generic_login_error() -> str:
    with translation.override("fr"):
        message = AuthenticationForm.error_messages["invalid_login"]
        return str(message) % {"username": User._meta.get_field("username").verbose_name}


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, alice):
    statuses = fail(client, "alice", 30)
    assert statuses == [200] * (LIMIT - 1) + [429] * (30 - LIMIT + 1)
    response = log_in(client, "alice", "alice-password")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_refusal_says_when_to_retry_in_seconds_and_in_french(client, alice):
    fail(client, "alice", 30)
    response = log_in(client, "alice", "alice-password")
    retry_after = response["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) > 0
    assert int(retry_after) == COOL_OFF.total_seconds()
    assert '<html lang="fr">' in response.text
    assert "Trop de tentatives de connexion" in response.text
    assert "Réessayez dans 15 minutes" in response.text


def test_the_refusal_uses_the_configured_cool_off(client, alice, settings):
    settings.AXES_COOLOFF_TIME = 1 / 60  # one minute
    fail(client, "alice", LIMIT)
    response = log_in(client, "alice", "alice-password")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Réessayez dans 1 minute," in response.text


def test_the_failure_that_reaches_the_limit_is_already_refused(client, alice):
    assert fail(client, "alice", LIMIT - 1) == [200] * (LIMIT - 1)
    response = log_in(client, "alice", "wrong-password")
    assert response.status_code == 429
    assert "Retry-After" in response


def test_the_same_user_can_still_log_in_from_another_address(client, alice):
    fail(client, "alice", 30, address=HERE)
    response = log_in(Client(), "alice", "alice-password", address=ELSEWHERE)
    assert response.status_code == 302
    assert response["Location"] == reverse("venue_list")


def test_another_user_can_still_log_in_from_the_same_address(client, alice, bob):
    fail(client, "alice", 30)
    assert log_in(Client(), "bob", "bob-password").status_code == 302


def test_the_login_page_still_shows_while_locked_out(client, alice):
    fail(client, "alice", 30)
    assert client.get(LOGIN, REMOTE_ADDR=HERE).status_code == 200


def test_an_unknown_username_is_locked_out_like_an_existing_one(client, alice):
    assert fail(client, "nobody", 30) == fail(Client(), "alice", 30, address=ELSEWHERE)
    response = log_in(client, "nobody", "alice-password")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_lockout_pages_for_existing_and_unknown_accounts_are_identical(alice):
    fail(Client(), "alice", 30)
    fail(Client(), "nobody", 30)
    existing = log_in(Client(), "alice", "alice-password")
    unknown = log_in(Client(), "nobody", "whatever")
    assert existing.status_code == unknown.status_code == 429
    assert existing["Retry-After"] == unknown["Retry-After"]
    assert page(existing, "alice") == page(unknown, "nobody")
    assert "alice" not in existing.text


def test_a_wrong_password_gets_djangos_generic_message(client, alice):
    response = log_in(client, "alice", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [generic_login_error()]
    assert generic_login_error() in response.text


def test_wrong_password_and_unknown_account_pages_are_identical(alice):
    existing = log_in(Client(), "alice", "wrong-password")
    unknown = log_in(Client(), "nobody", "wrong-password")
    assert existing.status_code == unknown.status_code == 200
    assert unknown.context["form"].non_field_errors() == [generic_login_error()]
    assert page(existing, "alice") == page(unknown, "nobody")


def test_the_right_password_works_again_once_the_cool_off_has_passed(client, alice):
    fail(client, "alice", 30)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOL_OFF - timedelta(seconds=1))
    response = log_in(client, "alice", "alice-password")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_the_lock_holds_until_the_cool_off_has_passed(client, alice):
    fail(client, "alice", 30)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOL_OFF + timedelta(minutes=1))
    assert log_in(client, "alice", "alice-password").status_code == 429


def test_trying_again_while_locked_out_restarts_the_wait(client, alice):
    # What makes Retry-After (the whole cool-off) exact after every refusal.
    fail(client, "alice", LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOL_OFF + timedelta(minutes=1))
    assert log_in(client, "alice", "alice-password").status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert log_in(client, "alice", "alice-password").status_code == 429


def test_a_successful_login_resets_the_failures(alice):
    assert fail(Client(), "alice", LIMIT - 1) == [200] * (LIMIT - 1)
    assert log_in(Client(), "alice", "alice-password").status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert fail(Client(), "alice", LIMIT - 1) == [200] * (LIMIT - 1)
    assert log_in(Client(), "alice", "alice-password").status_code == 302


def test_failures_are_counted_per_address(alice):
    assert fail(Client(), "alice", LIMIT - 1, address=HERE) == [200] * (LIMIT - 1)
    assert fail(Client(), "alice", LIMIT - 1, address=ELSEWHERE) == [200] * (LIMIT - 1)
    assert log_in(Client(), "alice", "alice-password", address=HERE).status_code == 302


def test_a_username_too_long_to_record_gets_the_generic_message(client, alice):
    # Django's login form lets any length through to authenticate(); django-axes could not
    # store more than 255 characters on PostgreSQL (a 500).
    for username in ["a" * 10_000, "é" * 300]:
        response = log_in(client, username, "wrong-password")
        assert response.status_code == 200
        assert generic_login_error() in response.text
    assert AccessAttempt.objects.get(username="a" * 255).failures_since_start == 1


# Share links: failed lookups are throttled per address.

SHARE_LIMIT = 20
SHARE_WINDOW = timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _share_throttling(settings):
    """The deployed defaults, and no failure left over from another test."""
    settings.SHARE_FAILURE_LIMIT = SHARE_LIMIT
    settings.SHARE_FAILURE_WINDOW_MINUTES = SHARE_WINDOW.total_seconds() / 60
    cache.clear()


@pytest.fixture
def link(venue, alice) -> ShareLink:
    return ShareLink.objects.create(venue=venue, label="AG", created_by=alice)


def look_up(token: str, address: str = HERE, suffix: str = ""):
    return Client().get(f"/s/{token}/{suffix}", REMOTE_ADDR=address)


def guess(times: int, address: str = HERE) -> list[int]:
    """Open `times` unknown tokens; the status codes answered."""
    return [look_up(f"unknown-{n}", address).status_code for n in range(times)]


@pytest.fixture
def later(monkeypatch):
    """Stop the clock (the cache's and the throttle's), so that a test's lookups all happen
    at the same second; then move it forward by a timedelta."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)

    def move(delta: timedelta) -> None:
        monkeypatch.setattr(time, "time", lambda: now + delta.total_seconds())

    return move


def test_repeated_unknown_tokens_are_refused_with_429_and_retry_after(later, link):
    assert guess(SHARE_LIMIT) == [404] * SHARE_LIMIT
    response = look_up("unknown-again")
    assert response.status_code == 429
    assert response["Retry-After"] == str(int(SHARE_WINDOW.total_seconds()))
    assert '<html lang="fr">' in response.text
    assert "Trop de liens inconnus" in response.text
    assert "Réessayez dans 10 minutes" in response.text


def test_the_refusal_is_private_like_every_share_response(link):
    guess(SHARE_LIMIT)
    response = look_up("unknown-again")
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("suffix", ["", "allocation.json"])
def test_a_blocked_address_is_refused_a_valid_token_too(link, suffix):
    guess(SHARE_LIMIT)
    valid = look_up(link.token, suffix=suffix)
    unknown = look_up("unknown-again", suffix=suffix)
    # The same answer either way: a blocked guesser cannot tell a hit from a miss.
    assert valid.status_code == unknown.status_code == 429
    assert valid["Retry-After"] == unknown["Retry-After"]
    assert valid.content == unknown.content


def test_other_addresses_are_not_affected(link):
    guess(SHARE_LIMIT * 2)
    assert look_up(link.token, address=ELSEWHERE).status_code == 200
    assert look_up("unknown", address=ELSEWHERE).status_code == 404


def test_a_forwarded_for_header_does_not_get_around_the_block(link):
    guess(SHARE_LIMIT)
    response = Client().get(
        link.get_absolute_url(), REMOTE_ADDR=HERE, headers={"X-Forwarded-For": ELSEWHERE}
    )
    assert response.status_code == 429


def test_behind_a_proxy_each_forwarded_client_is_counted_on_its_own(link, settings):
    settings.TIERSLIEUX_PROXY_COUNT = 1  # the address the proxy appended, as for logins

    def look_up_via_proxy(token: str, client_address: str) -> int:
        headers = {"X-Forwarded-For": client_address}
        return Client().get(f"/s/{token}/", REMOTE_ADDR=HERE, headers=headers).status_code

    assert [look_up_via_proxy(f"x{n}", "203.0.113.9") for n in range(SHARE_LIMIT)] == [
        404
    ] * SHARE_LIMIT
    assert look_up_via_proxy(link.token, "203.0.113.9") == 429
    assert look_up_via_proxy(link.token, "198.51.100.7") == 200
    # A guesser writing its own X-Forwarded-For stays who the proxy says it is.
    assert look_up_via_proxy(link.token, "198.51.100.7, 203.0.113.9") == 429


def test_revoked_tokens_count_as_failures(link):
    link.revoke()
    assert [look_up(link.token).status_code for _ in range(SHARE_LIMIT)] == [404] * SHARE_LIMIT
    assert look_up(link.token).status_code == 429


def test_malformed_tokens_are_counted_without_being_looked_up(link):
    # A NUL in the token used to fail the query on PostgreSQL (a 500).
    with CaptureQueriesContext(connection) as queries:
        assert look_up("a%00b").status_code == 404
        assert look_up("x" * 65).status_code == 404
        assert look_up("été").status_code == 404
    assert not [q for q in queries if "venues_sharelink" in q["sql"]]
    guess(SHARE_LIMIT - 3)
    assert look_up(link.token).status_code == 429


def test_failures_in_different_server_processes_add_up(link):
    """Each process has its own cache: clearing it stands for the next request being served
    by another gunicorn worker or container."""
    assert guess(SHARE_LIMIT // 2) == [404] * (SHARE_LIMIT // 2)
    cache.clear()
    assert guess(SHARE_LIMIT - SHARE_LIMIT // 2) == [404] * (SHARE_LIMIT - SHARE_LIMIT // 2)
    assert look_up(link.token).status_code == 429


def test_a_process_that_has_not_seen_the_block_refuses_after_one_more_failure(link, later):
    guess(SHARE_LIMIT)
    later(timedelta(minutes=6))
    cache.clear()  # another process
    assert look_up("unknown-again").status_code == 404  # counted, over the limit
    response = look_up(link.token)
    assert response.status_code == 429
    # Until the end of the window the first failure opened, not a new one.
    assert int(response["Retry-After"]) <= 4 * 60


def test_failures_of_windows_that_have_passed_are_deleted(link, later):
    guess(3)
    guess(2, address=ELSEWHERE)
    later(SHARE_WINDOW + timedelta(seconds=1))
    guess(1)
    assert list(ShareLookupFailures.objects.values_list("address", "count")) == [(HERE, 1)]


def test_valid_lookups_do_not_count(link):
    for _ in range(SHARE_LIMIT * 2):
        assert look_up(link.token).status_code == 200
    assert guess(SHARE_LIMIT - 1) == [404] * (SHARE_LIMIT - 1)
    assert look_up(link.token).status_code == 200


def test_a_blocked_address_costs_the_database_nothing(link, django_assert_num_queries):
    guess(SHARE_LIMIT)
    with django_assert_num_queries(0):
        assert look_up("unknown-again").status_code == 429
        assert look_up(link.token).status_code == 429


def test_the_throttle_adds_no_query_to_a_valid_lookup(link, django_assert_max_num_queries):
    look_up(link.token)  # whatever the share page keeps between requests, keep it now
    with CaptureQueriesContext(connection) as before:
        assert look_up(link.token).status_code == 200
    guess(SHARE_LIMIT - 1)
    with CaptureQueriesContext(connection) as after:
        assert look_up(link.token).status_code == 200
    assert len(after) == len(before)
    with django_assert_max_num_queries(3):  # tests/test_share.py pins the share page at 3
        assert look_up(link.token).status_code == 200


def test_it_works_again_once_the_window_has_passed(link, later):
    guess(SHARE_LIMIT)
    later(SHARE_WINDOW + timedelta(seconds=1))
    assert look_up(link.token).status_code == 200
    assert guess(SHARE_LIMIT - 1) == [404] * (SHARE_LIMIT - 1)  # a new window, counted afresh


def test_the_block_holds_until_the_window_has_passed(link, later):
    guess(SHARE_LIMIT)
    later(SHARE_WINDOW - timedelta(minutes=4))
    response = look_up(link.token)
    assert response.status_code == 429
    assert response["Retry-After"] == str(4 * 60)
    assert "Réessayez dans 4 minutes" in response.text


def test_the_window_starts_with_the_first_failure(link, later):
    guess(SHARE_LIMIT - 1)
    later(SHARE_WINDOW + timedelta(seconds=1))
    assert guess(1) == [404]  # the earlier failures have expired with their window
    assert look_up(link.token).status_code == 200


def test_the_limit_is_configurable(later, link, settings):
    settings.SHARE_FAILURE_LIMIT = 3
    settings.SHARE_FAILURE_WINDOW_MINUTES = 1
    assert guess(3) == [404] * 3
    response = look_up(link.token)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Réessayez dans 1 minute," in response.text


def _settings_in_a_new_process(**env: str) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.SHARE_FAILURE_LIMIT)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tierslieux.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_limit_is_read_from_the_environment():
    result = _settings_in_a_new_process(TIERSLIEUX_SHARE_FAILURE_LIMIT="7")
    assert result.stdout.strip() == "7", result.stderr
    refused = _settings_in_a_new_process(TIERSLIEUX_SHARE_FAILURE_LIMIT="0")
    assert refused.returncode != 0
    assert "TIERSLIEUX_SHARE_FAILURE_LIMIT" in refused.stderr
