"""The suite's fixtures, for every app's tests and the system tests (tests/): personas, as in
healthchecks (alice owns the venue, bob edits it, victor views it, charlie is a stranger to it
and owns a venue of his own), their venues and logged-in clients, and a browser. Helpers that
are not fixtures live in tests/helpers.py."""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from costing.documents import load_venue_document
from costing.examples import WORKED_EXAMPLE
from costing.models import CostItem, MemberCategory, OtherRevenue, create_venue
from periods.forms import previous_month
from periods.models import close_period
from tests.helpers import logged_in
from venues.models import Membership, Role, ShareLink, Venue


def pytest_configure(config):
    # The suite does not run collectstatic: serve static names as they are. The production
    # storage (hashed, compressed names) is proven by tests/test_production.py under gunicorn.
    django_settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing cached (pages, throttling counters, template fragments)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def _user(username: str) -> User:
    return User.objects.create_user(username, f"{username}@example.org", f"{username}-password")


@pytest.fixture
def alice(db) -> User:
    return _user("alice")


@pytest.fixture
def bob(db) -> User:
    return _user("bob")


@pytest.fixture
def victor(db) -> User:
    return _user("victor")


@pytest.fixture
def charlie(db) -> User:
    return _user("charlie")


@pytest.fixture
def venue(alice, bob, victor) -> Venue:
    venue = Venue.objects.create(name="La Fabrique", total_surface_m2=Decimal("300"))
    Membership.objects.create(user=alice, venue=venue, role=Role.OWNER)
    Membership.objects.create(user=bob, venue=venue, role=Role.EDITOR)
    Membership.objects.create(user=victor, venue=venue, role=Role.VIEWER)
    return venue


@pytest.fixture
def example(alice, bob, victor) -> Venue:
    """The method's worked example, owned by alice, edited by bob, viewed by victor."""
    venue = create_venue(load_venue_document(WORKED_EXAMPLE.read_bytes()), owner=alice)
    Membership.objects.create(user=bob, venue=venue, role=Role.EDITOR)
    Membership.objects.create(user=victor, venue=venue, role=Role.VIEWER)
    return venue


@pytest.fixture
def charlies_venue(charlie) -> Venue:
    venue = Venue.objects.create(name="Chez Charlie", total_surface_m2=Decimal("80"))
    Membership.objects.create(user=charlie, venue=venue, role=Role.OWNER)
    return venue


@pytest.fixture
def world(venue) -> dict:
    """A venue with one item, one category, one share link and one closed month: what every
    venue URL names (tests/test_access_matrix.py)."""
    item = CostItem.objects.create(venue=venue, label="Loyer", pool="infrastructure", amount=900)
    category = MemberCategory.objects.create(venue=venue, name="Résidents", surface_share_pct=50)
    link = ShareLink.objects.create(venue=venue, label="AG")
    period = close_period(venue, previous_month())  # a closed month, for the periods' URLs
    revenue = OtherRevenue.objects.create(venue=venue, label="Subvention", amount=500)
    scenario = Venue.objects.create(name="Loyer +10 %", total_surface_m2=300, scenario_of=venue)
    return {
        "venue": venue, "item": item, "category": category, "link": link, "period": period,
        "revenue": revenue, "scenario": scenario,
    }  # fmt: skip


@pytest.fixture
def alice_client(alice) -> Client:
    return logged_in(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return logged_in(bob)


@pytest.fixture
def victor_client(victor) -> Client:
    return logged_in(victor)


@pytest.fixture
def charlie_client(charlie) -> Client:
    return logged_in(charlie)


@pytest.fixture
def browser_page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    from tests import browser as browser_support

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(browser_support.CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
        page.errors = errors  # a test that provokes an error checks and clears what it expects
        yield page
        browser.close()
        assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def page_without_javascript(live_server, monkeypatch):
    """A Chromium page with JavaScript off: every form must work without it."""
    from playwright.sync_api import sync_playwright

    from tests import browser as browser_support

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(browser_support.CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """PostgreSQL runs with a psycopg pool whose connections would keep the test database
    busy when pytest-django drops it at the end of the session. Closing the pool leaves the
    connections still lent out open, and Playwright's sync API runs tests in other contexts
    than this one, each with its own connection (asgiref's Local), out of reach here: end
    whatever is left on the test database."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            if getattr(connection, "pool", None) is None:
                continue
            name = connection.settings_dict["NAME"]
            connection.close()
            connection.close_pool()
            with connection._nodb_cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
