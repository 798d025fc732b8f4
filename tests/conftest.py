"""Personas, as in healthchecks: alice owns the venue, bob edits it, victor views it,
charlie is a stranger to it (and owns a venue of his own)."""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from venues.models import Membership, Role, Venue


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
def charlies_venue(charlie) -> Venue:
    venue = Venue.objects.create(name="Chez Charlie", total_surface_m2=Decimal("80"))
    Membership.objects.create(user=charlie, venue=venue, role=Role.OWNER)
    return venue


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


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
