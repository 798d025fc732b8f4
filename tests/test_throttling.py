"""Login throttling (SPEC §7) by django-axes: a username is locked from one address for a while
after repeated failures, with a 429 and Retry-After, and without revealing which accounts exist."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import translation

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
