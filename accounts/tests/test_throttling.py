"""Login throttling by django-axes: a username is locked from one address for a while
after repeated failures, and an address after many failures whatever the usernames, with a 429
and Retry-After, and without revealing which accounts exist. Share links: an address that opens
too many unknown tokens is refused every /s/ lookup for a while; sign-ups and password resets
are limited per address (venues/throttle.py)."""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.forms import LoginForm
from accounts.models import AddressCounter
from venues.models import ShareLink

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
        message = LoginForm.error_messages["invalid_login"]
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
    assert fail(client, "alice", LIMIT + 3) == [200] * (LIMIT - 1) + [429] * 4
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


# Failed logins per address, all usernames together.

ADDRESS_LIMIT = 30


@pytest.fixture(autouse=True)
def _address_throttling(settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT


def spray(times: int, address: str = HERE) -> list[int]:
    """One wrong password for each of `times` usernames, as a guesser trying one common
    password on many accounts does; the status codes answered."""
    return [
        log_in(Client(), f"user{n}", "wrong-password", address).status_code for n in range(times)
    ]


def test_an_address_trying_many_usernames_is_locked_out(alice):
    statuses = spray(ADDRESS_LIMIT + 5)
    assert statuses == [200] * (ADDRESS_LIMIT - 1) + [429] * 6
    response = log_in(Client(), "alice", "alice-password")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == COOL_OFF.total_seconds()
    assert "Trop de tentatives de connexion" in response.text


def test_an_office_behind_one_address_may_mistype_many_times(alice, bob):
    # Ten colleagues behind one NAT, each mistyping twice before getting it right.
    for n in range(10):
        assert fail(Client(), f"colleague{n}", 2) == [200, 200]
    assert log_in(Client(), "alice", "alice-password").status_code == 302
    assert fail(Client(), "bob", 2) == [200, 200]
    assert log_in(Client(), "bob", "bob-password").status_code == 302


def test_an_address_locked_out_does_not_lock_other_addresses(alice):
    spray(ADDRESS_LIMIT)
    assert log_in(Client(), "alice", "alice-password", address=ELSEWHERE).status_code == 302


def test_a_successful_login_does_not_reset_the_addresss_failures(alice):
    """Otherwise a guesser with an account of its own would log in between two series."""
    spray(ADDRESS_LIMIT - 1)
    assert log_in(Client(), "alice", "alice-password").status_code == 302
    assert spray(1) == [429]


def test_the_addresss_failures_expire_with_the_cool_off(alice):
    spray(ADDRESS_LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOL_OFF - timedelta(seconds=1))
    assert log_in(Client(), "alice", "alice-password").status_code == 302


def test_the_address_limit_is_configurable(alice, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    assert spray(4) == [200, 200, 429, 429]


def test_counting_the_address_adds_no_query_to_a_login(alice):
    # django-axes' own count (one aggregate before authenticating) now counts both.
    log_in(Client(), "alice", "alice-password")  # whatever a first login sets up
    with CaptureQueriesContext(connection) as queries:
        assert log_in(Client(), "alice", "alice-password").status_code == 302
    counts = [q["sql"] for q in queries if "axes_accessattempt" in q["sql"] and "SUM" in q["sql"]]
    assert len(counts) == 1


# Sign-up and password reset: every request counted per address.

SIGNUP, RESET = "/accounts/signup/", "/accounts/password_reset/"
REQUEST_LIMIT = 10


@pytest.fixture(autouse=True)
def _request_throttling(settings):
    settings.SIGNUP_LIMIT = settings.PASSWORD_RESET_LIMIT = REQUEST_LIMIT
    settings.SIGNUP_WINDOW_MINUTES = settings.PASSWORD_RESET_WINDOW_MINUTES = 60


def sign_up(username: str, address: str = HERE):
    data = {
        "username": username,
        "email": f"{username}@example.org",
        "password1": "un mot de passe solide",
        "password2": "un mot de passe solide",
    }
    return Client().post(SIGNUP, data, REMOTE_ADDR=address)


def reset(email: str, address: str = HERE):
    return Client().post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_sign_ups_past_the_limit_are_refused_with_429_in_french(later):
    assert [sign_up(f"zoe{n}").status_code for n in range(REQUEST_LIMIT)] == [302] * 10
    response = sign_up("one-too-many")
    assert response.status_code == 429
    assert response["Retry-After"] == str(60 * 60)
    assert '<html lang="fr">' in response.text
    assert "Trop de demandes" in response.text
    assert "Réessayez dans 60 minutes" in response.text
    assert not User.objects.filter(username="one-too-many").exists()


def test_invalid_sign_ups_count_too(alice):
    """An invalid sign-up tells whether a username is taken: probing them is throttled."""
    taken = [sign_up("alice").status_code for _ in range(REQUEST_LIMIT)]
    assert taken == [200] * REQUEST_LIMIT
    assert sign_up("zoe").status_code == 429


def test_the_sign_up_page_itself_is_not_counted():
    for _ in range(REQUEST_LIMIT * 2):
        assert Client().get(SIGNUP, REMOTE_ADDR=HERE).status_code == 200
    assert sign_up("zoe").status_code == 302


def test_sign_ups_from_other_addresses_are_not_affected():
    [sign_up(f"zoe{n}") for n in range(REQUEST_LIMIT + 1)]
    assert sign_up("yann", address=ELSEWHERE).status_code == 302


def test_sign_ups_in_different_server_processes_add_up():
    [sign_up(f"zoe{n}") for n in range(REQUEST_LIMIT // 2)]
    cache.clear()  # the next requests are served by another process
    [sign_up(f"yann{n}") for n in range(REQUEST_LIMIT - REQUEST_LIMIT // 2)]
    cache.clear()
    assert sign_up("one-too-many").status_code == 429


def test_sign_ups_work_again_once_the_window_has_passed(later):
    [sign_up(f"zoe{n}") for n in range(REQUEST_LIMIT + 1)]
    later(timedelta(minutes=60, seconds=1))
    assert sign_up("yann").status_code == 302


def test_password_resets_past_the_limit_are_refused_before_any_email(alice, later):
    statuses = [reset("alice@example.org").status_code for _ in range(REQUEST_LIMIT)]
    assert statuses == [302] * REQUEST_LIMIT
    assert len(mail.outbox) == REQUEST_LIMIT
    response = reset("alice@example.org")
    assert response.status_code == 429
    assert response["Retry-After"] == str(60 * 60)
    assert "Trop de demandes" in response.text
    assert len(mail.outbox) == REQUEST_LIMIT


def test_password_reset_refusals_say_nothing_about_accounts(alice):
    """Requests count whether the address has an account or not, and the refusal is the
    same page for both."""
    for n in range(REQUEST_LIMIT // 2):
        assert reset("alice@example.org").status_code == 302
        assert reset(f"nobody{n}@example.org").status_code == 302
    known, unknown = reset("alice@example.org"), reset("nobody@example.org")
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


def test_the_request_limits_are_configurable(settings, later):
    settings.SIGNUP_LIMIT, settings.SIGNUP_WINDOW_MINUTES = 2, 1
    settings.PASSWORD_RESET_LIMIT = 1
    assert [sign_up(f"zoe{n}").status_code for n in range(3)] == [302, 302, 429]
    assert sign_up("x")["Retry-After"] == "60"
    assert [reset("x@example.org").status_code for _ in range(2)] == [302, 429]


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
    assert list(AddressCounter.objects.values_list("scope", "address", "count")) == [
        ("share_failure", HERE, 1)
    ]


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
    names = ["SHARE_FAILURE_LIMIT", "LOGIN_ADDRESS_FAILURE_LIMIT", "SIGNUP_LIMIT"]
    names += ["SIGNUP_WINDOW_MINUTES", "PASSWORD_RESET_LIMIT", "PASSWORD_RESET_WINDOW_MINUTES"]
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names}])"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("TIERSLIEUX_")},
            "DJANGO_SETTINGS_MODULE": "tierslieux.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_limits_are_read_from_the_environment():
    result = _settings_in_a_new_process(
        TIERSLIEUX_SHARE_FAILURE_LIMIT="7",
        TIERSLIEUX_LOGIN_ADDRESS_FAILURE_LIMIT="40",
        TIERSLIEUX_SIGNUP_LIMIT="3",
        TIERSLIEUX_SIGNUP_WINDOW_MINUTES="30",
        TIERSLIEUX_PASSWORD_RESET_LIMIT="4",
        TIERSLIEUX_PASSWORD_RESET_WINDOW_MINUTES="20",
    )
    assert result.stdout.strip() == "[7, 40, 3, 30, 4, 20]", result.stderr


def test_the_limits_default_to_what_an_office_never_reaches_by_accident():
    result = _settings_in_a_new_process()
    assert result.stdout.strip() == "[20, 30, 10, 60, 10, 60]", result.stderr


@pytest.mark.parametrize(
    "name", ["SHARE_FAILURE_LIMIT", "LOGIN_ADDRESS_FAILURE_LIMIT", "PASSWORD_RESET_LIMIT"]
)
def test_a_limit_below_one_is_refused(name):
    refused = _settings_in_a_new_process(**{f"TIERSLIEUX_{name}": "0"})
    assert refused.returncode != 0
    assert f"TIERSLIEUX_{name} must be 1 or more" in refused.stderr


def test_the_refusal_speaks_english_to_who_chose_it(settings):
    settings.SIGNUP_LIMIT = 1
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {"username": "zoe"}
    assert client.post(SIGNUP, data, REMOTE_ADDR=HERE).status_code == 200
    response = client.post(SIGNUP, data, REMOTE_ADDR=HERE)
    assert response.status_code == 429
    assert '<html lang="en">' in response.text
    assert "Too many requests" in response.text
    assert "Try again in 60 minutes." in response.text
