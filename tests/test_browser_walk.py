"""Every page the parallel work added, walked in a real browser for a venue with prices, other
revenue, a closed month, a scenario, a pending invitation and a share link showing its prices
and items: on a desktop and on a phone, in French and in English, no page is wider than the
screen and none has a WCAG 2.2 AA violation (axe-core, serious or critical)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from costing.models import OtherRevenue, create_scenario
from periods.forms import previous_month
from periods.models import close_period
from tests.browser import accessibility_violations, log_in, needs_browser
from venues import team
from venues.journal import acting
from venues.models import Role

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def priced_venue(example):
    """The worked example, priced (80,00 € per resident), with a grant with a long name, a
    closed month (its journal entry carries a 64-character fingerprint), a scenario, a pending
    invitation and a share link showing its prices and items, which lists the closed month."""
    venue = example
    venue.categories.filter(name="Résidents").update(price_amount=Decimal("80.00"))
    OtherRevenue.objects.create(
        venue=venue, position=0, label="Subvention de fonctionnement de la Région", amount=6000,
        frequency="yearly",
    )  # fmt: skip
    alice = User.objects.get(username="alice")
    with acting(alice):
        period = close_period(venue, previous_month(), user=alice)
        scenario = create_scenario(venue, "Loyer +10 % et fin de la subvention", actor=alice)
    team.invite(venue, alice, "tresoriere-de-l-association@example.org", Role.EDITOR, str)
    link = venue.share_links.create(label="Assemblée générale", show_prices=True)
    return {"venue": venue, "period": period, "scenario": scenario, "link": link}


# What sticks out of the screen, deepest first: the culprits of an overflow.
WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
               && !e.parentElement.closest('.scroll')
               && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 3)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} (${e.textContent.trim().slice(0, 40)})`)"""


def pages(world) -> dict[str, str]:
    venue, period, scenario = world["venue"], world["period"], world["scenario"]
    v = [venue.pk]
    return {
        "my venues": reverse("venue_list"),
        "members": reverse("members", args=v),
        "journal": reverse("venue_journal", args=v),
        "history": reverse("period_list", args=v),
        "compare": f"{reverse('period_compare', args=v)}?before={period.key}.v1&after=draft",
        "year": reverse("period_year", args=[venue.pk, period.month.year]),
        "month": reverse("period_detail", args=[venue.pk, period.key]),
        "prices": reverse("venue_prices", args=v),
        "scenarios": reverse("scenario_list", args=v),
        "scenario compare": f"{reverse('scenario_compare', args=v)}?right={scenario.pk}",
        "scenario journal": reverse("venue_journal", args=[scenario.pk]),
        "scenario workspace": scenario.get_absolute_url(),
        "share links": reverse("share_links", args=v),
        "share page": world["link"].get_absolute_url(),
        "share page, closed month": f"{world['link'].get_absolute_url()}?period={period.key}",
    }


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_every_new_page_fits_the_screen_and_passes_wcag_aa(
    browser_page, priced_venue, width, language
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "alice", "alice-password")
    if language == "en":
        page.get_by_role("button", name="EN").click()
        page.wait_for_load_state()
    problems = []
    for name, path in pages(priced_venue).items():
        response = page.goto(path)
        assert response.status == 200, name
        assert page.evaluate("document.documentElement.lang") == language, name
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width:
            problems.append(f"{name}: {wide} px wide in {width} px: {page.evaluate(WIDEST)}")
        problems += [f"{name}: {violation}" for violation in accessibility_violations(page)]
    assert problems == [], "\n".join(problems)


def test_the_venue_s_pages_are_reachable_by_keyboard(browser_page, priced_venue):
    page = browser_page
    log_in(page, "alice", "alice-password")
    page.goto(reverse("members", args=[priced_venue["venue"].pk]))
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if reached[-1] == "Partager":
            break
    for label in ["Coûts et répartition", "Tarifs", "Scénarios", "Historique", "Journal"]:
        assert label in reached, reached
    assert reached[-1] == "Partager", reached
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('venue_journal', args=[priced_venue['venue'].pk])}")
    current = page.locator('.venue-nav [aria-current="page"]')
    assert current.text_content() == "Journal"
