"""The page cache (venues/pagecache.py): what one visit sees is never another's, and no text a
user typed is ever taken for a per-request value."""

import re

import pytest
from django.core.cache import caches
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from costing.models import CostItem
from tests.helpers import rent
from venues.models import ShareLink
from venues.pagecache import BoundedLocMemCache

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HX_HEADERS = re.compile(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'')
NONCE = re.compile(r'nonce="([^"]+)"')


def _visit(user, url: str) -> tuple[Client, str, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return client, response.text, response.headers.get("Content-Security-Policy", "")


def test_two_visitors_of_one_cached_page_each_find_only_their_own_request_parts(
    alice, bob, example
):
    url = example.get_absolute_url()
    pages = {user.username: _visit(user, url) for user in (alice, bob, alice)}  # 3rd: cached
    for name, (client, page, policy) in pages.items():
        secret = client.cookies["csrftoken"].value
        tokens = CSRF_INPUT.findall(page) + HX_HEADERS.findall(page)
        assert len(tokens) > 10
        # Every token on the page is this browser's: unmasked, it gives its own cookie's secret.
        assert {_unmask_cipher_token(token) for token in tokens} == {secret}
        assert f">{name}</a>" in page
        other = "bob" if name == "alice" else "alice"
        assert f">{other}</a>" not in page
        nonces = set(NONCE.findall(page))
        assert all(f"'nonce-{nonce}'" in policy for nonce in nonces)
        assert "tierslieux-hole" not in page
    alice_nonces = set(NONCE.findall(pages["alice"][1]))
    assert alice_nonces.isdisjoint(NONCE.findall(pages["bob"][1]))


def test_the_second_visit_comes_from_the_cache(alice_client, example, django_assert_num_queries):
    alice_client.get(example.get_absolute_url())
    with django_assert_num_queries(
        2
    ):  # session with its user, venue: nothing rendered from the rows
        alice_client.get(example.get_absolute_url())


@pytest.mark.parametrize(
    "label",
    [
        "<tierslieux-hole csrf_token>",
        "<tierslieux-hole username>",
        "csrf-token-placeholder-5f0c2e",  # the placeholder of the earlier page cache
        "&lt;tierslieux-hole csrf_token&gt;",
    ],
)
def test_a_label_spelled_like_a_hole_is_shown_as_typed(alice, example, label):
    CostItem.objects.filter(pk=rent(example).pk).update(label=label)
    for _ in range(2):  # rendered, then from the cache
        client, page, _policy = _visit(alice, example.get_absolute_url())
        secret = client.cookies["csrftoken"].value
        assert {_unmask_cipher_token(t) for t in CSRF_INPUT.findall(page)} == {secret}
        assert (
            page.count(
                f'value="{label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}"'
            )
            == 1
        )


def test_the_share_page_is_the_same_for_every_link_and_holds_nothing_of_a_visit(client, example):
    first = ShareLink.objects.create(venue=example, label="AG")
    second = ShareLink.objects.create(venue=example, label="Résidents")
    pages = [client.get(reverse("share_page", args=[link.token])).text for link in (first, second)]
    assert pages[0] == pages[1]
    assert "csrfmiddlewaretoken" not in pages[0] and "tierslieux-hole" not in pages[0]


@pytest.fixture
def small_cache():
    cache = BoundedLocMemCache("test-bounded", {"OPTIONS": {"MAX_BYTES": 10_000}})
    cache.clear()
    yield cache
    cache.clear()


def test_the_cache_holds_no_more_bytes_than_its_budget(small_cache):
    for n in range(50):
        small_cache.set(f"page-{n}", b"x" * 900)
    kept = [n for n in range(50) if small_cache.get(f"page-{n}") is not None]
    assert 5 <= len(kept) <= 10
    assert kept == list(range(50 - len(kept), 50))  # the least recently used went first
    assert small_cache._total[0] <= 10_000


def test_the_cache_keeps_what_was_read_lately(small_cache):
    for n in range(9):
        small_cache.set(f"page-{n}", b"x" * 900)
    small_cache.get("page-0")
    small_cache.set("page-9", b"x" * 900)
    small_cache.set("page-10", b"x" * 900)
    assert small_cache.get("page-0") is not None
    assert small_cache.get("page-1") is None


def test_the_cache_does_not_keep_an_entry_too_large_for_it(small_cache):
    small_cache.set("page", b"small")
    small_cache.set("page", b"x" * 2_000)  # over a tenth of the budget
    assert small_cache.get("page") is None
    assert small_cache.get_or_set("other", lambda: b"y" * 2_000) == b"y" * 2_000
    assert small_cache.get("other") is None
    assert small_cache._total[0] == 0


def test_the_project_cache_is_bounded_in_bytes():
    assert isinstance(caches["default"], BoundedLocMemCache)
    assert caches["default"]._max_bytes >= 16 * 2**20


def test_the_project_cache_keeps_every_row_of_hundreds_of_venues_while_its_bytes_last(settings):
    """Bounded by bytes, not by a count of entries: with Django's 300 (or 1 000) entries, the
    rows of the 60th venue pushed out the first's, and every workspace re-rendered its rows."""
    cache = BoundedLocMemCache("test-capacity", settings.CACHES["default"])
    cache.clear()
    venues, entries = 400, 15  # a workspace and a share page, 10 items and 3 categories
    for venue in range(venues):
        cache.set_many({f"venue-{venue}-{n}": "x" * 2_000 for n in range(entries)})
    try:
        assert all(cache.get(f"venue-{v}-{n}") for v in range(venues) for n in range(entries))
    finally:
        cache.clear()
