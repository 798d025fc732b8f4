"""The categories table saves as one form (issue 15, point 1): shares can be typed in any
order, what is valid is saved, what is not stays in its field and says why."""

import html
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from costing.models import MemberCategory
from tests.helpers import logged_in

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def table_data(venue, **changes: dict) -> dict:
    """The whole table as the page posts it, with `changes` by category name: each field,
    and what the page showed of each row (its `shown` field)."""
    data = {}
    for category in venue.categories.all():
        shown = {
            "name": category.name,
            "surface_share_pct": str(category.surface_share_pct),
            "workstations": category.workstations,
            "members": category.members,
            "infrastructure_pct": str(category.infrastructure_pct),
            "services_pct": str(category.services_pct),
        }
        values = {
            **shown,
            "version": category.version,
            "shown": json.dumps({k: str(v) for k, v in shown.items()}),
            **changes.get(category.name, {}),
        }
        data |= {f"category-{category.pk}-{k}": v for k, v in values.items()}
    return data


def post(client, venue, data, headers=HTMX):
    return client.post(reverse("categories_edit", args=[venue.pk]), data, headers=headers)


def stored(venue, name: str) -> MemberCategory:
    return MemberCategory.objects.get(venue=venue, name=name)


def test_a_share_raised_past_100_percent_is_not_saved_but_the_rest_of_the_row_is(
    alice_client, example
):
    residents = stored(example, "Résidents")
    data = table_data(
        example, Résidents={"surface_share_pct": "55", "workstations": "14", "members": "16"}
    )
    response = post(alice_client, example, data)
    text = html.unescape(response.text)
    assert response.status_code == 200
    assert "Non enregistré" in text
    assert "Les parts de surface des catégories dépasseraient 100 % (104,00 %)" in text
    # The typed value stays in its field, marked; the summary shows what is saved.
    field = f'name="category-{residents.pk}-surface_share_pct" value="55"'
    assert field in text
    assert 'aria-invalid="true"' in text
    residents.refresh_from_db()
    assert residents.surface_share_pct == Decimal(51)
    assert (residents.workstations, residents.members) == (14, 16)
    assert "14 postes" in text and "16 membres" in text  # in the summary, saved


def test_shares_can_be_typed_in_any_order_the_pending_one_travels_with_the_next_change(
    alice_client, example
):
    post(alice_client, example, table_data(example, Résidents={"surface_share_pct": "55"}))
    assert stored(example, "Résidents").surface_share_pct == Decimal(51)
    # The page still shows 55 in the field: the next change posts it with the table.
    data = table_data(
        example, Résidents={"surface_share_pct": "55"}, Contributeurs={"surface_share_pct": "25"}
    )
    response = post(alice_client, example, data)
    assert "Non enregistré" not in response.text  # the error cleared as it no longer applies
    assert stored(example, "Résidents").surface_share_pct == Decimal(55)
    assert stored(example, "Contributeurs").surface_share_pct == Decimal(25)


def test_every_refused_value_says_why_beside_its_field(alice_client, example):
    data = table_data(
        example,
        Résidents={"members": "-3"},
        Contributeurs={"workstations": "", "name": "résidents"},
        Bénéficiaires={"services_pct": "abc"},
    )
    text = html.unescape(post(alice_client, example, data).text)
    assert text.count("Non enregistré") == 4
    assert "Un nombre ne peut pas être négatif." in text
    assert "Indiquez un nombre (0 s'il n'y en a pas)." in text
    assert "Une catégorie porte déjà ce nom dans ce lieu." in text
    assert "Saisissez un pourcentage, par exemple 12,5." in text  # services_pct "abc"
    assert stored(example, "Contributeurs").workstations == 0
    assert stored(example, "Contributeurs").name == "Contributeurs"
    assert stored(example, "Résidents").members == 24  # as before


def test_a_row_someone_else_saved_meanwhile_is_not_overwritten(alice_client, bob_client, example):
    seen = table_data(example, Résidents={"members": "20"})
    post(bob_client, example, table_data(example, Résidents={"members": "12"}))
    text = html.unescape(post(alice_client, example, seen).text)
    assert (
        "<strong>Non enregistré</strong> : Quelqu'un a modifié cette catégorie entre-temps" in text
    )
    assert "vous aviez saisi « 20 », la valeur enregistrée est « 12 »." in text
    assert stored(example, "Résidents").members == 12
    assert "Enregistrer le tableau" in text  # the table, its fields as now stored
    residents = stored(example, "Résidents")
    assert f'name="category-{residents.pk}-members" value="12"' in text


def test_a_row_someone_else_saved_that_this_page_did_not_touch_is_simply_refreshed(
    alice_client, bob_client, example
):
    seen = table_data(example, Contributeurs={"members": "9"})
    post(bob_client, example, table_data(example, Résidents={"members": "12"}))
    text = html.unescape(post(alice_client, example, seen).text)
    assert "Non enregistré" not in text and "entre-temps" not in text
    assert stored(example, "Résidents").members == 12
    assert stored(example, "Contributeurs").members == 9


@pytest.mark.parametrize("shown", ["[" * 100_000, "{not json", '["a list"]'])
def test_a_stale_row_whose_shown_values_are_not_a_page_s_is_refused_as_stale_without_error(
    alice_client, bob_client, example, shown
):
    residents = stored(example, "Résidents")
    seen = table_data(example, Résidents={"members": "20", "shown": shown})
    post(bob_client, example, table_data(example, Résidents={"members": "12"}))
    response = post(alice_client, example, seen)
    assert response.status_code == 200
    assert "entre-temps" in html.unescape(response.text)  # compared with what is stored
    assert stored(example, "Résidents").members == 12
    assert stored(example, "Résidents").version == residents.version + 1  # bob's save only


def test_saving_the_table_records_each_changed_category_in_the_journal(alice_client, example):
    data = table_data(example, Résidents={"members": "20"}, Contributeurs={"members": "5"})
    post(alice_client, example, data)
    changes = example.changes.order_by("pk").values_list("label", "fields")
    assert [label for label, _ in changes][-2:] == ["Résidents", "Contributeurs"]
    assert stored(example, "Résidents").version == 2
    assert stored(example, "Bénéficiaires").version == 1  # unchanged rows are not written


def test_without_javascript_the_table_saves_and_comes_back_to_it(alice_client, example):
    response = post(alice_client, example, table_data(example, Résidents={"members": "9"}), {})
    assert response.status_code == 302
    assert response["Location"].endswith("#categories")
    refused = post(alice_client, example, table_data(example, Résidents={"members": "-1"}), {})
    assert refused.status_code == 200
    assert "<html" in refused.text and "Un nombre ne peut pas être négatif." in refused.text


def test_a_viewer_cannot_save_the_table(victor_client, example):
    response = post(victor_client, example, table_data(example, Résidents={"members": "9"}))
    assert response.status_code == 403
    assert stored(example, "Résidents").members == 24  # as before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 40])
def test_saving_the_table_takes_the_same_queries_whatever_its_size(
    alice, venue, size, django_assert_num_queries
):
    MemberCategory.objects.bulk_create(
        MemberCategory(venue=venue, name=f"Catégorie {n}", surface_share_pct=Decimal("0.1"))
        for n in range(size)
    )
    client = logged_in(alice)
    data = table_data(venue, **{"Catégorie 0": {"members": "12"}})
    # the session with its user, BEGIN, the venue locked with its items and categories (one
    # round trip on PostgreSQL, two on SQLite), one UPDATE, the journal, COMMIT
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 7):
        response = post(client, venue, data)
    assert response.status_code == 200
    assert stored(venue, "Catégorie 0").members == 12


def test_the_page_posts_the_table_as_one_form(alice_client, example):
    page = alice_client.get(example.get_absolute_url()).text
    url = reverse("categories_edit", args=[example.pk])
    form = '<form id="categories-table" class="rows category-rows autosave" method="post"'
    assert f'{form} action="{url}"' in page
    assert page.count('class="row category-row"') == 3  # rows of the table, not forms
    assert "Enregistrer le tableau" in page  # without JavaScript


def test_a_category_carrying_cost_with_nobody_to_pay_it_is_warned_about(alice_client, example):
    example.set_keys("surface", "surface")
    page = html.unescape(alice_client.get(example.get_absolute_url()).text)
    # Bénéficiaires: 20 % of the surface, so 20 % of 2 500 €, and no member nor workstation.
    assert (
        "« Bénéficiaires » porte 500,00 € par mois mais n'a ni membre ni poste de travail" in page
    )
    assert "« Résidents » porte" not in page  # 24 members
    post(alice_client, example, table_data(example, Bénéficiaires={"members": "3"}))
    page = html.unescape(alice_client.get(example.get_absolute_url()).text)
    assert "« Bénéficiaires » porte" not in page


def test_the_share_columns_a_surface_rule_ignores_say_so(alice_client, example):
    page = html.unescape(alice_client.get(example.get_absolute_url()).text)
    # Shown by the stylesheet when the rule's field says "surface" (static/css/app.css).
    assert '<p class="key-note infra-ignored" id="infra-ignored">« Infra. % » ne compte pas' in page
    assert 'class="field pct infra"' in page and 'class="field pct services"' in page
