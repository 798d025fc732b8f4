"""The venue's Tarifs page (costing/prices.py): prices per category with what they give, the
margin and occupancy, other revenue lines, and the monthly balance, edited live with htmx or
with plain forms (docs/method.md R7–R9)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from costing.models import MemberCategory, OtherRevenue
from costing.prices import PricesPage
from venues.models import Change, Venue

HTMX = {"HX-Request": "true"}
D = Decimal


def residents(venue: Venue) -> MemberCategory:
    return venue.categories.get(name="Résidents")


def price_data(category: MemberCategory, amount="80", frequency="monthly", basis="member"):
    prefix = f"price-{category.pk}"
    return {
        f"{prefix}-price_amount": amount,
        f"{prefix}-price_frequency": frequency,
        f"{prefix}-price_basis": basis,
        f"{prefix}-version": category.version,
    }


def pricing_data(margin="10", occupancy="90") -> dict:
    return {"pricing-margin_pct": margin, "pricing-occupancy_pct": occupancy}


def revenue_data(prefix: str, label="Subvention", amount="6000", frequency="yearly", months=""):
    return {
        f"{prefix}-label": label,
        f"{prefix}-amount": amount,
        f"{prefix}-frequency": frequency,
        f"{prefix}-amortization_months": months,
    }


def prices_url(venue: Venue) -> str:
    return reverse("venue_prices", args=[venue.pk])


# The page


def test_the_workspace_links_to_the_tarifs_page(alice_client, example):
    assert prices_url(example) in alice_client.get(example.get_absolute_url()).text


def test_it_shows_each_categorys_share_and_suggested_price(victor_client, example):
    response = victor_client.get(prices_url(example))
    assert response.status_code == 200
    assert "sa part : 1 700,00 € par mois" in response.text
    assert "70,84 € par membre et par mois" in response.text  # 1 700 / 24, rounded up
    # Beneficiaries carry no share: no price to suggest, as for their coverage.
    suggested = re.findall(r'data-testid="suggested">([^<]*)<', response.text)
    assert suggested[2] == "sans objet (part nulle)"
    # With the surface rule they carry 500,00 € and have no member: no price covers it.
    example.set_keys("surface", "surface")
    response = victor_client.get(prices_url(example))
    assert "aucun prix ne couvre cette part : pas de membre" in response.text


def test_a_viewer_sees_the_figures_without_edit_controls(victor_client, example):
    text = victor_client.get(prices_url(example)).text
    assert "<fieldset disabled>" in text
    assert "Ajouter un revenu" not in text


def test_a_viewer_cannot_change_a_price(victor_client, example):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    assert victor_client.post(url, price_data(category), headers=HTMX).status_code == 403
    assert residents(example).price_amount is None


# Prices


def test_entering_the_residents_price_shows_revenue_coverage_and_break_even_live(
    bob_client, example
):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    response = bob_client.post(url, price_data(category, "80,00"), headers=HTMX)
    assert response.status_code == 200
    text = response.text
    assert 'id="price-' in text and "1 920,00 €" in text
    assert "112,94 %" in text
    assert "22 membres payants" in text
    assert 'id="balance"' in text and 'hx-swap-oob="true"' in text  # the balance, same answer
    stored = residents(example)
    assert (stored.price_amount, stored.price_frequency, stored.price_basis) == (
        D("80.00"),
        "monthly",
        "member",
    )
    change = Change.objects.filter(model="costing.membercategory").latest("pk")
    assert ["price_amount", "", "80.00"] in change.fields


def test_a_price_accepts_french_input(bob_client, example):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    bob_client.post(url, price_data(category, "1 700,50", frequency="yearly"), headers=HTMX)
    assert residents(example).price_amount == D("1700.50")


def test_a_price_per_workstation_counts_workstations(bob_client, example):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    response = bob_client.post(url, price_data(category, "100", basis="workstation"), headers=HTMX)
    assert "2 000,00 €" in response.text  # 20 workstations
    assert "17 postes payants" in response.text  # 1 700 / 100


def test_a_negative_price_gets_a_message_beside_the_field_and_changes_nothing(bob_client, example):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    changes = Change.objects.count()
    response = bob_client.post(url, price_data(category, "-5"), headers=HTMX)
    assert response.status_code == 200
    assert 'class="errorlist"' in response.text and "supérieure ou égale à 0" in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'id="balance"' not in response.text
    assert residents(example).price_amount is None
    assert Change.objects.count() == changes


def test_a_price_left_blank_removes_it(bob_client, example):
    MemberCategory.objects.filter(name="Résidents").update(price_amount=D(80))
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    bob_client.post(url, price_data(category, ""), headers=HTMX)
    assert residents(example).price_amount is None


def test_a_stale_price_is_refused_with_the_fresh_row(bob_client, example):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    MemberCategory.objects.filter(pk=category.pk).update(version=category.version + 1)
    response = bob_client.post(url, price_data(category), headers=HTMX)
    assert "Quelqu&#x27;un a modifié cette ligne" in response.text
    assert residents(example).price_amount is None


def test_without_javascript_a_price_is_saved_and_the_page_comes_back(bob_client, example):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    response = bob_client.post(url, price_data(category))
    assert response.status_code == 302
    assert response["Location"] == f"{prices_url(example)}#price-{category.pk}"
    assert residents(example).price_amount == D(80)


def test_without_javascript_a_bad_price_shows_the_page_with_the_message(bob_client, example):
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    response = bob_client.post(url, price_data(category, "abc"))
    assert response.status_code == 200
    assert "Saisissez un nombre" in response.text
    assert "<h1>Tarifs" in response.text


# Margin and occupancy


def test_margin_and_occupancy_give_the_worked_examples_suggested_price(bob_client, example):
    url = reverse("venue_pricing", args=[example.pk])
    response = bob_client.post(url, pricing_data("10", "90"), headers=HTMX)
    assert "86,58 € par membre et par mois" in response.text
    assert 'id="balance"' in response.text
    example.refresh_from_db()
    assert (example.margin_pct, example.occupancy_pct) == (D(10), D(90))
    change = Change.objects.filter(model="venues.venue").latest("pk")
    assert ["margin_pct", "0.00", "10.00"] in change.fields  # from what the page showed


def test_pricing_set_to_what_the_page_showed_is_logged_from_unset(bob_client, example):
    """0 % and 100 % are what an unpriced venue's page shows, but saving them prices the
    venue: its export and allocation.json carry pricing from then on."""
    url = reverse("venue_pricing", args=[example.pk])
    bob_client.post(url, pricing_data("0", "100"), headers=HTMX)
    change = Change.objects.filter(model="venues.venue").latest("pk")
    assert change.fields == [["margin_pct", "", "0.00"], ["occupancy_pct", "", "100.00"]]
    bob_client.post(url, pricing_data("0", "100"), headers=HTMX)  # again: nothing changes
    assert Change.objects.filter(model="venues.venue").latest("pk") == change


def test_setting_the_margin_alone_logs_the_margin_alone(bob_client, example):
    url = reverse("venue_pricing", args=[example.pk])
    bob_client.post(url, pricing_data("10", "100"), headers=HTMX)  # 100 %: what the page shows
    change = Change.objects.filter(model="venues.venue").latest("pk")
    assert change.fields == [["margin_pct", "0.00", "10.00"]]


@pytest.mark.parametrize(
    ("margin", "occupancy", "field", "words"),
    [
        ("1000,01", "90", "margin_pct", "inférieure ou égale à 1000"),
        ("-1", "90", "margin_pct", "supérieure ou égale à 0"),
        ("10", "0", "occupancy_pct", "doit être de plus de 0 %"),
        ("10", "100,5", "occupancy_pct", "doit être de plus de 0 %"),
        ("abc", "90", "margin_pct", "Saisissez un pourcentage, par exemple 12,5."),
        ("10", "abc", "occupancy_pct", "Saisissez un pourcentage, par exemple 12,5."),
    ],
)
def test_bad_margins_and_occupancies_get_a_message_and_change_nothing(
    bob_client, example, margin, occupancy, field, words
):
    url = reverse("venue_pricing", args=[example.pk])
    response = bob_client.post(url, pricing_data(margin, occupancy), headers=HTMX)
    assert response.status_code == 200
    errors = response.text.split(f'id="id_pricing-{field}"')[1]
    assert words in errors.split("</div>")[0]
    example.refresh_from_db()
    assert (example.margin_pct, example.occupancy_pct) == (None, None)


def test_without_javascript_margin_and_occupancy_are_saved(bob_client, example):
    response = bob_client.post(reverse("venue_pricing", args=[example.pk]), pricing_data())
    assert response.status_code == 302
    example.refresh_from_db()
    assert example.margin_pct == D(10)


# Other revenue


def test_adding_a_revenue_line_updates_the_balance_live(bob_client, example):
    url = reverse("revenue_add", args=[example.pk])
    response = bob_client.post(url, revenue_data("new-revenue"), headers=HTMX)
    assert response.status_code == 200
    line = OtherRevenue.objects.get(venue=example)
    assert (line.label, line.amount, line.frequency) == ("Subvention", D(6000), "yearly")
    assert 'id="revenues"' in response.text and "500,00 €" in response.text
    assert (
        'id="balance"' in response.text and "Solde du mois : déficit" in response.text
    )  # 500 − 2 500
    assert Change.objects.filter(model="costing.otherrevenue", action="created").exists()


def test_a_one_off_revenue_needs_its_months(bob_client, example):
    url = reverse("revenue_add", args=[example.pk])
    data = revenue_data("new-revenue", frequency="one_off")
    response = bob_client.post(url, data, headers=HTMX)
    assert "indiquez sur combien de mois" in response.text
    assert not OtherRevenue.objects.exists()


def test_a_revenue_received_once_is_no_purchase(bob_client, example):
    text = bob_client.get(reverse("venue_prices", args=[example.pk])).content.decode()
    revenues = text[text.index('id="revenues"') :]
    assert '<option value="one_off">recette unique (étalée)</option>' in revenues
    assert "achat unique" not in revenues


def test_a_negative_revenue_is_refused_beside_the_field(bob_client, example):
    url = reverse("revenue_add", args=[example.pk])
    response = bob_client.post(url, revenue_data("new-revenue", amount="-1"), headers=HTMX)
    assert "supérieure ou égale à 0" in response.text
    assert not OtherRevenue.objects.exists()


def test_editing_and_deleting_a_revenue_line(bob_client, example):
    line = OtherRevenue.objects.create(venue=example, label="Bar", amount=D("100"))
    url = reverse("revenue_edit", args=[example.pk, line.pk])
    data = {**revenue_data(f"revenue-{line.pk}", "Bar", "150", "monthly"),
            f"revenue-{line.pk}-version": line.version}  # fmt: skip
    response = bob_client.post(url, data, headers=HTMX)
    assert "150,00 €" in response.text and 'hx-swap-oob="true"' in response.text
    assert OtherRevenue.objects.get().amount == D(150)
    delete = bob_client.post(reverse("revenue_delete", args=[example.pk, line.pk]), headers=HTMX)
    assert 'id="balance"' in delete.text
    assert not OtherRevenue.objects.exists()
    actions = list(Change.objects.filter(model="costing.otherrevenue").values_list("action"))
    assert actions == [("changed",), ("deleted",)]


def test_revenue_lines_are_limited(bob_client, example, settings, monkeypatch):
    monkeypatch.setattr("costing.forms.OtherRevenueForm.LIMIT", 2)
    OtherRevenue.objects.bulk_create(
        OtherRevenue(venue=example, label=f"R{n}", amount=1) for n in range(2)
    )
    url = reverse("revenue_add", args=[example.pk])
    response = bob_client.post(url, revenue_data("new-revenue"), headers=HTMX)
    assert "2 lignes de revenus : c&#x27;est le maximum" in response.text
    assert OtherRevenue.objects.count() == 2


# Queries


def _grow(venue: Venue, size: int) -> None:
    MemberCategory.objects.bulk_create(
        MemberCategory(
            venue=venue,
            name=f"Catégorie {n}",
            surface_share_pct=D("0.1"),
            members=n,
            price_amount=D(n),
        )  # fmt: skip
        for n in range(size)
    )
    OtherRevenue.objects.bulk_create(
        OtherRevenue(venue=venue, label=f"Revenu {n}", amount=D(n)) for n in range(size)
    )


@pytest.mark.parametrize("size", [3, 40])
def test_the_page_takes_five_queries_whatever_its_size(
    alice_client, example, size, django_assert_num_queries
):
    _grow(example, size)
    # session with its user, venue + membership, items, categories, revenue lines
    with django_assert_num_queries(5):
        response = alice_client.get(prices_url(example))
    assert response.text.count('class="row price-row"') == size + 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 40])
def test_an_htmx_price_edit_takes_nine_queries_whatever_the_size(
    alice_client, example, size, django_assert_num_queries
):
    _grow(example, size)
    category = residents(example)
    url = reverse("category_price", args=[example.pk, category.pk])
    # session with its user, BEGIN, venue locked, items, categories, revenue lines, the versioned
    # UPDATE, the journal's entry, COMMIT
    with django_assert_num_queries(9):
        response = alice_client.post(url, price_data(category), headers=HTMX)
    assert "1 920,00 €" in response.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 40])
def test_an_htmx_revenue_edit_takes_nine_queries_whatever_the_size(
    alice_client, example, size, django_assert_num_queries
):
    _grow(example, size)
    line = OtherRevenue.objects.filter(venue=example).first()
    url = reverse("revenue_edit", args=[example.pk, line.pk])
    data = {**revenue_data(f"revenue-{line.pk}", "Bar", "150", "monthly"),
            f"revenue-{line.pk}-version": line.version}  # fmt: skip
    with django_assert_num_queries(9):
        response = alice_client.post(url, data, headers=HTMX)
    assert "150,00 €" in response.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 40])
def test_an_htmx_margin_edit_takes_nine_queries_whatever_the_size(
    alice_client, example, size, django_assert_num_queries
):
    _grow(example, size)
    # session with its user, BEGIN, venue locked, UPDATE venue, journal, items, categories, revenue
    # lines, COMMIT
    with django_assert_num_queries(9):
        alice_client.post(reverse("venue_pricing", args=[example.pk]), pricing_data(), headers=HTMX)


def test_the_page_context_pairs_each_category_with_its_figures(example):
    page = PricesPage(Venue.objects.get(pk=example.pk), can_edit=False).load()
    names = [(category.name, priced.name) for category, _, priced, _ in page.category_rows]
    assert names == [("Résidents",) * 2, ("Contributeurs",) * 2, ("Bénéficiaires",) * 2]
