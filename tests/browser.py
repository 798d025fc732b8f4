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


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").last.click()


# WCAG 2.0/2.1/2.2 A and AA rules of axe-core; what a page must pass (serious or critical).
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def accessibility_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2.2 AA violations of the page as it stands, one line each (empty: none)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA_TAGS}})
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in impacts
        for node in violation["nodes"]
    ]
