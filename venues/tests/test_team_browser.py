"""The team's journey in a real browser: an owner invites a treasurer, who signs up through the
e-mailed link and edits an amount; the owner reads that edit in the journal, then makes the
treasurer a viewer, who can no longer edit."""

import json
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser import accessibility_violations, log_in, needs_browser
from tests.helpers import rent
from venues.models import Membership, Role

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rent_amount(page):
    row = page.locator("form.item-row", has=page.locator('input[value="Loyer du local"]'))
    return row.locator("input[name$='-amount']")


def test_an_owner_invites_a_treasurer_who_edits_then_is_made_a_viewer(
    browser_page, live_server, example
):
    owner = browser_page
    log_in(owner, "alice", "alice-password")
    owner.goto(example.get_absolute_url())
    owner.get_by_role("link", name="Membres", exact=True).click()
    expect(owner.get_by_role("heading", name="Qui a accès")).to_be_visible()
    assert accessibility_violations(owner) == []

    # 1. The owner invites an editor.
    owner.get_by_label("Adresse e-mail").fill("tresoriere@example.org")
    owner.locator("#id_role").select_option("editor")
    owner.get_by_role("button", name="Envoyer l'invitation").click()
    expect(owner.locator("[role=status] ul.messages")).to_contain_text(
        "Invitation envoyée à tresoriere@example.org"
    )
    expect(owner.locator("table.invitations")).to_contain_text("tresoriere@example.org")
    assert accessibility_violations(owner) == []

    # 2. The link, read from the test outbox (the live server runs in this process).
    (message,) = mail.outbox
    (url,) = set(re.findall(r"http://\S+/invitation/\S+/", message.body))
    assert url.startswith(live_server.url)

    # 3. A second browser signs up through it and edits an amount.
    context = owner.context.browser.new_context(base_url=live_server.url)
    treasurer = context.new_page()
    treasurer.set_default_timeout(10_000)
    treasurer.goto(url)
    expect(treasurer.get_by_role("heading", name="Invitation à « Exemple")).to_be_visible()
    expect(treasurer.locator("[name=email]")).to_have_value("tresoriere@example.org")
    assert accessibility_violations(treasurer) == []
    treasurer.locator("[name=username]").fill("tresoriere")
    treasurer.locator("[name=password1]").fill("un-mot-de-passe-solide")
    treasurer.locator("[name=password2]").fill("un-mot-de-passe-solide")
    treasurer.get_by_role("button", name="Créer mon compte et rejoindre le lieu").click()
    expect(treasurer.locator("[role=status] ul.messages")).to_contain_text(
        "Bienvenue dans l'équipe"
    )
    with treasurer.expect_response(lambda r: "/items/" in r.url and r.request.method == "POST"):
        rent_amount(treasurer).fill("1 250,00")
        rent_amount(treasurer).press("Tab")
    assert str(rent(example).amount) == "1250.00"

    # 4. The owner sees that edit in the journal, with the old and the new amounts.
    owner.goto(example.get_absolute_url())
    owner.get_by_role("link", name="Journal").click()
    entry = owner.locator("table.journal tbody tr").first
    expect(entry).to_contain_text("tresoriere")
    expect(entry).to_contain_text("Loyer du local")
    expect(entry).to_contain_text("Montant : 1 100,00 → 1 250,00")
    expect(owner.locator("table.journal")).to_contain_text("Arrivée · accès « tresoriere »")
    assert accessibility_violations(owner) == []

    # 5. The owner demotes the treasurer to viewer, who can no longer edit.
    owner.get_by_role("link", name="Membres", exact=True).click()
    owner.get_by_label("Rôle de tresoriere").select_option("viewer")
    owner.get_by_role("row", name=re.compile("tresoriere")).get_by_role(
        "button", name="Changer le rôle"
    ).click()
    expect(owner.locator("[role=status] ul.messages")).to_contain_text(
        "tresoriere a maintenant le rôle « Lecture seule »"
    )
    assert Membership.objects.get(venue=example, user__username="tresoriere").role == Role.VIEWER

    treasurer.reload()
    expect(rent_amount(treasurer)).to_be_disabled()
    token = json.loads(treasurer.locator("body").get_attribute("hx-headers"))["x-csrftoken"]
    item = rent(example)
    response = treasurer.request.post(
        f"{live_server.url}/venues/{example.pk}/items/{item.pk}/",
        form={f"item-{item.pk}-amount": "9999", f"item-{item.pk}-version": str(item.version)},
        headers={"X-CSRFToken": token},
    )
    assert response.status == 403
    assert "Votre rôle dans ce lieu ne permet pas cette action" in response.text()
    assert str(rent(example).amount) == "1250.00"
    context.close()


def test_an_owner_is_asked_before_transferring_the_venue_or_removing_someone(browser_page, example):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 900})
    log_in(page, "alice", "alice-password")
    page.goto(f"/venues/{example.pk}/members/")
    transfer = page.locator("summary", has_text="Transférer la propriété").first
    transfer.focus()
    page.keyboard.press("Enter")  # opens the question, sends nothing
    question = page.locator("details.confirm[open]")
    expect(question).to_contain_text("sans pouvoir revenir en arrière")
    assert Membership.objects.get(venue=example, user__username="alice").role == Role.OWNER
    assert accessibility_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    question.get_by_role("button", name=re.compile("Confirmer le transfert")).click()
    expect(page.locator("[role=status] ul.messages")).to_contain_text("est maintenant propriétaire")
    assert Membership.objects.get(venue=example, user__username="alice").role == Role.EDITOR
