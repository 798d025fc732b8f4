"""Every action the apps record reads in words on the journal's page, in French and English:
no raw code ("scenario_applied", "closed"), whichever app recorded it (venues/journal.py)."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from costing.models import MemberCategory, OtherRevenue
from venues.models import Change, ShareLink, Venue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def every_kind_of_change(client, venue: Venue, dave) -> None:
    """Through the pages, as a manager would: prices, revenue, a closed and reopened month,
    a share link and its options, the team, a scenario made the current state."""
    post = client.post
    category = MemberCategory.objects.filter(venue=venue).first()
    prefix = f"price-{category.pk}"
    post(reverse("category_price", args=[venue.pk, category.pk]), {
        f"{prefix}-price_amount": "80", f"{prefix}-price_frequency": "monthly",
        f"{prefix}-price_basis": "member", f"{prefix}-version": category.version,
    })  # fmt: skip
    post(reverse("venue_pricing", args=[venue.pk]),
         {"pricing-margin_pct": "10", "pricing-occupancy_pct": "90"})  # fmt: skip
    revenue = {"label": "Subvention", "amount": "6000", "frequency": "yearly"}
    post(reverse("revenue_add", args=[venue.pk]),
         {f"new-revenue-{k}": v for k, v in revenue.items()})  # fmt: skip
    line = OtherRevenue.objects.get(venue=venue)
    revenue |= {"amount": "6500", "version": line.version, "amortization_months": ""}
    post(reverse("revenue_edit", args=[venue.pk, line.pk]),
         {f"revenue-{line.pk}-{k}": v for k, v in revenue.items()})  # fmt: skip
    post(reverse("revenue_delete", args=[venue.pk, line.pk]))
    month = timezone.localdate().replace(day=1) - timedelta(days=1)  # last month, closable
    post(reverse("period_close", args=[venue.pk]), {"month": f"{month:%Y-%m}"})
    post(reverse("period_reopen", args=[venue.pk, f"{month:%Y-%m}"]))
    post(reverse("share_links", args=[venue.pk]), {"label": "AG"})
    link = ShareLink.objects.get(venue=venue)
    post(reverse("share_options", args=[venue.pk, link.pk]), {f"link-{link.pk}-show_prices": "on"})
    post(reverse("share_revoke", args=[venue.pk, link.pk]))
    post(reverse("invite", args=[venue.pk]), {"email": "dave@example.org", "role": "viewer"})
    invitation = venue.invitations.get()
    post(reverse("invitation_revoke", args=[venue.pk, invitation.pk]))
    post(reverse("invite", args=[venue.pk]), {"email": "dave@example.org", "role": "viewer"})
    (url,) = set(re.findall(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body))
    dave_client = Client()
    dave_client.force_login(dave)
    dave_client.post(url.split("testserver", 1)[1])
    dave_client.post(reverse("member_leave", args=[venue.pk]))
    post(reverse("scenario_create", args=[venue.pk]), {"name": "Loyer +10 %"})
    scenario = Venue.objects.get(scenario_of=venue)
    post(reverse("scenario_apply", args=[venue.pk, scenario.pk]))


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def rows(client, venue: Venue) -> list[str]:
    html = client.get(reverse("venue_journal", args=[venue.pk])).content.decode()
    return [_text(row) for row in re.findall(r"<tr>\s*<td><time.*?</tr>", html, re.S)]


def actions(client, venue: Venue) -> set[str]:
    """What each entry says was done: its "Quoi" cell, before the " · "."""
    html = client.get(reverse("venue_journal", args=[venue.pk])).content.decode()
    cells = re.findall(r"<tr>\s*<td><time.*?</td>\s*<td>.*?</td>\s*<td>(.*?)</td>", html, re.S)
    return {_text(cell).split(" · ")[0] for cell in cells}


@pytest.fixture
def journal_of_every_change(alice_client, example) -> Venue:
    every_kind_of_change(alice_client, example, User.objects.create_user("dave", "d@x.org", "p"))
    return example


def test_every_action_recorded_is_one_the_journal_can_name(journal_of_every_change):
    recorded = set(Change.objects.values_list("action", flat=True))
    assert {"closed", "reopened", "invited", "joined", "left", "scenario_applied"} <= recorded
    assert recorded <= set(Change.Action.values)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_entry_shows_a_raw_code(alice_client, journal_of_every_change, language):
    alice_client.post(reverse("set_language"), {"language": language})
    with translation.override(language):
        labels = {str(label).capitalize() for label in Change.Action.labels}
    assert actions(alice_client, journal_of_every_change) <= labels
    text = "\n".join(rows(alice_client, journal_of_every_change))
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text, re.I)  # no field or action code either


def test_each_kind_of_change_reads_as_a_sentence_in_french(alice_client, journal_of_every_change):
    text = "\n".join(rows(alice_client, journal_of_every_change))
    for expected in [
        "Application · scénario « Loyer +10 % »",
        "Arrivée · accès « dave » Rôle : — → Lecture seule",
        "Départ · accès « dave » Rôle : Lecture seule → —",
        "Envoi · invitation « dave@example.org » Rôle : — → Lecture seule",
        "Révocation · invitation « dave@example.org »",
        "Clôture · période clôturée",
        "Réouverture · période clôturée",
        "Modification · catégorie de membres « Résidents » Prix : — → 80,00",
        "Marge de précaution (%) : 0,00 → 10,00",  # from what the Tarifs page showed
        "Modification · autre revenu « Subvention » Montant : 6 000,00 → 6 500,00",
        "Suppression · autre revenu « Subvention »",
        "Modification · lien de partage « AG » Montrer les prix : non → oui",
        "Montrer les prix : non → oui",
    ]:
        assert expected.replace(" ", " ") in text.replace("\xa0", " ").replace("\u202f", " "), (
            expected
        )


def test_each_kind_of_change_reads_as_a_sentence_in_english(alice_client, journal_of_every_change):
    alice_client.post(reverse("set_language"), {"language": "en"})
    text = "\n".join(rows(alice_client, journal_of_every_change))
    for expected in [
        "Applied · scenario “Loyer +10 %”",
        "Sent · invitation “dave@example.org” Role: — → Read-only",
        "Closing · closed period",
        "Change · other revenue “Subvention” Amount: 6,000.00 → 6,500.00",
        "Contingency margin (%): 0.00 → 10.00",
    ]:
        assert expected in text, expected
