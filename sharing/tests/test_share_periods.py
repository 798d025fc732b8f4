"""A share link and the closed months: members pick the draft or any closed month, a link
pinned to a month shows it alone, and a closed month reads as it was frozen."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from periods.models import Period
from periods.tests.helpers import close, last_month, months_back
from sharing.tests.test_share_page import FORM_CONTROLS, PRINT_BUTTON
from tests.helpers import EXAMPLE_ALLOCATION, rent
from venues.models import Change, ShareLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(example, alice) -> ShareLink:
    return ShareLink.objects.create(venue=example, label="AG", created_by=alice)


def raise_the_rent(venue) -> None:
    item = rent(venue)
    item.amount = 2000  # +900 € a month: 3 400,00 € in all
    item.save()


def test_a_member_sees_the_draft_and_picks_any_closed_month(client, link, example):
    older, newer = (close(example, month) for month in months_back(2))
    raise_the_rent(example)
    page = client.get(link.get_absolute_url())
    assert "3 400,00 €" in page.text
    assert f'href="?period={newer.key}"' in page.text
    assert f'href="?period={older.key}"' in page.text
    shown = client.get(link.get_absolute_url() + f"?period={newer.key}")
    assert "2 500,00 €" in shown.text
    assert "3 400,00 €" not in shown.text
    assert "Mois clôturé" in shown.text
    assert f'href="statement.pdf?period={newer.key}"' in shown.text
    assert f'href="allocation.json?period={newer.key}"' in shown.text
    # Its only control prints the page (sharing/tests/test_share_page.py).
    readonly = shown.text.replace(PRINT_BUTTON, "")
    for marker in FORM_CONTROLS:
        assert marker not in readonly


def test_the_share_page_states_the_rounding_rule(client, link):
    assert "plus fort reste" in client.get(link.get_absolute_url()).text


def test_a_closed_months_json_is_the_frozen_document_byte_for_byte(client, link, example):
    period = close(example)
    raise_the_rent(example)
    response = client.get(reverse("share_allocation", args=[link.token]) + f"?period={period.key}")
    assert response.content == EXAMPLE_ALLOCATION.read_bytes()
    assert response.content == period.allocation_document.encode()
    draft = client.get(reverse("share_allocation", args=[link.token]))
    assert b'"3400.00"' in draft.content


@pytest.mark.parametrize("month", ["2020-01", "2026-13", "nope"])
def test_a_month_not_closed_is_not_found(client, link, example, month):
    close(example)
    for name in ("share_page", "share_allocation", "share_statement"):
        response = client.get(reverse(name, args=[link.token]) + f"?period={month}")
        assert response.status_code == 404
        assert response["Referrer-Policy"] == "no-referrer"


def test_a_reopened_month_is_no_longer_offered(client, link, example, alice):
    period = close(example)
    period.reopen(alice)
    page = client.get(link.get_absolute_url())
    assert f"?period={period.key}" not in page.text
    assert client.get(link.get_absolute_url() + f"?period={period.key}").status_code == 404


def test_closing_a_month_shows_at_once_on_the_cached_page(client, link, example):
    assert "?period=" not in client.get(link.get_absolute_url()).text
    period = close(example)
    assert f"?period={period.key}" in client.get(link.get_absolute_url()).text


def test_the_statement_of_a_closed_month_downloads_from_the_share_page(client, link, example):
    period = close(example)
    raise_the_rent(example)
    response = client.get(reverse("share_statement", args=[link.token]) + f"?period={period.key}")
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Répartition par catégorie de membres" in text
    assert "2 500,00 €" in text
    assert "3 400,00 €" not in text
    assert client.get(reverse("share_statement", args=[link.token])).status_code == 404


# A link pinned to one month


def test_a_pinned_link_shows_its_month_alone(client, link, example):
    older, newer = (close(example, month) for month in months_back(2))
    raise_the_rent(example)
    link.period = older.key
    link.save()
    page = client.get(link.get_absolute_url())
    assert "2 500,00 €" in page.text
    assert "3 400,00 €" not in page.text
    assert "?period=" + newer.key not in page.text
    assert "Aujourd&#x27;hui (brouillon)" not in page.text
    # Asking for another month changes nothing.
    other = client.get(link.get_absolute_url() + f"?period={newer.key}")
    assert other.content == page.content
    pinned_json = client.get(reverse("share_allocation", args=[link.token]))
    assert pinned_json.content == older.allocation_document.encode()


def test_a_pinned_month_reopened_still_shows_its_version_marked(client, link, example, alice):
    period = close(example)
    link.period = period.key
    link.save()
    period.reopen(alice)
    page = client.get(link.get_absolute_url())
    assert "2 500,00 €" in page.text
    assert "rouverte" in page.text


def test_the_owner_pins_and_unpins_a_link_from_the_share_links_page(alice_client, link, example):
    period = close(example)
    manage = alice_client.get(reverse("share_links", args=[example.pk]))
    pin_url = reverse("share_pin", args=[example.pk, link.pk])
    assert f'action="{pin_url}"' in manage.text
    response = alice_client.post(pin_url, {"period": period.key})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.period == period.key
    assert Change.objects.filter(model="venues.sharelink", action="changed").exists()
    alice_client.post(pin_url, {"period": ""})
    link.refresh_from_db()
    assert link.period == ""


@pytest.mark.parametrize("month", ["2020-01", "2026-13", "n'importe quoi"])
def test_pinning_a_month_not_closed_is_refused_with_a_message(alice_client, link, example, month):
    close(example)
    response = alice_client.post(
        reverse("share_pin", args=[example.pk, link.pk]), {"period": month}, follow=True
    )
    assert "n&#x27;est pas un mois clôturé" in response.text
    link.refresh_from_db()
    assert link.period == ""


def test_a_closed_months_share_page_takes_three_queries_then_one(
    client, link, example, django_assert_num_queries
):
    period = close(example)
    url = link.get_absolute_url() + f"?period={period.key}"
    with django_assert_num_queries(3):  # link with its venue, the closed months, the month
        first = client.get(url)
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.content == first.content


def test_anyone_with_the_link_reads_a_closed_month_without_an_account(link, example):
    period = close(example, last_month())
    response = Client().get(link.get_absolute_url() + f"?period={period.key}")
    assert response.status_code == 200
    assert Period.objects.get().verify()
