"""Which address logins and share links are throttled by: the connection's, or behind trusted
proxies (TIERSLIEUX_PROXY_COUNT) the one they appended to X-Forwarded-For, never one a client
wrote there itself."""

import pytest
from django.test import RequestFactory

from venues.lockout import client_address

PROXY = "10.0.0.2"


def address(forwarded: str | None, **meta) -> str | None:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", headers=headers, REMOTE_ADDR=PROXY, **meta))


def test_without_a_proxy_the_connections_address_counts_whatever_the_header_says(settings):
    settings.TIERSLIEUX_PROXY_COUNT = 0
    assert address("6.6.6.6") == PROXY
    assert address(None) == PROXY


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own header is ignored
        ("1.1.1.1, 6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (None, PROXY),
        ("", PROXY),
    ],
)
def test_behind_one_proxy_the_address_it_appended_counts(settings, forwarded, expected):
    settings.TIERSLIEUX_PROXY_COUNT = 1
    assert address(forwarded) == expected


def test_behind_two_proxies_the_outer_ones_entry_counts(settings):
    settings.TIERSLIEUX_PROXY_COUNT = 2
    assert address("6.6.6.6, 203.0.113.9, 10.0.0.1") == "203.0.113.9"


@pytest.mark.django_db
def test_logins_are_throttled_per_forwarded_client_behind_a_proxy(settings, client, alice):
    settings.TIERSLIEUX_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3

    def log_in(password: str, forwarded: str) -> int:
        data = {"username": "alice", "password": password}
        return client.post(
            "/accounts/login/", data, REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": forwarded}
        ).status_code

    # The same client, spoofing a new address in each request, is still locked out.
    assert [log_in("wrong", f"9.9.9.{n}, 203.0.113.9") for n in range(4)] == [200, 200, 429, 429]
    # Another client behind the same proxy logs in.
    assert log_in("alice-password", "198.51.100.7") == 302
