"""The main pages pass axe-core's WCAG 2.2 AA rules (serious and critical) in a real browser."""

import pytest

from tests.browser import accessibility_violations, log_in, needs_browser

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_signed_out_pages_pass_wcag_aa(browser_page, db):
    for path in ("/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"):
        browser_page.goto(path)
        assert accessibility_violations(browser_page) == [], path


def test_the_home_page_passes_wcag_aa_on_a_phone_and_in_english(browser_page, db):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_venue_pages_pass_wcag_aa(browser_page, example):
    page = browser_page
    link = example.share_links.create(label="AG")  # its options and « Révoquer » on share/
    log_in(page, "alice", "alice-password")
    venue = example.get_absolute_url()
    for path in ("/", venue, f"{venue}edit/", f"{venue}share/", f"{venue}share/{link.pk}/revoke/"):
        page.goto(path)
        assert accessibility_violations(page) == [], path


def test_the_share_page_passes_wcag_aa(browser_page, example):
    link = example.share_links.create()
    browser_page.goto(f"/s/{link.token}/")
    assert accessibility_violations(browser_page) == []
