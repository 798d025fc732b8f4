"""The manager's journey in a real browser: htmx, CSP and progressive enhancement together."""

import json

import pytest
from playwright.sync_api import expect

from costing.documents import load_venue_document
from costing.models import MemberCategory
from tests.browser import accessibility_violations, log_in, needs_browser
from venues.models import ShareLink

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row(page, label: str):
    return page.locator("form.item-row", has=page.locator(f'input[value="{label}"]'))


def test_a_manager_builds_a_venue_from_the_checklist_and_watches_the_totals(browser_page, alice):
    page = browser_page
    log_in(page, "alice", "alice-password")
    expect(page.get_by_role("heading", name="Mes lieux")).to_be_visible()

    page.get_by_role("link", name="Nouveau lieu").click()
    page.get_by_label("Nom du lieu").fill("La Forge")
    page.get_by_label("Surface totale (m²)").fill("300")
    page.get_by_label("La liste de la méthode", exact=False).check()
    page.get_by_role("button", name="Créer le lieu").click()
    total = page.get_by_test_id("monthly-total")
    expect(total).to_have_text("0,00 €")

    # A marker that a full page load would wipe out.
    page.evaluate("window.stillTheSamePage = true")

    rent = row(page, "Local (location ou achat)").locator("input[name$='-amount']")
    rent.fill("1 100,00")
    rent.press("Tab")
    expect(total).to_have_text("1 100,00 €")

    energy = row(page, "Électricité, gaz et eau").locator("input[name$='-amount']")
    energy.fill("-5")
    energy.press("Tab")
    error = row(page, "Électricité, gaz et eau").locator(".errorlist")
    expect(error).to_contain_text("Le montant ne peut pas être négatif.")
    expect(total).to_have_text("1 100,00 €")
    energy = row(page, "Électricité, gaz et eau").locator("input[name$='-amount']")
    expect(energy).to_have_attribute("aria-invalid", "true")
    energy.fill("180")
    energy.press("Tab")
    expect(total).to_have_text("1 280,00 €")
    expect(row(page, "Électricité, gaz et eau").locator(".errorlist")).to_have_count(0)

    concierge = row(page, "Conciergerie : accueil, information, animation, médiation")
    concierge.locator("input[name$='-amount']").fill("6 600")
    concierge.locator("select[name$='-frequency']").select_option("yearly")
    expect(total).to_have_text("1 830,00 €")
    expect(page.locator("#summary")).to_contain_text("1 280,00 €")  # residents' share

    new_category = page.locator("#categories form.add-row")
    new_category.get_by_label("Nom de la catégorie").fill("Associations hébergées")
    new_category.get_by_label("Membres").fill("4")
    new_category.get_by_role("button", name="Ajouter").click()
    expect(page.locator("#summary")).to_contain_text("Associations hébergées")

    assert page.evaluate("window.stillTheSamePage") is True

    # A save that meets a server failure says so, and the next one that succeeds clears it.
    alert = page.locator("#request-error")
    expect(alert).to_be_hidden()
    page.route("**/items/*/", lambda route: route.fulfill(status=503, body="indisponible"))
    rent = row(page, "Local (location ou achat)").locator("input[name$='-amount']")
    rent.fill("1 200,00")
    rent.press("Tab")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("n'a pas été enregistrée")
    expect(total).to_have_text("1 830,00 €")
    assert all("503" in error for error in page.errors), page.errors
    page.errors.clear()
    page.unroute("**/items/*/")
    rent.fill("1 100,00")
    rent.press("Tab")
    expect(alert).to_be_hidden()

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter (JSON)").click()
    venue = load_venue_document(download.value.path().read_bytes())
    assert venue.name == "La Forge"
    assert [c.name for c in venue.categories][-1] == "Associations hébergées"
    assert json.loads(download.value.path().read_text())["cost_items"][0]["amount"] == "1100.00"


def test_the_workspace_works_without_javascript(page_without_javascript, alice):
    page = page_without_javascript
    log_in(page, "alice", "alice-password")
    page.goto("/venues/new/")
    page.get_by_label("Nom du lieu").fill("Sans JS")
    page.get_by_label("Surface totale (m²)").fill("100")
    page.get_by_role("button", name="Créer le lieu").click()
    rent = row(page, "Local (location ou achat)")
    rent.locator("input[name$='-amount']").fill("900")
    rent.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_test_id("monthly-total")).to_have_text("900,00 €")


def test_a_manager_moves_a_misfiled_item_and_notes_its_contract(browser_page, example):
    page = browser_page
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    page.get_by_role(
        "link", name="Détails de « Assurance professionnelle » : groupe, notes"
    ).click()
    expect(page.get_by_role("heading", name="Poste « Assurance professionnelle »")).to_be_visible()
    page.get_by_label("Ensemble").select_option("services")
    page.get_by_label("Notes").fill("Contrat MAIF, échéance au 1er mars.")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.locator("[role=status] ul.messages")).to_contain_text(
        "Poste « Assurance professionnelle » enregistré."
    )
    moved = page.locator("#group-services-basic").get_by_role(
        "link", name="Détails de « Assurance professionnelle » : groupe, notes"
    )
    expect(moved).to_have_attribute("title", "Contrat MAIF, échéance au 1er mars.")
    expect(page.locator("#group-infrastructure-basic")).not_to_contain_text("Assurance")
    expect(page.get_by_test_id("monthly-total")).to_have_text("2 500,00 €")  # the same cost

    # A member with read-only access reads the note in the row, folded until asked for.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, "victor", "victor-password")
    page.goto(example.get_absolute_url())
    row = page.locator("#group-services-basic form", has_text="Assurance professionnelle")
    note = row.get_by_text("Contrat MAIF, échéance au 1er mars.")
    expect(note).to_be_hidden()
    row.get_by_text("Notes").click()
    expect(note).to_be_visible()


def test_a_manager_shares_the_allocation_with_the_members_then_revokes_the_link(
    browser_page, example
):
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    page.get_by_role("link", name="Partager").click()
    page.get_by_label("Nom du lien").fill("Assemblée générale 2026")
    page.get_by_role("button", name="Créer le lien").click()

    link = page.locator("li.share-link", has_text="Assemblée générale 2026")
    address = link.locator("input[type=url]").input_value()
    assert "/s/" in address
    link.get_by_role("button", name="Copier").click()
    expect(link.get_by_role("button", name="Copié !")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address

    # A member opens it without an account: the allocation to the cent, read-only.
    members = page.context.browser.new_context()
    member = members.new_page()
    problems: list[str] = []
    member.on("console", lambda m: m.type == "error" and problems.append(m.text))
    response = member.goto(address)
    assert response.status == 200
    assert response.headers["x-robots-tag"].startswith("noindex")
    expect(member.get_by_role("heading", name=example.name)).to_be_visible()
    expect(member.get_by_test_id("monthly-total")).to_have_text("2 500,00 €")
    residents = member.locator("table.allocation tbody tr", has_text="Résidents")
    expect(residents).to_contain_text("1 700,00 €")  # what the residents carry each month
    expect(residents).to_contain_text("70,83 €")  # per member
    expect(member.locator("form, input, button:not([data-print]), [hx-post]")).to_have_count(0)
    expect(member.get_by_role("button", name="Imprimer cette page")).to_be_visible()
    assert problems == []

    # Revoking asks first, says what it does, and "Annuler" changes nothing.
    link.get_by_role("link", name="Révoquer").click()
    question = "Révoquer le lien « Assemblée générale 2026 » ?"
    expect(page.get_by_role("heading", name=question)).to_be_visible()
    expect(page.get_by_text("ne pourra plus ouvrir la page de partage")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Annuler").click()
    expect(page.locator("li.share-link")).to_have_count(1)
    assert member.reload().status == 200
    link.get_by_role("link", name="Révoquer").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Révoquer définitivement").click()
    expect(page.locator("li.share-link")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("est révoqué")
    assert member.reload().status == 404
    members.close()


# The widths of a common laptop (1366 px), a laptop at 150 % zoom (1280 px) and a phone.
@pytest.mark.parametrize("width", [1366, 1280, 390])
def test_the_allocation_is_read_whole_on_a_laptop_and_a_phone(browser_page, example, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, "alice", "alice-password")
    link = ShareLink.objects.create(venue=example, label="AG")
    for url in (example.get_absolute_url(), link.get_absolute_url()):
        page.goto(url)
        table = page.locator("table.allocation")
        expect(table).to_contain_text("70,83 €")  # the last column: per member
        fits = table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, f"{url}: the page is {page_width} px wide"
        if width > 1000:  # side by side with the inputs, without scrolling
            assert fits, f"{url}: the allocation table is cut at {width} px"
    if width > 1000:  # each category's value stands under its heading
        page.goto(example.get_absolute_url())
        right_edges = """sel => [...document.querySelectorAll(sel)].slice(0, 6)
            .map(e => Math.round(e.getBoundingClientRect().right))"""
        headings = page.evaluate(right_edges, ".category-head span")
        for form in page.locator("form.category-row").all():
            assert form.evaluate(
                "(f, edges) => [...f.querySelectorAll('.field input')].every("
                "(input, i) => Math.abs(input.getBoundingClientRect().right - edges[i]) <= 1)",
                headings,
            )


def test_a_manager_repairs_shares_that_add_up_to_more_than_100_percent(browser_page, example):
    """Stored data from before the rule (or edited in the admin): the venue still opens, says
    what to fix, and the fix is an ordinary edit of the row."""
    contributors = example.categories.get(name="Contributeurs")
    MemberCategory.objects.filter(pk=contributors.pk).update(infrastructure_pct=50)
    page = browser_page
    log_in(page, "alice", "alice-password")
    expect(page.get_by_text("Des parts dépassent 100 %")).to_be_visible()
    page.get_by_role("link", name=example.name).click()
    warning = page.locator("#summary li.violation")
    expect(warning).to_contain_text(
        "Les parts de l'infrastructure des catégories font 150 % : ramenez-les à 100 % au plus."
    )
    share = page.locator(f"#category-{contributors.pk} input[name$='-infrastructure_pct']")
    share.fill("0")
    share.press("Tab")
    expect(warning).to_have_count(0)
    expect(page.locator("#summary")).to_contain_text("1 700,00 €")  # the residents carry it again


def test_a_visitor_learns_what_the_app_is_then_logs_in_with_her_email_address(browser_page, alice):
    page = browser_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Le coût mensuel de votre tiers-lieu, et qui le porte"
    )
    expect(page.get_by_text("2 500,00 €").first).to_be_visible()  # the worked example
    expect(page.get_by_role("link", name="Créer un compte").first).to_be_visible()
    expect(page.get_by_role("link", name="Mes lieux")).to_have_count(0)

    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Nom d’utilisateur ou adresse e-mail").fill("Alice@Example.org")
    page.get_by_label("Mot de passe").fill("alice-password")
    page.get_by_role("button", name="Se connecter").last.click()
    expect(page.get_by_role("heading", name="Mes lieux")).to_be_visible()
    expect(page.get_by_role("link", name="Mes lieux")).to_be_visible()


def test_an_edit_of_a_row_a_teammate_deleted_meanwhile_brings_the_venue_back_with_why(
    browser_page, example
):
    from django.urls import reverse

    from costing.models import CostItem

    page = browser_page
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    internet = CostItem.objects.get(venue=example, label="Abonnement internet haut débit")
    CostItem.objects.filter(pk=internet.pk).delete()  # Bob, in his own browser, meanwhile
    page.evaluate("window.stillTheSamePage = true")

    amount = row(page, "Abonnement internet haut débit").locator("input[name$='-amount']")
    amount.fill("75")
    amount.press("Tab")
    expect(page.get_by_role("status").filter(has_text="Cette ligne n'existe plus")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === undefined")  # the page loaded again
    expect(row(page, "Abonnement internet haut débit")).to_have_count(0)
    expect(page.locator("#request-error")).to_be_hidden()  # not "try again in a moment"
    assert accessibility_violations(page) == []

    page.goto(reverse("item_details", args=[example.pk, internet.pk]))  # as without JavaScript
    expect(page.get_by_role("heading", name="Ligne introuvable")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("link", name=f"Revenir à « {example.name} »").click()
    site = page.url.split("/venues/")[0]
    expect(page).to_have_url(f"{site}{example.get_absolute_url()}")
    # Both answers were 404s, as for any row the venue does not have; nothing else failed.
    gone = f"{site}{example.get_absolute_url()}items/{internet.pk}/"
    assert sorted(e for e in page.errors if e.startswith("404 ")) == [
        f"404 {gone}",
        f"404 {gone}details/",
    ]
    assert all(e.startswith("404 ") or "status of 404" in e for e in page.errors)
    page.errors.clear()
