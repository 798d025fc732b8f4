"""The journal's page: every member reads who changed what and when, each field before → after,
newest first, a page at a time, in their language; never on the public share page."""

import datetime

import pytest
from django.urls import reverse

from tests.helpers import item_data, rent
from venues import journal as journal_module
from venues.models import Change, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def journal(client, venue: Venue, **params):
    return client.get(reverse("venue_journal", args=[venue.pk]), params)


def edit_rent(client, venue: Venue, amount: str) -> None:
    item = rent(venue)
    client.post(
        reverse("item_edit", args=[venue.pk, item.pk]), item_data(item, amount=amount), headers=HTMX
    )


@pytest.mark.parametrize("persona", ["alice_client", "bob_client", "victor_client"])
def test_every_member_reads_the_journal(request, example, persona):
    response = journal(request.getfixturevalue(persona), example)
    assert response.status_code == 200


def test_an_entry_says_who_when_what_and_each_field_before_and_after(bob_client, example):
    edit_rent(bob_client, example, "1 250,5")
    text = journal(bob_client, example).content.decode()
    assert "bob" in text
    assert "Modification · poste de coût « Loyer du local »" in text
    assert (
        'Montant : <span class="before">1\xa0100,00</span> → '
        '<span class="after">1\xa0250,50</span>' in text
    )
    assert text.count("<time datetime=") == example.changes.count()


def test_the_journal_reads_in_english_when_chosen(bob_client, example):
    edit_rent(bob_client, example, "1250.5")
    bob_client.post(reverse("set_language"), {"language": "en"})
    text = journal(bob_client, example).content.decode()
    assert "Change · cost item “Loyer du local”" in text
    assert '<span class="before">1,100.00</span> → <span class="after">1,250.50</span>' in text


def test_team_changes_read_as_roles(alice_client, example, bob):
    membership = example.memberships.get(user=bob)
    alice_client.post(reverse("member_role", args=[example.pk, membership.pk]), {"role": "viewer"})
    text = journal(alice_client, example).content.decode()
    assert "Modification · accès « bob »" in text
    assert (
        'Rôle : <span class="before">Éditeur</span> → <span class="after">Lecture seule</span>'
        in text
    )


def test_newest_first(alice_client, example):
    for amount in ("1200", "1300"):
        edit_rent(alice_client, example, amount)
    text = journal(alice_client, example).content.decode()
    after = '<span class="after">1\xa0{}00,00</span>'
    assert text.index(after.format(3)) < text.index(after.format(2))


def test_a_change_made_by_a_command_says_so(alice_client, example):
    Change.objects.create(venue=example, model="venues.venue", action="imported", label="X")
    assert "ligne de commande" in journal(alice_client, example).content.decode()


def test_what_was_typed_is_escaped(alice_client, example):
    Change.objects.create(
        venue=example,
        actor_name="<b>eve</b>",
        model="costing.costitem",
        action="changed",
        label="<script>alert(1)</script>",
        fields=[["label", "<i>a</i>", "<img src=x>"]],
    )
    text = journal(alice_client, example).content.decode()
    assert "<script>alert(1)" not in text and "<img src=x>" not in text and "<b>eve" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;img src=x&gt;" in text


def _entries(venue: Venue, count: int) -> None:
    Change.objects.filter(venue=venue).delete()
    Change.objects.bulk_create(
        Change(
            venue=venue,
            actor_name="alice",
            model="costing.costitem",
            action="changed",
            label=f"Poste {index}",
            fields=[["amount", str(index), str(index + 1)]],
        )
        for index in range(count)
    )


def test_the_journal_is_paginated(alice_client, example):
    _entries(example, 120)
    first = journal(alice_client, example).content.decode()
    assert first.count('<span class="after">') == 50
    assert "Page 1 sur 3" in first and "?page=2" in first
    last = journal(alice_client, example, page=3).content.decode()
    assert last.count('<span class="after">') == 20
    assert journal(alice_client, example, page="abc").status_code == 200
    assert journal(alice_client, example, page="999").status_code == 200


@pytest.mark.parametrize("count", [1, 100])
def test_the_journal_runs_the_same_queries_whatever_its_length(
    alice_client, example, django_assert_num_queries, count
):
    _entries(example, count)
    journal(alice_client, example)
    with django_assert_num_queries(4):  # session with its user, venue, count, page (no user)
        response = journal(alice_client, example)
    assert response.content.decode().count('<span class="after">') == min(count, 50)


def test_the_journal_is_never_on_the_public_share_page(alice_client, client, world):
    venue = world["venue"]
    Change.objects.create(
        venue=venue,
        actor_name="alice",
        model="costing.costitem",
        action="changed",
        label="SECRET-JOURNAL",
    )
    text = client.get(world["link"].get_absolute_url()).content.decode()
    assert "SECRET-JOURNAL" not in text
    assert reverse("venue_journal", args=[venue.pk]) not in text
    assert "SECRET-JOURNAL" in journal(alice_client, venue).content.decode()


def _table(response) -> str:
    text = response.content.decode()
    return text[text.index("<tbody>") : text.index("</tbody>")]


def test_each_entry_is_rendered_once_then_shown_as_rendered(alice_client, example, monkeypatch):
    """An entry never changes: the page keeps its markup, and describes only the new ones."""
    described = []
    describe = journal_module.describe
    monkeypatch.setattr(journal_module, "describe", lambda c: described.append(c.pk) or describe(c))
    first = _table(journal(alice_client, example))
    assert len(described) == example.changes.count() > 0
    described.clear()
    assert _table(journal(alice_client, example)) == first
    assert described == []
    edit_rent(alice_client, example, "1 234,56")
    text = journal(alice_client, example).content.decode()
    assert described == [example.changes.latest("at", "pk").pk]
    assert '<span class="after">1\xa0234,56</span>' in text
    assert text.count("<time datetime=") == example.changes.count()


def test_an_entry_read_in_french_then_in_english_reads_in_english(alice_client, example):
    edit_rent(alice_client, example, "1250.5")
    assert "Modification · poste de coût" in journal(alice_client, example).content.decode()
    alice_client.post(reverse("set_language"), {"language": "en"})
    text = journal(alice_client, example).content.decode()
    assert "Change · cost item “Loyer du local”" in text and "Modification" not in text
    assert '<span class="after">1,250.50</span>' in text


def test_an_id_given_again_to_another_entry_never_shows_the_first_ones_markup(
    alice_client, example
):
    """As after a database restored from a backup, or flushed, while the servers keep running."""
    _entries(example, 1)
    change = example.changes.get()
    assert "Poste 0" in journal(alice_client, example).content.decode()
    Change.objects.filter(pk=change.pk).update(
        label="Poste réécrit", at=change.at + datetime.timedelta(seconds=1)
    )
    text = journal(alice_client, example).content.decode()
    assert "Poste réécrit" in text and "Poste 0" not in text
