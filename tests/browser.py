"""Playwright driving Debian's Chromium (`playwright install` cannot download browsers here)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("TIERSLIEUX_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = bool(os.environ.get("TIERSLIEUX_REQUIRE_BROWSER"))

needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists() and not REQUIRED,
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium); CI installs it and requires it",
)


@pytest.fixture
def browser_page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
        yield page
        browser.close()
        assert not errors, f"JavaScript errors in the page: {errors}"


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").last.click()
