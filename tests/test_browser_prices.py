"""The manager's pricing journey in a real browser: a price, what it covers, a scenario and its
comparison, while the share page keeps showing the current state (docs/method.md R7–R9)."""

import pytest
from playwright.sync_api import expect

from tests.browser import accessibility_violations, log_in, needs_browser
from venues.models import ShareLink

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_prices_the_residents_then_tries_a_higher_rent_in_a_scenario(
    browser_page, example
):
    page = browser_page
    link = ShareLink.objects.create(venue=example, label="AG")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    page.get_by_role("link", name="Tarifs").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tarifs")
    page.evaluate("window.stillTheSamePage = true")

    # 1. The residents' price, typed the French way; 2. coverage and break-even, live.
    residents = page.locator("form.price-row", has_text="Résidents")
    price = residents.get_by_label("Prix", exact=True)
    price.fill("80,00")
    price.press("Tab")
    residents = page.locator("form.price-row", has_text="Résidents")
    expect(residents.get_by_test_id("coverage")).to_have_text("112,94 %")
    expect(residents.get_by_test_id("break-even")).to_have_text("22 membres payants")
    expect(residents.get_by_test_id("revenue")).to_have_text("1 920,00 €")
    expect(page.locator("#balance").get_by_test_id("total-revenue")).to_have_text("1 920,00 €")

    # The margin and occupancy give the worked example's suggested price.
    page.get_by_label("Marge de précaution (%)").fill("10")
    occupancy = page.get_by_label("Taux d'occupation attendu (%)")
    occupancy.fill("90")
    occupancy.press("Tab")
    residents = page.locator("form.price-row", has_text="Résidents")
    expect(residents.get_by_test_id("suggested")).to_have_text("86,58 € par membre et par mois")
    # Changed again and back from the same page: what it shows as saved follows each save
    # (venues.forms.KeepsOthersChanges), so its own changes are never taken for someone else's.
    for margin, suggested in (("12", "88,15 €"), ("10", "86,58 €")):
        field = page.get_by_label("Marge de précaution (%)")
        field.fill(margin)
        field.press("Tab")
        residents = page.locator("form.price-row", has_text="Résidents")
        expect(residents.get_by_test_id("suggested")).to_have_text(
            f"{suggested} par membre et par mois"
        )
    expect(page.locator("#pricing .errorlist")).to_have_count(0)

    # Bad input: a message beside the field, nothing changed.
    occupancy = page.get_by_label("Taux d'occupation attendu (%)")
    occupancy.fill("0")
    occupancy.press("Tab")
    expect(page.locator("#pricing .errorlist")).to_contain_text(
        "doit être de plus de 0 % et d'au plus 100 %"
    )
    residents = page.locator("form.price-row", has_text="Résidents")
    expect(residents.get_by_test_id("suggested")).to_have_text("86,58 € par membre et par mois")
    assert page.evaluate("window.stillTheSamePage") is True
    assert accessibility_violations(page) == []

    # 3. A scenario "Loyer +10 %", and the rent raised in it.
    page.get_by_role("link", name="Scénarios").first.click()
    assert accessibility_violations(page) == []
    page.get_by_label("Nom du scénario").fill("Loyer +10 %")
    page.get_by_role("button", name="Créer le scénario").click()
    expect(page.locator(".scenario-banner")).to_be_visible()
    rent = page.locator("form.item-row", has=page.locator('input[value="Loyer du local"]'))
    amount = rent.locator("input[name$='-amount']")
    amount.fill("1 210,00")
    amount.press("Tab")
    expect(page.get_by_test_id("monthly-total")).to_have_text("2 610,00 €")

    # 4. Compared with the current state: the differences highlighted.
    page.get_by_role("link", name="Comparer avec l'état actuel").click()
    total = page.get_by_test_id("total-total")
    expect(total).to_contain_text("2 500,00 €")
    expect(total).to_contain_text("2 610,00 €")
    expect(total.locator("mark")).to_have_text("+110,00 €")
    residents = page.get_by_test_id("category-1")
    expect(residents.get_by_test_id("suggested").locator("mark")).to_have_text("+5,60 €")
    assert accessibility_violations(page) == []

    # 5. The share page still shows the current rent.
    page.goto(link.get_absolute_url())
    expect(page.get_by_test_id("monthly-total")).to_have_text("2 500,00 €")
    expect(page.locator("table.costs")).to_contain_text("1 700,00 €")
    expect(page.locator("table.costs")).not_to_contain_text("1 810,00 €")
