"""The workspace read whole at the widths managers use (1280 px: a laptop at 150 %, 1366, 1920;
390 px: a phone), in French and in English, for the worked example and for a venue of 60 items
and 12 categories with long names and 5-digit amounts (issue 15, point 3).

Measured in the browser: every visible table's cells and every row's inputs inside the
viewport and inside whatever clips them, their figures fitting their boxes, each row's
select showing its chosen option whole, and nothing that scrolls sideways; on a phone, the
allocation by category is one card per category."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from costing.models import CostItem, MemberCategory
from tests.browser import accessibility_violations, log_in, needs_browser
from venues.models import Membership, Role, Venue

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 1366, 1920, 390]

MEASURE = """() => {
  const viewport = document.documentElement.clientWidth;
  const problems = [];
  const shown = (e) => e.getClientRects().length > 0;
  const clipOf = (e) => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== "visible" && p !== document.body && p !== document.documentElement)
        return Math.min(viewport, p.getBoundingClientRect().right);
    }
    return viewport;
  };
  const check = (name, element) => {
    const box = element.getBoundingClientRect();
    const right = clipOf(element);
    const text = (element.value || element.textContent || "").trim().slice(0, 30);
    if (box.left < -1 || box.right > right + 1)
      problems.push(`${name}: "${text}" spans ${box.left}-${box.right} of ${right} px`);
    if (element.scrollWidth > element.clientWidth + 1)
      problems.push(`${name}: "${text}" overflows its box (${element.scrollWidth} px)`);
  };
  for (const table of document.querySelectorAll("main table")) {
    if (!shown(table)) continue;
    const name = (table.caption && table.caption.textContent.trim()) || table.className;
    if (table.scrollWidth > table.parentElement.clientWidth + 1)
      problems.push(`${name}: ${table.scrollWidth} px wide, cut`);
    for (const row of table.rows) for (const cell of row.cells) check(name, cell);
  }
  // The rows' inputs: figures must fit their fields (a name may scroll inside its own).
  const inputs = "main form input:not([type=hidden]), main form select";
  for (const input of document.querySelectorAll(inputs)) {
    if (!shown(input)) continue;
    const name = input.name || input.id;
    if (/-(name|label)$/.test(name)) {
      const box = input.getBoundingClientRect();
      if (box.right > clipOf(input) + 1 || box.width < 80)
        problems.push(`${name}: ${box.width} px wide, ending at ${box.right} px`);
    } else check(name, input);
  }
  // A row's select (its options are the app's: frequencies, bases) shows its chosen option
  // whole: its text, its padding and its arrow (20 px). A select of category names may cut
  // a long name.
  const ruler = document.createElement("canvas").getContext("2d");
  for (const select of document.querySelectorAll("main .row select")) {
    if (!shown(select) || select.selectedIndex < 0) continue;
    const style = getComputedStyle(select);
    ruler.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = select.options[select.selectedIndex].text;
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const needed = ruler.measureText(text).width + padding + 20;
    if (needed > select.clientWidth + 1)
      problems.push(`${select.name}: "${text}" cut (${needed} px in ${select.clientWidth})`);
  }
  for (const card of document.querySelectorAll(".summary-card")) {
    if (!shown(card)) continue;
    check("card", card);
    for (const part of card.querySelectorAll("h3, dt, dd")) check("card part", part);
  }
  for (const head of document.querySelectorAll(".category-head span")) {
    if (shown(head)) check("categories heading", head);
  }
  if (document.documentElement.scrollWidth > viewport)
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide for ${viewport}`);
  return problems;
}"""


def big_venue(owner) -> Venue:
    """60 items and 12 categories, long labels and names, 5-digit amounts (yearly, quarterly
    and one-off: a monthly total of 5 digits too, 93 324,15 €)."""
    venue = Venue.objects.create(
        name="Grande Halle des Communs — 2 400 m²", total_surface_m2=Decimal(2400)
    )
    Membership.objects.create(user=owner, venue=venue, role=Role.OWNER)
    CostItem.objects.bulk_create(
        CostItem(
            venue=venue,
            position=n,
            label=f"Poste de coût numéro {n} avec un libellé long comme ceux de la méthode",
            pool=("infrastructure", "services")[n % 2],
            tier=("basic", "improved")[n // 30],
            amount=Decimal(12000 + n * 7) + Decimal("0.55"),
            frequency=("yearly", "quarterly", "yearly", "one_off")[n % 4],
            amortization_months=60 if n % 4 == 3 else None,
        )
        for n in range(60)
    )
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
def workspace_at(browser_page, alice):
    log_in(browser_page, "alice", "alice-password")

    def open_page(venue: Venue, width: int, language: str):
        page = browser_page
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate(f"document.cookie = 'django_language={language}; path=/'")
        page.goto(venue.get_absolute_url())
        assert page.evaluate("document.documentElement.lang") == language
        return page

    return open_page


def screenshot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/c15a-{name}.png", full_page=True, caret="initial")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_every_column_of_the_worked_example_is_read_whole(workspace_at, example, width, language):
    page = workspace_at(example, width, language)
    assert page.evaluate(MEASURE) == []
    per_member = "Par membre" if language == "fr" else "Per member"
    if width > 1000:  # the figure a manager wants most, beside the inputs
        heading = page.locator("#summary table.allocation th", has_text=per_member)
        expect(heading).to_be_in_viewport()
    else:  # one card per category, each with its figure per member
        cards = page.locator("#summary .summary-card.category")
        expect(cards).to_have_count(3)
        expect(cards.first).to_contain_text(per_member)
        expect(page.locator("#summary table.allocation")).to_be_hidden()
    screenshot(page, f"example-{width}-{language}")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_every_column_of_a_venue_of_60_items_and_12_categories_is_read_whole(
    workspace_at, alice, width, language
):
    page = workspace_at(big_venue(alice), width, language)
    assert page.evaluate(MEASURE) == []
    if width == 390:
        expect(page.locator("#summary .summary-card.category")).to_have_count(12)
    screenshot(page, f"big-{width}-{language}")


def test_the_phone_layout_passes_axe(workspace_at, example):
    page = workspace_at(example, 390, "fr")
    assert accessibility_violations(page) == []


def test_a_table_that_scrolls_sideways_on_a_phone_shows_a_shadow_on_the_edge_hiding_columns(
    workspace_at, example
):
    """The history of closed months is wider than a phone: its box scrolls sideways, and a
    shadow on the edge that hides columns says so, gone once that edge is reached."""
    from io import BytesIO

    from django.urls import reverse
    from PIL import Image, ImageStat

    page = workspace_at(example, 390, "fr")
    page.goto(reverse("period_list", args=[example.pk]))
    box = page.locator(".scroll").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth + 40")

    def edges() -> tuple[float, float]:
        """The mean brightness of the box's 3 px on the left and on the right (255: white)."""
        image = Image.open(BytesIO(box.screenshot())).convert("L")
        width, height = image.size
        left = ImageStat.Stat(image.crop((0, 0, 3, height))).mean[0]
        right = ImageStat.Stat(image.crop((width - 3, 0, width, height))).mean[0]
        return left, right

    start_left, start_right = edges()
    box.evaluate("e => e.scrollLeft = e.scrollWidth")
    end_left, end_right = edges()
    assert start_right < end_right - 15  # more to the right: a shadow, gone at the end
    assert end_left < start_left - 15  # scrolled: a shadow on the left, none at the start
