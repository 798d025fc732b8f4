"""The history, a closed period's page, its JSON and PDF, comparing, the year: what members
read of a venue's closed months, and who may close and reopen them."""

import html
import io
import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from costing.models import CostItem, MemberCategory
from periods.models import Period, month_key
from periods.tests.helpers import close, last_month, months_back
from tests.helpers import EXAMPLE_ALLOCATION, item_values, rent
from venues.models import Change, ShareLink, Venue

pytestmark = pytest.mark.django_db


def url(name: str, venue, *args) -> str:
    return reverse(name, args=[venue.pk, *args])


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def main(response) -> str:
    """The page's own content (the layout around it carries this request's nonce and token)."""
    return response.text.split('<main id="main">')[1].split("</main>")[0]


def edit_everything(client, venue) -> None:
    """Every item and category changed through the pages, the keys changed, a category
    deleted."""
    for item in venue.cost_items.all():
        values = item_values(item, amount=str(item.amount + 100), label=f"{item.label} bis")
        response = client.post(reverse("item_details", args=[venue.pk, item.pk]), values)
        assert response.status_code == 302
    for category in venue.categories.all():
        data = {
            f"category-{category.pk}-{k}": v
            for k, v in {
                "name": f"{category.name} bis",
                "surface_share_pct": "10",
                "workstations": "1",
                "members": "2",
                "infrastructure_pct": "0",
                "services_pct": "0",
                "version": category.version,
            }.items()
        }
        response = client.post(reverse("category_edit", args=[venue.pk, category.pk]), data)
        assert response.status_code == 302, response.text
    keys = {"keys-infrastructure_key": "surface", "keys-services_key": "surface"}
    assert client.post(url("keys_edit", venue), keys).status_code == 302
    last = venue.categories.last()
    assert client.post(reverse("category_delete", args=[venue.pk, last.pk])).status_code == 302


# Closing through the page


def test_an_editor_closes_a_month_from_the_history(bob_client, example, bob):
    month = month_key(last_month())
    response = bob_client.post(url("period_close", example), {"month": month})
    assert response.status_code == 302
    period = Period.objects.get()
    assert period.closed_by == bob
    assert period.key == month
    page = bob_client.get(url("period_list", example))
    assert "est clôturé" in page.text
    assert "2 500,00 €" in page.text
    assert Change.objects.filter(action="closed", actor=bob).count() == 1


@pytest.mark.parametrize(
    "month, message",
    [
        ("2026-13", "AAAA-MM"),
        ("novembre", "AAAA-MM"),
        ("", "Ce champ est obligatoire"),
        ("2999-01", "pas commencé"),
    ],
)
def test_bad_months_are_refused_beside_the_field(bob_client, example, month, message):
    response = bob_client.post(url("period_close", example), {"month": month})
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Period.objects.exists()


def test_closing_twice_is_refused_beside_the_field(bob_client, example):
    close(example)
    response = bob_client.post(url("period_close", example), {"month": month_key(last_month())})
    assert response.status_code == 200
    assert "déjà clôturé" in response.text
    assert "rouvrez-le d&#x27;abord depuis l&#x27;historique du lieu" in response.text  # how
    assert Period.objects.count() == 1


def test_closing_a_venue_with_broken_shares_is_refused(bob_client, example):
    MemberCategory.objects.filter(venue=example).update(services_pct=50)  # 150 %
    response = bob_client.post(url("period_close", example), {"month": month_key(last_month())})
    assert response.status_code == 200
    assert "services des catégories dépassent 100 %" in response.text
    assert not Period.objects.exists()


def test_a_viewer_reads_the_history_but_cannot_close(victor_client, example):
    close(example)
    page = victor_client.get(url("period_list", example))
    assert page.status_code == 200
    assert "close-title" not in page.text
    assert "Rouvrir" not in page.text
    response = victor_client.post(url("period_close", example), {"month": "2026-01"})
    assert response.status_code == 403
    assert Period.objects.count() == 1


def test_only_the_owner_reopens(alice_client, bob_client, example):
    period = close(example)
    assert bob_client.post(url("period_reopen", example, period.key)).status_code == 403
    assert "Rouvrir" not in bob_client.get(url("period_list", example)).text
    response = alice_client.post(url("period_reopen", example, period.key))
    assert response.status_code == 302
    period.refresh_from_db()
    assert not period.in_force
    assert alice_client.post(url("period_reopen", example, period.key)).status_code == 404
    # Closing again makes version 2; version 1 is still readable.
    assert alice_client.post(url("period_close", example), {"month": period.key}).status_code == 302
    assert Period.objects.get(version=2).in_force
    old = alice_client.get(url("period_detail", example, period.key) + "?version=1")
    assert "rouverte le" in old.text


@pytest.mark.parametrize("version", ["²", "١", "-1", "1.0", "9999999999"])
@pytest.mark.parametrize("page", ["period_detail", "period_allocation", "period_statement"])
def test_a_version_that_is_no_whole_number_of_ascii_digits_answers_404(
    alice_client, example, page, version
):
    period = close(example)
    assert alice_client.get(url(page, example, period.key), {"version": version}).status_code == 404


# A closed period never changes


def test_a_closed_period_reads_the_same_after_every_edit(alice_client, example):
    period = close(example)
    page_url = url("period_detail", example, period.key)
    json_url = url("period_allocation", example, period.key)
    pdf_url = url("period_statement", example, period.key)
    link = ShareLink.objects.create(venue=example, label="AG")
    shared_url = link.get_absolute_url() + f"?period={period.key}"
    before = (
        main(alice_client.get(page_url)),
        alice_client.get(json_url).content,
        pdf_text(alice_client.get(pdf_url).content),
        Client().get(shared_url).content,
    )
    edit_everything(alice_client, example)
    assert example.categories.count() == 2
    assert "bis" in alice_client.get(example.get_absolute_url()).text
    after = (
        main(alice_client.get(page_url)),
        alice_client.get(json_url).content,
        pdf_text(alice_client.get(pdf_url).content),
        Client().get(shared_url).content,
    )
    assert after == before
    assert before[1] == EXAMPLE_ALLOCATION.read_bytes()
    assert Period.objects.get().verify()
    assert "vérifiée" in after[0]


def test_the_periods_page_shows_the_frozen_allocation(victor_client, example):
    period = close(example)
    page = victor_client.get(url("period_detail", example, period.key))
    assert "2 500,00 €" in page.text
    assert "1 700,00 €" in page.text
    assert "Résidents" in page.text
    assert period.sha256 in page.text
    assert "plus fort reste" in page.text


@pytest.mark.parametrize("month", ["2026-13", "nope", "1999-01"])
def test_unknown_or_invalid_months_answer_404(victor_client, example, month):
    close(example)
    for name in ("period_detail", "period_allocation", "period_statement"):
        assert victor_client.get(url(name, example, month)).status_code == 404


def test_an_unknown_version_answers_404(victor_client, example):
    period = close(example)
    for version in ("2", "x", "99999999999"):
        page = victor_client.get(url("period_detail", example, period.key) + f"?version={version}")
        assert page.status_code == 404


# Statements in PDF


def test_the_statement_holds_the_venue_the_month_the_tables_the_method_and_the_rounding(
    victor_client, example
):
    period = close(example)
    response = victor_client.get(url("period_statement", example, period.key))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in [
        "Exemple Movilab",
        period.label,
        "Ce que coûte le lieu",
        "Infrastructure",
        "Répartition par catégorie de membres",
        "Résidents",
        "1 700,00 €",
        "2 500,00 €",
        "Bonjour",
        "plus fort reste",
        period.sha256[:20],
    ]:
        assert expected in text, expected


def test_the_statement_reads_in_english_when_chosen(victor_client, example):
    period = close(example)
    text = pdf_text(
        victor_client.get(url("period_statement", example, period.key) + "?lang=en").content
    )
    assert "2,500.00 €" in text
    assert "largest remainder" in text
    # What the statement's context names reads in its language, not the page's (French).
    assert "“Chosen shares” for infrastructure" in text and "Parts choisies" not in text
    assert "Rounding: " in text


def test_the_same_closed_period_always_gives_the_same_pdf(victor_client, example):
    period = close(example)
    pdf_url = url("period_statement", example, period.key)
    first = victor_client.get(pdf_url).content
    rent_item = rent(example)
    rent_item.amount = 5000
    rent_item.save()
    assert victor_client.get(pdf_url).content == first


def test_the_year_statement_lists_the_closed_months(victor_client, example):
    months = months_back(2)
    for month in months:
        close(example, month)
    year = months[-1].year
    response = victor_client.get(url("year_statement", example, year))
    text = pdf_text(response.content)
    assert str(year) in text
    assert "Résidents" in text
    assert "plus fort reste" in text
    assert victor_client.get(url("year_statement", example, 2001)).status_code == 404


# Comparing


def test_comparing_a_closed_month_with_the_draft(victor_client, example):
    period = close(example)
    item = rent(example)
    item.amount = 2000
    item.save()
    CostItem.objects.create(venue=example, label="Nouveau four", pool="infrastructure", amount=50)
    example.cost_items.filter(label__startswith="Abonnement internet").delete()
    response = victor_client.get(url("period_compare", example))
    text = response.text
    assert "2 500,00 €" in text  # before
    assert "1 100,00 € → 2 000,00 €" in text  # the rent's change
    assert "1 700,00 €" in text and "2 590,00 €" in text  # infrastructure before, after
    assert "Nouveau four" in text.split("Ajoutés")[1]
    assert "Abonnement internet" in text.split("Retirés")[1]
    assert "Loyer du local" in text.split("Modifiés")[1]
    assert period.label in text


def test_comparing_two_versions_of_a_month(alice_client, example, alice):
    first = close(example)
    first.reopen(alice)
    item = rent(example)
    item.amount = 1210  # +110 € on 1 100 €: +10 %
    item.save()
    second = close(example)
    query = f"?before={first.key}.v1&after={second.key}.v2"
    text = alice_client.get(url("period_compare", example) + query).text
    assert "110,00 €" in text
    assert "4,4 %" in text  # 2 500 → 2 610


def test_a_month_named_without_its_version_is_shown_selected_as_its_version_in_force(
    victor_client, example
):
    period = close(example)
    text = victor_client.get(url("period_compare", example), {"before": period.key}).text
    before = text.split('name="before"')[1].split("</select>")[0]
    assert f'<option value="{period.key}.v1" selected>' in before
    assert "selected" not in before.split(f'value="{period.key}.v1"')[0]  # not the draft


def test_comparing_an_unknown_choice_says_so(victor_client, example):
    response = victor_client.get(url("period_compare", example) + "?before=2020-01.v1")
    assert response.status_code == 200
    assert "Choisissez deux répartitions" in response.text


# The year


def test_the_year_shows_each_closed_month_and_marks_the_draft(victor_client, example):
    month = last_month()
    close(example, month)
    page = victor_client.get(url("period_year", example, date.today().year))
    assert page.status_code == 200
    assert "brouillon" in page.text
    assert "1 700,00 €" in page.text
    # Its twelve months named as French abbreviates them (not Django's "Jui" and "Jul").
    for name in ("jan.", "juin", "juil.", "août", "déc."):
        assert f">{name}<" in page.text


# A closed month keeps its currency and name


def switch_currency(venue, currency: str = "CHF", name: str = "Renommé") -> None:
    Venue.objects.filter(pk=venue.pk).update(currency=currency, name=name)
    venue.refresh_from_db()


def test_a_closed_month_shows_the_currency_it_was_closed_in_once_the_venue_s_changes(
    victor_client, example
):
    month = last_month()
    close(example, month)
    switch_currency(example)
    page = main(victor_client.get(url("period_year", example, month.year)))
    total = page.split('<tr class="total">')[1].split("</tr>")[0]
    assert total.count("2 500,00 €") == 2  # the closed month, and the closed months' sum
    assert "<strong>2 500,00 €</strong>" in total  # the closed months' sum, in their currency
    if month.year == timezone.localdate().year:  # the draft, this month, in today's
        assert "2 500,00 CHF" in total
    assert "devises différentes" not in page


def test_months_closed_in_two_currencies_are_shown_each_in_its_own_and_not_summed(
    victor_client, example
):
    older, newer = months_back(2)
    close(example, older)
    switch_currency(example)
    close(example, newer)
    page = main(victor_client.get(url("period_year", example, newer.year)))
    total = page.split('<tr class="total">')[1].split("</tr>")[0]
    if older.year == newer.year:
        assert "2 500,00 €" in total and "2 500,00 CHF" in total
        assert "<strong>—</strong>" in total
        assert "clôturés dans des devises différentes (CHF, EUR)" in html.unescape(page)


def test_the_year_statement_keeps_the_frozen_name_and_currency(victor_client, example):
    month = last_month()
    close(example, month)
    switch_currency(example)
    text = pdf_text(victor_client.get(url("year_statement", example, month.year)).content)
    assert "Renommé" not in text
    assert "Exemple Movilab" in text
    assert "CHF" not in text and "2 500,00 €" in text


def test_comparing_across_two_currencies_shows_each_side_in_its_own_without_differences(
    victor_client, example
):
    period = close(example)
    switch_currency(example)
    text = html.unescape(main(victor_client.get(url("period_compare", example))))
    assert period.label in text
    row = text.split("Total par mois")[1].split("</tr>")[0]
    assert "2 500,00 €" in row and "2 500,00 CHF" in row and row.count("—") == 2
    assert "pas dans la même devise (EUR, CHF)" in text


# Queries: constant whatever the number of periods


def _many_periods(venue, count: int) -> None:
    period = close(venue)
    Period.objects.bulk_create(
        Period(
            venue=venue,
            month=month,
            version=1,
            venue_document=period.venue_document,
            allocation_document=period.allocation_document,
            sha256=period.sha256,
            closed_by_name="",
            closed_at=period.closed_at,
        )
        for month in months_back(count + 1)[: count - 1]
    )
    assert venue.periods.count() == count


@pytest.mark.parametrize("count", [1, 12, 120])
def test_the_history_runs_a_constant_number_of_queries(
    alice_client, example, count, django_assert_num_queries
):
    _many_periods(example, count)
    with django_assert_num_queries(5):  # session with its user, venue, periods, items, categories
        assert alice_client.get(url("period_list", example)).status_code == 200


@pytest.mark.parametrize("count", [1, 12, 120])
def test_the_year_runs_a_constant_number_of_queries(
    alice_client, example, count, django_assert_num_queries
):
    _many_periods(example, count)
    # session with its user, venue, periods, the first closed month, items, categories
    with django_assert_num_queries(6):
        response = alice_client.get(url("period_year", example, date.today().year))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 12, 120])
def test_comparing_runs_a_constant_number_of_queries(
    alice_client, example, count, django_assert_num_queries
):
    _many_periods(example, count)
    # session with its user, venue, the periods to choose from, the two compared, items, categories
    with django_assert_num_queries(6):
        assert alice_client.get(url("period_compare", example)).status_code == 200


def test_the_json_is_the_frozen_document(victor_client, example):
    period = close(example)
    response = victor_client.get(url("period_allocation", example, period.key))
    assert response.content == period.allocation_document.encode()
    assert json.loads(response.content)["monthly_cost"]["total"] == "2500.00"


def test_deleting_the_account_that_closed_a_month_keeps_it_whole(example, bob):
    period = close(example, user=bob)
    bob.delete()
    period = Period.objects.get(pk=period.pk)
    assert period.closed_by is None
    assert period.closed_by_name == "bob"
    assert period.verify()


def test_what_users_typed_is_text_in_the_statement(victor_client, example):
    hostile = '<img src="http://evil.example/x.png"><b>Atelier</b>'
    example.name = hostile
    example.save()
    example.categories.filter(position=0).update(name="<script>alert(1)</script>")
    period = close(example)
    response = victor_client.get(url("period_statement", example, period.key))
    text = pdf_text(response.content)
    assert hostile in text
    assert "<script>alert(1)</script>" in text


def test_a_statement_fetches_nothing(monkeypatch):
    """Even markup that names a resource would not make the server fetch it."""
    from urllib import request

    from periods import statement

    opened = []
    monkeypatch.setattr(request.OpenerDirector, "open", lambda *a, **k: opened.append(a))
    monkeypatch.setattr(
        statement,
        "render_to_string",
        lambda *args: '<p>Relevé</p><img src="http://127.0.0.1:9/x.png" alt="">',
    )
    content = statement.render_pdf("any", dict, created=timezone.now(), language="fr")
    assert "Relevé" in pdf_text(content)
    assert opened == []


def test_the_year_links_only_to_years_with_closed_months_up_to_this_one(alice_client, example):
    this_year = date.today().year
    _many_periods(example, 13)  # back into last year
    page = alice_client.get(url("period_year", example, this_year)).text
    assert url("period_year", example, this_year - 1) in page
    assert url("period_year", example, this_year + 1) not in page
    last_year = alice_client.get(url("period_year", example, this_year - 1)).text
    assert url("period_year", example, this_year - 2) not in last_year
    assert url("period_year", example, this_year) in last_year
