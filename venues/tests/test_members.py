"""The members page: every member sees who has access and with which role; an owner changes
roles, removes people and transfers ownership; anyone may leave; a venue always keeps an owner
(venues/team.py). Each change is in the journal."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.helpers import logged_in
from venues.models import Change, Membership, Role, Venue

pytestmark = pytest.mark.django_db


def membership(venue: Venue, user: User) -> Membership:
    return Membership.objects.get(venue=venue, user=user)


def role_of(venue: Venue, user: User) -> str | None:
    found = Membership.objects.filter(venue=venue, user=user).first()
    return found.role if found else None


def last(venue: Venue) -> Change:
    return venue.changes.latest("pk")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("persona", ["alice", "bob", "victor"])
def test_every_member_sees_who_has_access_and_with_which_role(client, venue, persona):
    client.force_login(User.objects.get(username=persona))
    response = client.get(reverse("members", args=[venue.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    for name, role in (("alice", "Propriétaire"), ("bob", "Éditeur"), ("victor", "Lecture seule")):
        assert name in text and role in text
    owner_tools = reverse(
        "member_role", args=[venue.pk, membership(venue, User.objects.get(username="bob")).pk]
    )
    assert (owner_tools in text) == (persona == "alice")
    assert (reverse("invite", args=[venue.pk]) in text) == (persona == "alice")


def test_the_venue_page_links_to_its_members_and_its_journal(victor_client, venue):
    text = victor_client.get(venue.get_absolute_url()).content.decode()
    assert reverse("members", args=[venue.pk]) in text
    assert reverse("venue_journal", args=[venue.pk]) in text


def test_an_owner_changes_a_role_and_the_journal_says_from_what_to_what(
    alice_client, alice, bob, venue
):
    response = alice_client.post(
        reverse("member_role", args=[venue.pk, membership(venue, bob).pk]),
        {"role": "viewer"},
        follow=True,
    )
    assert role_of(venue, bob) == Role.VIEWER
    assert "bob a maintenant le rôle « Lecture seule »." in messages_of(response)
    change = last(venue)
    assert (change.actor, change.action, change.model, change.label) == (
        alice,
        "changed",
        "venues.membership",
        "bob",
    )
    assert change.fields == [["role", "editor", "viewer"]]


def test_an_unknown_role_is_refused_with_a_message(alice_client, bob, venue):
    response = alice_client.post(
        reverse("member_role", args=[venue.pk, membership(venue, bob).pk]),
        {"role": "admin"},
        follow=True,
    )
    assert role_of(venue, bob) == Role.EDITOR
    assert "Choisissez un rôle de la liste." in messages_of(response)


def test_an_owner_removes_someone(alice_client, bob, venue):
    alice_client.post(reverse("member_remove", args=[venue.pk, membership(venue, bob).pk]))
    assert role_of(venue, bob) is None
    change = last(venue)
    assert (change.action, change.label, change.fields) == (
        "deleted",
        "bob",
        [["role", "editor", ""]],
    )
    assert logged_in(bob).get(venue.get_absolute_url()).status_code == 404


def test_transferring_ownership_makes_the_successor_owner_and_the_owner_an_editor(
    alice_client, alice, victor, venue
):
    alice_client.post(reverse("member_transfer", args=[venue.pk, membership(venue, victor).pk]))
    assert (role_of(venue, victor), role_of(venue, alice)) == (Role.OWNER, Role.EDITOR)
    assert [c.fields for c in venue.changes.order_by("-pk")[:2]] == [
        [["role", "owner", "editor"]],
        [["role", "viewer", "owner"]],
    ]


def test_any_member_can_leave(victor_client, victor, venue):
    response = victor_client.post(reverse("member_leave", args=[venue.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("venue_list")
    assert role_of(venue, victor) is None
    change = last(venue)
    assert (change.actor, change.action, change.label) == (victor, "left", "victor")


@pytest.mark.parametrize(
    "action",
    ["demote", "remove", "leave"],
)
def test_the_last_owner_cannot_go_and_is_told_why(alice_client, alice, venue, action):
    own = membership(venue, alice)
    url, data = {
        "demote": (reverse("member_role", args=[venue.pk, own.pk]), {"role": "editor"}),
        "remove": (reverse("member_remove", args=[venue.pk, own.pk]), {}),
        "leave": (reverse("member_leave", args=[venue.pk]), {}),
    }[action]
    before = venue.changes.count()
    response = alice_client.post(url, data, follow=True)
    assert role_of(venue, alice) == Role.OWNER
    assert venue.changes.count() == before
    assert any("dernier propriétaire" in m for m in messages_of(response))


def test_with_a_second_owner_an_owner_can_step_down(alice_client, alice, bob, venue):
    Membership.objects.filter(venue=venue, user=bob).update(role=Role.OWNER)
    alice_client.post(
        reverse("member_role", args=[venue.pk, membership(venue, alice).pk]), {"role": "viewer"}
    )
    assert role_of(venue, alice) == Role.VIEWER
    assert logged_in(bob).post(reverse("member_leave", args=[venue.pk])).status_code == 302
    assert role_of(venue, bob) == Role.OWNER  # now the last owner: refused


def test_another_venues_membership_answers_404(alice_client, charlie, charlies_venue, venue):
    theirs = membership(charlies_venue, charlie)
    for name in ("member_role", "member_remove", "member_transfer"):
        response = alice_client.post(reverse(name, args=[venue.pk, theirs.pk]), {"role": "viewer"})
        assert response.status_code == 404
    assert role_of(charlies_venue, charlie) == Role.OWNER


@pytest.mark.parametrize("count", [3, 30])
def test_the_members_page_runs_the_same_queries_whatever_the_team(
    alice_client, venue, django_assert_num_queries, count
):
    for index in range(count - 3):
        user = User.objects.create_user(f"member{index}", f"m{index}@example.org")
        Membership.objects.create(venue=venue, user=user, role=Role.VIEWER)
    alice_client.get(reverse("members", args=[venue.pk]))  # the session, warm
    with django_assert_num_queries(4):  # session with its user, venue, members, invitations
        response = alice_client.get(reverse("members", args=[venue.pk]))
    assert response.content.decode().count("<tr>") == count + 1
