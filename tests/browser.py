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
