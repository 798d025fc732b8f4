"""A venue's scenarios (costing/scenarios.py): named copies of its inputs, edited like the venue,
compared with its current state, made the current state by its owner, and never changing the
venue, its share links or what it shows meanwhile."""

import html
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from costing import models
from costing.models import CostItem, MemberCategory, OtherRevenue, create_scenario
from venues.models import Change, ShareLink, Venue

HTMX = {"HX-Request": "true"}
D = Decimal


@pytest.fixture
def priced(example) -> Venue:
    MemberCategory.objects.filter(venue=example, name="Résidents").update(price_amount=80)
    OtherRevenue.objects.create(venue=example, label="Subvention", amount=6000, frequency="yearly")
    Venue.objects.filter(pk=example.pk).update(margin_pct=10, occupancy_pct=90)
    return Venue.objects.get(pk=example.pk)


def new_scenario(client: Client, venue: Venue, name: str = "Loyer +10 %") -> Venue:
    response = client.post(reverse("scenario_create", args=[venue.pk]), {"name": name})
    assert response.status_code == 302
    scenario = Venue.objects.get(scenario_of=venue, name=name)
    assert response["Location"] == scenario.get_absolute_url()
    return scenario


def raise_rent(client: Client, scenario: Venue, amount: str = "1210") -> None:
    item = scenario.cost_items.get(label="Loyer du local")
    data = {"label": item.label, "amount": amount, "frequency": "monthly", "included": "on",
            "version": item.version}  # fmt: skip
    response = client.post(
        reverse("item_edit", args=[scenario.pk, item.pk]),
        {f"item-{item.pk}-{key}": value for key, value in data.items()},
        headers=HTMX,
    )
    assert response.status_code == 200


def document(venue: Venue) -> dict:
    venue = Venue.objects.prefetch_related("cost_items", "categories", "other_revenues").get(
        pk=venue.pk
    )
    from costing.documents import venue_document

    doc = venue_document(models.engine_venue(venue, with_prices=True))
    doc.pop("name")
    return doc


def test_a_scenario_copies_every_input_of_the_venue(bob_client, priced):
    scenario = new_scenario(bob_client, priced)
    assert document(scenario) == document(priced)
    assert scenario.memberships.count() == 0  # its members are the venue's
    assert Change.objects.filter(venue=scenario, action="created").exists()


def test_scenarios_are_not_listed_as_venues(alice_client, example):
    scenario = new_scenario(alice_client, example)
    alice_client.get(scenario.get_absolute_url())  # where its creation's message is shown
    text = alice_client.get(reverse("venue_list")).text
    assert "Loyer +10 %" not in text
    assert text.count(example.name) >= 1


def test_the_venues_pages_list_its_scenarios(alice_client, example):
    scenario = new_scenario(alice_client, example)
    assert (
        reverse("scenario_list", args=[example.pk])
        in alice_client.get(example.get_absolute_url()).text
    )
    page = alice_client.get(reverse("scenario_list", args=[example.pk])).text
    assert "Loyer +10 %" in page and scenario.get_absolute_url() in page


def test_a_scenario_is_edited_with_the_same_live_workspace_and_never_changes_the_venue(
    bob_client, client, priced, alice
):
    link = ShareLink.objects.create(venue=priced, label="AG")
    shared_before = client.get(link.get_absolute_url()).text
    before = Venue.objects.get(pk=priced.pk)
    scenario = new_scenario(bob_client, priced)
    raise_rent(bob_client, scenario)
    prices = bob_client.get(reverse("venue_prices", args=[scenario.pk])).text
    assert "sa part : 1 810,00 € par mois" in prices
    after = Venue.objects.get(pk=priced.pk)
    assert (after.revision, after.updated_at) == (before.revision, before.updated_at)
    assert CostItem.objects.get(venue=priced, label="Loyer du local").amount == D(1100)
    assert client.get(link.get_absolute_url()).text == shared_before
    assert "1 700,00 €" in shared_before


def test_a_scenario_has_no_share_links(alice_client, example):
    scenario = new_scenario(alice_client, example)
    assert alice_client.get(reverse("share_links", args=[scenario.pk])).status_code == 404


def test_access_to_a_scenario_is_access_to_its_venue(
    alice_client, bob_client, victor_client, charlie_client, example
):
    scenario = new_scenario(alice_client, example)
    assert victor_client.get(scenario.get_absolute_url()).status_code == 200
    assert charlie_client.get(scenario.get_absolute_url()).status_code == 404
    assert charlie_client.get(reverse("venue_prices", args=[scenario.pk])).status_code == 404
    item = scenario.cost_items.first()
    url = reverse("item_edit", args=[scenario.pk, item.pk])
    assert victor_client.post(url, {}, headers=HTMX).status_code == 403
    raise_rent(bob_client, scenario)  # an editor of the venue edits its scenarios


def test_a_scenario_has_no_scenarios(alice_client, example):
    scenario = new_scenario(alice_client, example)
    url = reverse("scenario_create", args=[scenario.pk])
    assert alice_client.post(url, {"name": "Encore"}).status_code == 404
    listing = alice_client.get(reverse("scenario_list", args=[scenario.pk]))
    assert listing["Location"] == reverse("scenario_list", args=[example.pk])


def test_a_scenario_needs_a_name_and_venues_have_a_limit(alice_client, example, monkeypatch):
    url = reverse("scenario_create", args=[example.pk])
    response = alice_client.post(url, {"name": "  "})
    assert response.status_code == 200 and "errorlist" in response.text
    monkeypatch.setattr("costing.scenarios.MAX_SCENARIOS", 1)
    new_scenario(alice_client, example, "Un")
    response = alice_client.post(url, {"name": "Deux"})
    assert "1 scénarios : c&#x27;est le maximum" in response.text
    assert Venue.objects.filter(scenario_of=example).count() == 1


def test_two_scenarios_of_a_venue_never_share_a_name(alice_client, example, charlies_venue):
    new_scenario(alice_client, example, "Loyer +10 %")
    url = reverse("scenario_create", args=[example.pk])
    response = alice_client.post(url, {"name": " LOYER +10 % "})
    assert response.status_code == 200
    errors = response.text.split('id="id_name_error"')[1].split("</ul>")[0]
    assert "Un autre scénario de ce lieu porte déjà ce nom." in errors
    new_scenario(alice_client, example, "Été")
    response = alice_client.post(url, {"name": "E\u0301TE\u0301"})  # accents typed apart
    assert "Un autre scénario de ce lieu porte déjà ce nom." in html.unescape(response.text)
    assert example.scenarios.count() == 2
    create_scenario(charlies_venue, "Loyer +10 %")  # another venue's scenario: its own names


def test_a_scenario_renamed_as_its_sibling_is_refused_and_keeps_its_name(alice_client, example):
    new_scenario(alice_client, example, "Été")
    second = new_scenario(alice_client, example, "Deux")
    url = reverse("venue_edit", args=[second.pk])
    data = {"name": "ÉTÉ", "total_surface_m2": "300", "currency": "EUR"}
    response = alice_client.post(url, data)
    assert response.status_code == 200  # the form again, with what was typed and why
    errors = response.text.split('id="id_name_error"')[1].split("</ul>")[0]
    assert "Un autre scénario de ce lieu porte déjà ce nom." in errors
    assert 'value="ÉTÉ"' in response.text
    second.refresh_from_db()
    assert second.name == "Deux"
    assert alice_client.post(url, {**data, "name": "Deux (bis)"}).status_code == 302


def test_the_database_refuses_two_scenarios_of_a_name_written_past_the_forms(example):
    create_scenario(Venue.objects.get(pk=example.pk), "Un")
    with pytest.raises(IntegrityError), transaction.atomic():
        create_scenario(Venue.objects.get(pk=example.pk), "UN")
    assert example.scenarios.count() == 1


# Comparing


def test_comparing_shows_the_differences_highlighted(alice_client, priced):
    scenario = new_scenario(alice_client, priced)
    raise_rent(alice_client, scenario)
    response = alice_client.get(reverse("scenario_compare", args=[priced.pk]))
    assert response.status_code == 200
    text = response.text
    total = text.split('data-testid="total-total"')[1].split("</tr>")[0]
    assert "2 500,00 €" in total and "2 610,00 €" in total and "<mark>+110,00 €</mark>" in total
    residents = text.split('data-testid="category-1"')[1].split("</tbody>")[0]
    assert "<mark>+110,00 €</mark>" in residents  # their share
    assert "86,58 €" in residents and "92,18 €" in residents  # 1 810 × 1.1 / 21.6, rounded up
    assert "112,94 %" in residents and "106,08 %" in residents
    services = text.split('data-testid="total-services"')[1].split("</tr>")[0]
    assert "<mark>" not in services and "inchangé" in services


def test_two_scenarios_can_be_compared(alice_client, example):
    first = new_scenario(alice_client, example, "Un")
    second = new_scenario(alice_client, example, "Deux")
    raise_rent(alice_client, second, "1200")
    url = reverse("scenario_compare", args=[example.pk])
    text = alice_client.get(url, {"left": first.pk, "right": second.pk}).text
    assert "<mark>+100,00 €</mark>" in text


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("chosen", ["²", "١", "-1"])
def test_a_compared_scenario_named_by_something_else_than_ascii_digits_answers_404(
    alice_client, example, side, chosen
):
    url = reverse("scenario_compare", args=[example.pk])
    assert alice_client.get(url, {side: chosen}).status_code == 404


def test_comparing_with_another_venues_scenario_answers_404(alice_client, example, charlies_venue):
    other = create_scenario(
        Venue.objects.prefetch_related("cost_items", "categories", "other_revenues").get(
            pk=charlies_venue.pk
        ),
        "Ailleurs",
    )
    url = reverse("scenario_compare", args=[example.pk])
    assert alice_client.get(url, {"right": other.pk}).status_code == 404
    assert alice_client.get(url, {"right": "x"}).status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_comparing_takes_six_queries_whatever_the_size(
    alice_client, example, count, django_assert_num_queries
):
    for n in range(count):
        new_scenario(alice_client, example, f"S{n}")
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=example, name=f"C{n}", surface_share_pct=0) for n in range(count * 5)
    )
    # session with its user, venue + role, the venue and its scenarios, items, categories, revenue
    with django_assert_num_queries(6):
        response = alice_client.get(reverse("scenario_compare", args=[example.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 6])
def test_the_scenarios_page_takes_six_queries_whatever_the_size(
    alice_client, example, count, django_assert_num_queries
):
    for n in range(count):
        new_scenario(alice_client, example, f"S{n}")
    with django_assert_num_queries(6):
        response = alice_client.get(reverse("scenario_list", args=[example.pk]))
    assert response.text.count("Comparer «") == count


# Making a scenario the current state


def test_the_owner_makes_a_scenario_the_current_state(alice_client, client, priced):
    link = ShareLink.objects.create(venue=priced, label="AG")
    scenario = new_scenario(alice_client, priced)
    raise_rent(alice_client, scenario)
    Venue.objects.filter(pk=scenario.pk).update(margin_pct=20)
    response = alice_client.post(reverse("scenario_apply", args=[priced.pk, scenario.pk]))
    assert response.status_code == 302
    assert document(priced) == document(scenario)
    assert CostItem.objects.get(venue=priced, label="Loyer du local").amount == D(1210)
    assert "1 810,00 €" in client.get(link.get_absolute_url()).text  # its links show it now
    change = Change.objects.filter(venue=priced).latest("pk")
    assert (change.action, change.label) == ("scenario_applied", "Loyer +10 %")
    assert ["margin_pct", "10.00", "20.00"] in change.fields
    assert Venue.objects.filter(pk=scenario.pk).exists()  # kept, for another try


def test_only_the_owner_makes_a_scenario_the_current_state(bob_client, alice_client, example):
    scenario = new_scenario(alice_client, example)
    raise_rent(alice_client, scenario)
    url = reverse("scenario_apply", args=[example.pk, scenario.pk])
    assert bob_client.post(url).status_code == 403
    assert CostItem.objects.get(venue=example, label="Loyer du local").amount == D(1100)


def test_a_scenario_of_another_venue_cannot_be_applied(alice_client, example, alice):
    other = models.create_venue(models.engine.Venue("Autre", D(10)), owner=alice)
    scenario = new_scenario(alice_client, other)
    url = reverse("scenario_apply", args=[example.pk, scenario.pk])
    assert alice_client.post(url).status_code == 404
    assert example.cost_items.count() == 10


def test_the_owner_applies_a_scenario_from_its_comparison(alice_client, bob_client, example):
    scenario = new_scenario(alice_client, example)
    url = reverse("scenario_compare", args=[example.pk])
    apply_url = reverse("scenario_apply", args=[example.pk, scenario.pk])
    page = alice_client.get(url).text
    assert apply_url in page
    # Asked first: the button that applies is inside the question, with what it replaces.
    question = page[page.index('<details class="confirm actions">') :].split("</details>")[0]
    assert apply_url in question
    assert question.index("seront remplacés par ceux de") < question.index("Confirmer : faire de")
    assert apply_url not in bob_client.get(url).text


def test_deleting_a_scenario_says_the_venue_stays_and_goes_back_to_the_scenarios(
    alice_client, example
):
    scenario = create_scenario(example, "Loyer +10 %")
    url = reverse("venue_delete", args=[scenario.pk])
    question = alice_client.get(url).text
    assert "Le lieu, lui, ne change pas" in question
    assert "mois clôturés" not in question
    response = alice_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("scenario_list", args=[example.pk])
    assert "Le scénario « Loyer +10 % » est supprimé." in response.text
    assert Venue.objects.filter(pk=example.pk).exists()
    assert not Venue.objects.filter(pk=scenario.pk).exists()


def test_deleting_a_venue_warns_that_its_closed_months_and_scenarios_go_with_it(
    alice_client, example
):
    question = alice_client.get(reverse("venue_delete", args=[example.pk])).text
    assert "ses mois clôturés (et leurs relevés) et ses scénarios seront supprimés" in question
