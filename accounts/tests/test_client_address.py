"""Which address logins, sign-ups, password resets and share links are throttled by: the
connection's, or behind trusted proxies (TIERSLIEUX_PROXY_COUNT) the one they appended to
X-Forwarded-For, never one a client wrote there itself, and never anything but an IP address."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from accounts.lockout import client_address
from accounts.models import AddressCounter

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


@pytest.mark.parametrize(
    ("hop", "expected"),
    [
        ("203.0.113.9:4711", "203.0.113.9"),  # a port, as some proxies write it
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:DB8:0:0::1]", "2001:db8::1"),  # one address, one way of writing it
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),  # IPv4 written as IPv6 is the IPv4 client
        ("  203.0.113.9\t", "203.0.113.9"),
    ],
)
def test_the_forwarded_address_is_read_as_proxies_write_it(settings, hop, expected):
    settings.TIERSLIEUX_PROXY_COUNT = 1
    assert address(f"6.6.6.6, {hop}") == expected


HOSTILE = [
    "1" * 10_000,
    "1.2.3.4, " * 2_000 + "203.0.113.9",  # a valid last hop, in a header no proxy writes
    "1.2.3.4, <script>",
    "<script>alert(1)</script>",
    "::1%eth0",
    "fe80::1%1",
    "١٩٢.١٦٨.٠.١",  # Arabic-Indic digits
    "１.２.３.４",  # fullwidth digits
    "1.2.3.4:٨٠",
    "203.0.113.9:99999999",
    "[2001:db8::1",
    "unknown",
    "1.2.3.4, ",
    ",",
    " ",
    "'; DROP TABLE axes_accessattempt; --",
    "1.2.3.4\x00",
]


@pytest.mark.parametrize("forwarded", HOSTILE)
def test_a_hostile_forwarded_header_counts_as_the_connections_address(settings, forwarded):
    settings.TIERSLIEUX_PROXY_COUNT = 1
    assert address(forwarded) == PROXY


def test_a_chain_shorter_than_the_proxies_counts_as_the_connections_address(settings):
    settings.TIERSLIEUX_PROXY_COUNT = 2
    assert address("203.0.113.9") == PROXY


def test_a_connection_without_an_address_has_none(settings):
    # gunicorn on a Unix socket gives an empty REMOTE_ADDR.
    settings.TIERSLIEUX_PROXY_COUNT = 0
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="")) is None


@pytest.mark.django_db
@pytest.mark.parametrize("forwarded", HOSTILE)
def test_hostile_headers_never_fail_a_login_nor_store_garbage(settings, client, alice, forwarded):
    """On PostgreSQL django-axes stores the address in an `inet` column: an unparsed header
    there failed the request with a 500."""
    settings.TIERSLIEUX_PROXY_COUNT = 1
    headers = {"X-Forwarded-For": forwarded}
    data = {"username": "alice", "password": "wrong"}
    response = client.post("/accounts/login/", data, REMOTE_ADDR=PROXY, headers=headers)
    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY]
    share = client.get("/s/unknown-token/", REMOTE_ADDR=PROXY, headers=headers)
    assert share.status_code == 404
    assert list(AddressCounter.objects.values_list("address", flat=True)) == [PROXY]
    signup = client.post("/accounts/signup/", {}, REMOTE_ADDR=PROXY, headers=headers)
    assert signup.status_code == 200
    assert set(AddressCounter.objects.values_list("address", flat=True)) == {PROXY}
