"""The main pages pass axe-core's WCAG 2.2 AA rules (serious and critical) in a real browser."""

import pytest

from tests.browser import accessibility_violations, log_in, needs_browser

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_signed_out_pages_pass_wcag_aa(browser_page, db):
    for path in ("/", "/accounts/login/", "/accounts/signup/"):
        browser_page.goto(path)
        assert accessibility_violations(browser_page) == [], path


def test_the_venue_pages_pass_wcag_aa(browser_page, example):
    page = browser_page
    log_in(page, "alice", "alice-password")
    venue = example.get_absolute_url()
    for path in ("/", venue, f"{venue}edit/", f"{venue}share/"):
        page.goto(path)
        assert accessibility_violations(page) == [], path


def test_the_share_page_passes_wcag_aa(browser_page, example):
    link = example.share_links.create()
    browser_page.goto(f"/s/{link.token}/")
    assert accessibility_violations(browser_page) == []
