"""The manager closes a month in a real browser; members still read it after the draft moves
on, and its statement in PDF holds the allocation table (periods/, docs/periods.md)."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from periods.models import Period, month_label
from periods.tests.helpers import last_month
from tests.browser import accessibility_violations, log_in, needs_browser
from venues.models import ShareLink

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_closes_november_and_members_still_read_it_after_the_rent_changes(
    browser_page, example, alice
):
    page = browser_page
    month = last_month()  # November 2026 on 4 December 2026
    name = month_label(month).capitalize()
    link = ShareLink.objects.create(venue=example, label="AG", created_by=alice)
    log_in(page, "alice", "alice-password")

    # 1. Close the month, from the venue's history.
    page.goto(example.get_absolute_url())
    page.get_by_role("link", name="Historique").click()
    expect(page.get_by_role("heading", name=f"Historique de « {example.name} »")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_label("Mois à clôturer").fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="Clôturer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} est clôturé")
    row = page.locator("table.periods tbody tr", has_text=name)
    expect(row).to_contain_text("2 500,00 €")
    assert accessibility_violations(page) == []  # with its message too

    # Closing it again is refused beside the field, and nothing is created.
    page.get_by_label("Mois à clôturer").fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="Clôturer", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("déjà clôturé")
    assert Period.objects.count() == 1

    # 2. Change the rent: the draft moves on.
    page.goto(example.get_absolute_url())
    rent = page.locator("form.item-row", has=page.locator('input[value="Loyer du local"]'))
    amount = rent.locator("input[name$='-amount']")
    amount.fill("2 000")
    amount.press("Tab")
    expect(page.get_by_test_id("monthly-total")).to_have_text("3 400,00 €")

    # 3. The share link shows the draft's new total, and November as it was closed.
    member = page.context.browser.new_context(base_url=page.url.split("/venues/")[0])
    shared = member.new_page()
    shared.goto(link.get_absolute_url())
    expect(shared.get_by_test_id("monthly-total")).to_have_text("3 400,00 €")
    expect(shared.get_by_text("parts s'additionnent exactement")).to_be_visible()
    shared.get_by_role("link", name=name).click()
    expect(shared.get_by_test_id("monthly-total")).to_have_text("2 500,00 €")
    expect(shared.locator("table.allocation tbody tr", has_text="Résidents")).to_contain_text(
        "1 700,00 €"
    )

    # 4. Download November's statement: its text holds the allocation table.
    with shared.expect_download() as download:
        shared.get_by_role("link", name="Télécharger le relevé (PDF)").click()
    content = download.value.path().read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Répartition par catégorie de membres" in text
    assert "Résidents" in text and "1 700,00 €" in text
    assert "Contributeurs" in text and "800,00 €" in text
    assert "2 500,00 €" in text and "3 400,00 €" not in text
    member.close()


def test_the_pages_of_closed_months_pass_axe(browser_page, example, alice):
    from periods.tests.helpers import close

    page = browser_page
    period = close(example, user=alice)
    link = ShareLink.objects.create(venue=example, label="AG", created_by=alice)
    log_in(page, "alice", "alice-password")
    for url in [
        period.get_absolute_url(),
        f"/venues/{example.pk}/periods/compare/",
        f"/venues/{example.pk}/periods/year/{period.month.year}/",
        f"/venues/{example.pk}/share/",
        f"{link.get_absolute_url()}?period={period.key}",
    ]:
        page.goto(url)
        assert accessibility_violations(page) == [], url
