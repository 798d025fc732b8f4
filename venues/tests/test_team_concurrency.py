"""Two owners changing the team at the same moment never leave a venue without an owner: each
change runs under the venue's lock and checks the rule against the memberships it reads after it
(venues/team.py). Races as in costing/tests/test_concurrency.py: the first writer is held inside
its transaction until the second waits for the venue's lock. PostgreSQL only (see there)."""

import os

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from costing.tests.test_concurrency import Hold, _held
from tests.helpers import logged_in, post_at_once
from venues.models import Membership, Role, Venue

REQUIRED = bool(os.environ.get("TIERSLIEUX_REQUIRE_POSTGRES"))

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not REQUIRED,
        reason="needs PostgreSQL (DATABASE_URL=postgres://…); CI's PostgreSQL pass runs it",
    ),
]


@pytest.fixture(autouse=True)
def _on_postgresql():
    if connection.vendor != "postgresql":
        pytest.fail("TIERSLIEUX_REQUIRE_POSTGRES is set: run with DATABASE_URL=postgres://…")


@pytest.fixture
def two_owners(venue, alice, bob) -> Venue:
    Membership.objects.filter(venue=venue, user=bob).update(role=Role.OWNER)
    return venue


@pytest.fixture
def race(monkeypatch):
    """race((client, url, data), …) posts them all at the same moment, the first membership
    write held until another request waits for the venue's lock; returns the responses."""

    def run(*posts: tuple[Client, str, dict]) -> list:
        hold = Hold()
        for name in ("save", "delete"):
            monkeypatch.setattr(Membership, name, _held(getattr(Membership, name), hold))
        results = post_at_once(posts)
        assert hold.second_writer_waited, "the second change never waited for the first"
        return results

    return run


def owners(venue: Venue) -> list[str]:
    memberships = Membership.objects.filter(venue=venue, role=Role.OWNER)
    return sorted(memberships.values_list("user__username", flat=True))


def membership_of(venue: Venue, user) -> Membership:
    return Membership.objects.get(venue=venue, user=user)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(race, two_owners, alice, bob):
    venue = two_owners
    responses = race(
        (
            logged_in(alice),
            reverse("member_role", args=[venue.pk, membership_of(venue, bob).pk]),
            {"role": "editor"},
        ),
        (
            logged_in(bob),
            reverse("member_role", args=[venue.pk, membership_of(venue, alice).pk]),
            {"role": "editor"},
        ),
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert len(owners(venue)) == 1
    assert venue.changes.filter(model="venues.membership").count() == 1


def test_two_owners_leaving_at_once_leave_one_owner(race, two_owners, alice, bob):
    venue = two_owners
    url = reverse("member_leave", args=[venue.pk])
    race((logged_in(alice), url, {}), (logged_in(bob), url, {}))
    assert len(owners(venue)) == 1
    assert venue.changes.filter(action="left").count() == 1


def test_two_owners_removing_each_other_at_once_leave_one_owner(race, two_owners, alice, bob):
    venue = two_owners
    race(
        (
            logged_in(alice),
            reverse("member_remove", args=[venue.pk, membership_of(venue, bob).pk]),
            {},
        ),
        (
            logged_in(bob),
            reverse("member_remove", args=[venue.pk, membership_of(venue, alice).pk]),
            {},
        ),
    )
    assert len(owners(venue)) == 1
    assert venue.changes.filter(action="deleted").count() == 1


def test_an_owner_stepping_down_while_the_other_leaves_keeps_one_owner(
    race, two_owners, alice, bob
):
    venue = two_owners
    race(
        (
            logged_in(alice),
            reverse("member_role", args=[venue.pk, membership_of(venue, alice).pk]),
            {"role": "viewer"},
        ),
        (logged_in(bob), reverse("member_leave", args=[venue.pk]), {}),
    )
    assert len(owners(venue)) == 1


def test_an_invitation_accepted_twice_at_once_joins_once(race, venue, alice, charlie, monkeypatch):
    from django.core import mail

    logged_in(alice).post(
        reverse("invite", args=[venue.pk]), {"email": "c@example.org", "role": "editor"}
    )
    link = mail.outbox[-1].body.split("testserver", 1)[1].split()[0]
    race((logged_in(charlie), link, {}), (logged_in(charlie), link, {}))
    assert Membership.objects.filter(venue=venue, user=charlie).count() == 1
    assert venue.changes.filter(action="joined").count() == 1
