"""Stored data that break a rule (a database from before a check, an edit in the admin or in
SQL) never make a page answer 500: the venue shows with what to fix, and its editors repair it
through the page (costing.engine.allocate_despite_violations)."""

import html
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from costing.models import MemberCategory
from venues.models import ShareLink, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
INFRASTRUCTURE_OVER = (
    "Les parts de l'infrastructure des catégories font 150 % : ramenez-les à 100 % au plus. "
    "D'ici là, elles comptent pour 0 %."
)
SURFACE_OVER = (
    "Les parts de surface des catégories font 130 % : ramenez-les à 100 % au plus. "
    "D'ici là, elles comptent pour 0 %."
)
FLAG = "Des parts dépassent 100 % : ouvrez le lieu pour les corriger."


def read(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def categories(venue: Venue) -> dict[str, MemberCategory]:
    return {category.name: category for category in venue.categories.all()}


def break_infrastructure(venue: Venue) -> None:
    """Residents carry 100 % of the infrastructure; contributors are given 50 % more."""
    MemberCategory.objects.filter(venue=venue, name="Contributeurs").update(
        infrastructure_pct=Decimal(50)
    )


def category_edit(category: MemberCategory, **changes) -> tuple[str, dict]:
    fields = {
        "name": category.name,
        "surface_share_pct": category.surface_share_pct,
        "workstations": category.workstations,
        "members": category.members,
        "infrastructure_pct": category.infrastructure_pct,
        "services_pct": category.services_pct,
        "version": category.version,
        **changes,
    }
    url = reverse("category_edit", args=[category.venue_id, category.pk])
    return url, {f"category-{category.pk}-{k}": v for k, v in fields.items()}


def test_every_page_of_a_venue_with_shares_over_100_percent_answers_with_what_to_fix(
    alice_client, victor_client, client, example, alice
):
    break_infrastructure(example)
    token = ShareLink.objects.create(venue=example, label="AG", created_by=alice).token

    for page in (alice_client, victor_client):
        assert INFRASTRUCTURE_OVER in read(page.get(example.get_absolute_url()))
    assert FLAG in read(alice_client.get(reverse("venue_list")))
    assert INFRASTRUCTURE_OVER in read(client.get(reverse("share_page", args=[token])))

    document = json.loads(read(client.get(reverse("share_allocation", args=[token]))))
    assert document["warnings"][0] == "infrastructure_shares_over_100"
    assert (
        document["uncovered"]["infrastructure"]
        == document["monthly_cost"]["infrastructure"]["total"]
    )  # counted as 0 % until repaired: every figure still adds up
    csv = read(alice_client.get(reverse("allocation_csv", args=[example.pk])))
    assert "Non couvert" in csv
    exported = json.loads(read(alice_client.get(reverse("venue_export", args=[example.pk]))))
    shares = [c["shares_pct"]["infrastructure"] for c in exported["categories"]]
    assert shares == ["100.00", "50.00", "0.00"]  # the data as stored, to repair elsewhere


def test_surface_shares_over_100_percent_leave_the_surface_unassigned_with_what_to_fix(
    alice_client, example
):
    MemberCategory.objects.filter(venue=example, name="Bénéficiaires").update(
        surface_share_pct=Decimal(50)
    )
    page = read(alice_client.get(example.get_absolute_url()))
    assert SURFACE_OVER in page
    assert FLAG in read(alice_client.get(reverse("venue_list")))


def test_a_broken_column_is_repaired_one_category_at_a_time(alice_client, example):
    break_infrastructure(example)
    contributors = categories(example)["Contributeurs"]
    response = alice_client.post(
        *category_edit(contributors, infrastructure_pct="20"), headers=HTMX
    )  # still 120 %, but less than before: accepted
    page = read(response)
    assert "dépasseraient" not in page
    assert "font 120 %" in page
    contributors.refresh_from_db()
    assert contributors.infrastructure_pct == 20
    alice_client.post(*category_edit(contributors, infrastructure_pct="0"))
    page = read(alice_client.get(example.get_absolute_url()))
    assert "ramenez-les" not in page
    assert "1 700,00 €" in page  # the residents carry the infrastructure again
    assert FLAG not in read(alice_client.get(reverse("venue_list")))


def test_in_a_broken_column_a_share_raised_is_still_refused_and_other_fields_are_saved(
    alice_client, example
):
    break_infrastructure(example)
    beneficiaries = categories(example)["Bénéficiaires"]
    page = read(
        alice_client.post(*category_edit(beneficiaries, infrastructure_pct="10"), headers=HTMX)
    )
    assert "Les parts de l'infrastructure des catégories dépasseraient 100 % (160,00 %)." in page
    beneficiaries.refresh_from_db()
    assert beneficiaries.infrastructure_pct == 0
    residents = categories(example)["Résidents"]
    alice_client.post(*category_edit(residents, members="30"), headers=HTMX)
    residents.refresh_from_db()
    assert residents.members == 30


def test_the_bonjour_bienvenue_preset_repairs_both_pools_at_once(alice_client, example):
    break_infrastructure(example)
    MemberCategory.objects.filter(venue=example).update(services_pct=Decimal(80))
    by_name = categories(example)
    alice_client.post(
        reverse("preset_bonjour_bienvenue", args=[example.pk]),
        {
            "infrastructure_carrier": by_name["Résidents"].pk,
            "services_carrier": by_name["Contributeurs"].pk,
        },
    )
    assert "ramenez-les" not in read(alice_client.get(example.get_absolute_url()))


def test_the_warning_speaks_the_visitors_language(alice_client, example):
    break_infrastructure(example)
    alice_client.cookies["django_language"] = "en"
    page = read(alice_client.get(example.get_absolute_url()))
    assert "The categories' shares of infrastructure add up to 150%: bring them down" in page
    assert "Some shares exceed 100%: open the venue" in read(
        alice_client.get(reverse("venue_list"))
    )
