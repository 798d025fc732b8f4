"""The share page read whole at the widths members use (1280 px: a laptop at 150 %, 1366,
1920; 768 px: a tablet; 390 px: a phone), in French and in English, for the worked example and
for a venue of 60 items and 12 categories with long names and 5-digit amounts: every column of
every table shown is inside the viewport and its figures fit their cells; phones and tablets
get one card per category and the venue's total on a card that says it is the whole venue's;
nothing scrolls sideways."""

from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import expect

from costing.models import CostItem, MemberCategory, venue_allocation
from costing.templatetags.costing import money
from tests.browser import accessibility_violations, needs_browser
from venues.models import ShareLink, Venue

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 1366, 1920, 768, 390]
CARDS_BELOW = 864  # px (54rem): phones and tablets held upright get one card per category

# Every visible table: its box and each cell's box against the viewport and against the box
# that clips it (a scrolling parent), and each cell's content against the cell itself.
MEASURE = """() => {
  const viewport = document.documentElement.clientWidth;
  const problems = [];
  const shown = (e) => e.getClientRects().length > 0;
  for (const table of document.querySelectorAll("main table")) {
    if (!shown(table)) continue;
    const name = (table.caption && table.caption.textContent.trim()) || table.className;
    const clip = table.parentElement.closest(".scroll") || document.documentElement;
    const right = Math.min(viewport, clip.getBoundingClientRect().right);
    const room = table.parentElement.clientWidth;
    if (table.scrollWidth > room + 1)
      problems.push(`${name}: ${table.scrollWidth} px wide in ${room} px`);
    for (const row of table.rows) {
      for (const cell of row.cells) {
        const box = cell.getBoundingClientRect();
        const text = cell.textContent.trim().slice(0, 30);
        if (box.left < -1 || box.right > right + 1)
          problems.push(`${name}: "${text}" spans ${box.left}-${box.right} of ${right} px`);
        if (cell.scrollWidth > cell.clientWidth + 1)
          problems.push(`${name}: "${text}" overflows its cell`);
      }
    }
  }
  for (const card of document.querySelectorAll(".category-card")) {
    if (!shown(card)) continue;
    const box = card.getBoundingClientRect();
    if (box.left < -1 || box.right > viewport + 1)
      problems.push(`card ${card.textContent.trim().slice(0, 30)} spans ${box.left}-${box.right}`);
    for (const part of card.querySelectorAll("h3, dt, dd")) {
      const inner = part.getBoundingClientRect();
      if (inner.right > box.right + 1 || part.scrollWidth > part.clientWidth + 1)
        problems.push(`card part "${part.textContent.trim().slice(0, 30)}" overflows`);
    }
  }
  if (document.documentElement.scrollWidth > viewport)
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide for ${viewport}`);
  return problems;
}"""


def big_venue() -> Venue:
    """60 items and 12 categories, long labels and names, 5-digit amounts (97 320 € a month)."""
    venue = Venue.objects.create(
        name="Grande Halle des Communs — 2 400 m²", total_surface_m2=Decimal(2400)
    )
    CostItem.objects.bulk_create(
        CostItem(
            venue=venue,
            position=n,
            label=f"Poste de coût numéro {n} avec un libellé long comme ceux de la méthode",
            pool=("infrastructure", "services")[n % 2],
            tier=("basic", "improved")[n // 30],
            amount=Decimal(1600 + n * 2) + Decimal("0.55"),
        )
        for n in range(60)
    )
    # One category carries 34 % of everything (5-digit figures), the others 6 % each.
    shares = [Decimal(34)] + [Decimal(6)] * 11
    MemberCategory.objects.bulk_create(
        MemberCategory(
            venue=venue,
            position=n,
            name=f"Catégorie {n + 1} : associations hébergées en résidence de longue durée",
            surface_share_pct=share,
            infrastructure_pct=share,
            services_pct=share,
            workstations=40 + n,
            members=120 + n,
        )
        for n, share in enumerate(shares)
    )
    return venue


@pytest.fixture
def page_at(browser_page):
    def open_page(venue: Venue, width: int, language: str):
        page = browser_page
        page.set_viewport_size({"width": width, "height": 900})
        link = ShareLink.objects.create(venue=venue, label="AG")
        page.goto(link.get_absolute_url())
        page.evaluate(f"document.cookie = 'django_language={language}; path=/'")
        page.reload()
        return page

    return open_page


def monthly_total(venue: Venue, language: str) -> str:
    with translation.override(language):
        return money(venue_allocation(venue).total, venue.currency)


def check(page, width: int, language: str, total: str) -> None:
    assert page.evaluate("document.documentElement.lang") == language
    problems = page.evaluate(MEASURE)
    assert problems == [], f"{width} px, {language}: {problems}"
    whole = page.locator(".category-card.whole")
    table = page.locator("table.allocation")
    if width < CARDS_BELOW:
        # One card per category; the venue's total on a card that names the whole venue.
        expect(table).to_be_hidden()
        expect(whole).to_be_visible()
        expect(whole).to_contain_text(total)
        heading = "Tout le lieu" if language == "fr" else "The whole venue"
        expect(whole.locator("h3")).to_contain_text(heading)
    else:
        expect(table).to_be_visible()
        expect(whole).to_be_hidden()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_worked_example_reads_whole(page_at, example, width, language):
    page = page_at(example, width, language)
    check(page, width, language, monthly_total(example, language))
    expect(page.locator(".category-card:visible")).to_have_count(5 if width < CARDS_BELOW else 0)
    page.screenshot(path=f"/tmp/c15b-share-example-{width}-{language}.png", full_page=True)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_a_venue_of_60_items_and_12_categories_reads_whole(page_at, width, language):
    venue = big_venue()
    page = page_at(venue, width, language)
    check(page, width, language, monthly_total(venue, language))
    expect(page.locator("table.items tbody tr")).to_have_count(60)
    if width == 390 or (width == 1280 and language == "fr"):
        page.screenshot(path=f"/tmp/c15b-share-big-{width}-{language}.png", full_page=True)


def test_the_share_page_passes_axe(page_at, example):
    for width in (1280, 390):
        page = page_at(example, width, "fr")
        assert accessibility_violations(page) == [], width


def test_the_print_button_prints_and_printing_shows_the_table(page_at, example):
    page = page_at(example, 390, "fr")
    # The browser's print dialog would stop the test: count the calls instead.
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Imprimer cette page").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    expect(page.locator("table.allocation")).to_be_visible()
    expect(page.locator(".category-cards")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimer cette page")).to_be_hidden()
    # A heading stays with what follows it; a table row or a card is never cut in two.
    styles = page.evaluate("""() => ({
        h2: getComputedStyle(document.querySelector("h2")).breakAfter,
        caption: getComputedStyle(document.querySelector("caption")).breakAfter,
        row: getComputedStyle(document.querySelector("table.allocation tbody tr")).breakInside,
        items: getComputedStyle(document.querySelector("table.items")).breakInside,
    })""")
    assert styles == {"h2": "avoid", "caption": "avoid", "row": "avoid", "items": "avoid"}
    page.emulate_media(media="screen")
