"""Share links: the owner manages them, anyone with one reads the venue's current allocation."""

import io
import re
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from costing.models import CostItem, Frequency, Pool, Tier
from venues.models import ShareLink, Venue

pytestmark = pytest.mark.django_db

FORM_CONTROLS = ["<form", "<input", "<button", "<select", "<textarea"]


@pytest.fixture
def link(example, alice) -> ShareLink:
    return ShareLink.objects.create(venue=example, label="Assemblée générale", created_by=alice)


def manage_url(venue: Venue) -> str:
    return reverse("share_links", args=[venue.pk])


def revoke_url(link: ShareLink) -> str:
    return reverse("share_revoke", args=[link.venue_id, link.pk])


def json_url(link: ShareLink) -> str:
    return reverse("share_allocation", args=[link.token])


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# Managing links


def test_the_owner_creates_a_link_through_the_page(alice_client, example, alice):
    response = alice_client.post(manage_url(example), {"label": "Résidents 2025"})
    assert response.status_code == 302
    assert response["Location"] == manage_url(example)
    link = ShareLink.objects.get(venue=example)
    assert link.label == "Résidents 2025"
    assert link.created_by == alice
    assert link.revoked_at is None

    page = alice_client.get(manage_url(example))
    assert "Résidents 2025" in page.text
    assert f'value="http://testserver/s/{link.token}/"' in page.text
    assert f'data-copy="share-url-{link.pk}"' in page.text


def test_tokens_are_long_random_and_url_safe(alice_client, example):
    for label in ["Un", "Deux"]:
        alice_client.post(manage_url(example), {"label": label})
    tokens = list(ShareLink.objects.values_list("token", flat=True))
    assert len(set(tokens)) == 2
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", token)  # 32 characters: 192 bits


def test_it_needs_a_label(alice_client, example):
    response = alice_client.post(manage_url(example), {"label": ""})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not ShareLink.objects.exists()


def test_the_owner_revokes_a_link(alice_client, link):
    response = alice_client.post(revoke_url(link))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    page = alice_client.get(manage_url(link.venue))
    assert link.token not in page.text


def test_revoking_asks_first_and_says_what_it_does(alice_client, link):
    page = alice_client.get(manage_url(link.venue))
    # "Révoquer" is a link to a question, not a form that revokes at once.
    assert f'href="{revoke_url(link)}"' in page.text
    assert f'action="{revoke_url(link)}"' not in page.text

    question = alice_client.get(revoke_url(link))
    assert question.status_code == 200
    assert "Révoquer le lien « Assemblée générale » ?" in question.text
    assert "ne pourra plus ouvrir la page de partage" in question.text
    assert 'method="post"' in question.text
    assert f'href="{manage_url(link.venue)}"' in question.text  # "Annuler" goes back
    link.refresh_from_db()
    assert link.revoked_at is None


def test_a_revoked_link_cannot_be_revoked_again(alice_client, link):
    link.revoke()
    assert alice_client.get(revoke_url(link)).status_code == 404
    assert alice_client.post(revoke_url(link)).status_code == 404


def test_the_workspace_links_to_the_share_page_for_owners_only(alice_client, bob_client, example):
    detail = reverse("venue_detail", args=[example.pk])
    assert manage_url(example) in alice_client.get(detail).text
    assert manage_url(example) not in bob_client.get(detail).text


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("persona", ["bob_client", "victor_client"])
def test_editors_and_viewers_cannot_manage_links(request, link, persona, method):
    client = request.getfixturevalue(persona)
    venue = link.venue
    assert getattr(client, method)(manage_url(venue), {"label": "x"}).status_code == 403
    assert client.post(revoke_url(link)).status_code == 403
    assert ShareLink.objects.get().revoked_at is None
    assert ShareLink.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_links_are_not_found(charlie_client, charlies_venue, link, method):
    assert getattr(charlie_client, method)(manage_url(link.venue)).status_code == 404
    assert getattr(charlie_client, method)(revoke_url(link)).status_code == 404
    # Nor through charlie's own venue.
    other = reverse("share_revoke", args=[charlies_venue.pk, link.pk])
    assert charlie_client.post(other).status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def test_anonymous_users_are_sent_to_log_in(client, link):
    for response in [client.get(manage_url(link.venue)), client.post(revoke_url(link))]:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert ShareLink.objects.get().revoked_at is None


def test_the_management_page_takes_three_queries(
    alice_client, link, alice, django_assert_num_queries
):
    ShareLink.objects.create(venue=link.venue, label="Résidents", created_by=alice)
    with django_assert_num_queries(
        3
    ):  # session with its user, venue with role, links with creators
        response = alice_client.get(manage_url(link.venue))
    assert response.status_code == 200
    assert "par alice" in response.text


# The shared page


def test_a_link_created_through_the_ui_opens_for_anyone(alice_client, example):
    alice_client.post(manage_url(example), {"label": "AG"})
    token = ShareLink.objects.get().token

    response = Client().get(f"/s/{token}/")
    assert response.status_code == 200
    text = response.text
    assert example.name in text
    for figure in ["2 500,00", "1 700,00", "800,00"]:
        assert figure in text
    assert "<svg" in text
    assert "Bonjour" in text and "Bienvenue" in text and "Je peux vous renseigner" in text
    assert "Dernière modification le" in text


PRINT_BUTTON = '<button type="button" data-print hidden>Imprimer cette page</button>'
PRINT_SCRIPT = '<script src="/static/js/print.js" defer></script>'


def test_the_shared_page_has_no_control_no_link_into_the_app_and_no_account(client, link):
    page = client.get(link.get_absolute_url()).text
    # Its only control prints the page, shown by its only script (a file, as the CSP wants).
    assert page.count(PRINT_BUTTON) == 1 and page.count(PRINT_SCRIPT) == 1
    text = page.replace(PRINT_BUTTON, "").replace(PRINT_SCRIPT, "")
    for control in FORM_CONTROLS:
        assert control not in text
    assert 'href="/venues/' not in text and 'href="/accounts/' not in text
    assert 'href="/"' not in text and "/i18n/" not in text
    hrefs = re.findall(r'href="([^"]*)"', text)
    targets = [urljoin(link.get_absolute_url(), href) for href in hrefs]
    allowed = ("/static/", f"/s/{link.token}/", "data:,")  # data:, the empty icon
    assert all(url.startswith(allowed) for url in targets), targets
    for name in ["alice", "bob", "victor"]:
        assert name not in text
    assert "<script" not in text


def test_the_shared_page_shows_the_date_of_the_last_change_in_french(client, link):
    Venue.objects.filter(pk=link.venue_id).update(updated_at="2031-03-14T10:05:00+00:00")
    text = client.get(link.get_absolute_url()).text
    assert "14 mars 2031 à 11:05" in text  # Europe/Paris


def test_any_write_to_an_item_dates_the_last_change_and_counts_a_revision(link):
    CostItem.objects.filter(venue=link.venue, label__icontains="loyer").update(notes="révisé")
    venue = Venue.objects.get(pk=link.venue_id)
    assert venue.updated_at > link.venue.updated_at
    assert venue.revision > link.venue.revision


def test_an_edit_of_the_venue_shows_at_once(client, link):
    assert "2 500,00" in client.get(link.get_absolute_url()).text  # now cached
    item = CostItem.objects.get(venue=link.venue, label__icontains="loyer")
    item.amount += Decimal("100")
    item.save()
    text = client.get(link.get_absolute_url()).text
    assert "2 600,00" in text
    assert "1 800,00" in text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda venue: CostItem.objects.filter(venue=venue).update(amount=Decimal("0")),
            id="bulk-update-of-items",
        ),
        pytest.param(
            lambda venue: CostItem.objects.filter(venue=venue).delete(), id="items-deleted"
        ),
        pytest.param(
            lambda venue: venue.categories.update(infrastructure_pct=0, services_pct=0),
            id="bulk-update-of-categories",
        ),
        pytest.param(
            lambda venue: CostItem.objects.create(
                venue=venue, position=99, label="Nouveau", pool=Pool.SERVICES,
                tier=Tier.BASIC, amount=Decimal("10000"), frequency=Frequency.MONTHLY,
            ),
            id="item-added",
        ),
    ],
)  # fmt: skip
def test_no_write_path_leaves_the_cached_page_or_json_stale(client, link, change):
    page, document = client.get(link.get_absolute_url()), client.get(json_url(link))
    change(Venue.objects.get(pk=link.venue_id))
    assert client.get(link.get_absolute_url()).text != page.text
    assert client.get(json_url(link)).text != document.text


def test_a_venue_edit_through_its_form_does_not_write_back_an_old_revision(alice_client, link):
    venue = Venue.objects.get(pk=link.venue_id)  # loaded before the item edits below
    CostItem.objects.filter(venue=venue).update(amount=Decimal("1"))
    revision = Venue.objects.get(pk=venue.pk).revision
    venue.name = "Renommé"
    venue.save()
    assert Venue.objects.get(pk=venue.pk).revision == revision


def test_the_allocation_json_is_what_the_cli_gives_for_the_venues_export(client, link, tmp_path):
    exported = tmp_path / "venue.json"
    exported.write_text(run("export_venue", link.venue.slug), encoding="utf-8")
    expected = run("allocate", str(exported))

    response = client.get(json_url(link))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == expected.encode("utf-8")


def test_changing_one_character_of_the_token_is_not_found(client, link):
    last = link.token[-1]
    wrong = link.token[:-1] + ("A" if last != "A" else "B")
    assert client.get(f"/s/{wrong}/").status_code == 404
    assert client.get(f"/s/{wrong}/allocation.json").status_code == 404
    assert client.get(f"/s/{link.token[:-1]}/").status_code == 404


def test_a_revoked_link_is_not_found(alice_client, link):
    assert Client().get(link.get_absolute_url()).status_code == 200
    alice_client.post(revoke_url(link))
    assert Client().get(link.get_absolute_url()).status_code == 404
    assert Client().get(json_url(link)).status_code == 404
    # Not even for the owner: the link, not the account, opens the page.
    assert alice_client.get(link.get_absolute_url()).status_code == 404


def test_a_link_dies_with_its_venue(client, link):
    url = link.get_absolute_url()
    link.venue.delete()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("suffix", ["", "allocation.json"])
@pytest.mark.parametrize("valid", [True, False])
def test_share_responses_are_private(client, link, suffix, valid):
    token = link.token if valid else "x" * 32
    response = client.get(f"/s/{token}/{suffix}")
    assert response.status_code == (200 if valid else 404)
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_the_shared_page_does_not_accept_writes(link):
    response = Client(enforce_csrf_checks=False).put(link.get_absolute_url())
    assert response.status_code == 405
    assert response["Referrer-Policy"] == "no-referrer"


def add_items(venue: Venue, count: int) -> None:
    CostItem.objects.bulk_create(
        CostItem(
            venue=venue,
            position=i,
            label=f"Poste {i}",
            pool=Pool.SERVICES,
            tier=Tier.IMPROVED,
            amount=Decimal("1.00"),
            frequency=Frequency.MONTHLY,
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    ("suffix", "show_prices", "queries"),
    [
        # link with its venue, items and categories (one query: costing.models.load_rows),
        # then the closed months to pick from
        ("", False, 3),
        # link with its venue, items and categories, and nothing else: no prices shown
        ("allocation.json", False, 2),
        # …and the other revenue lines, when the link shows the prices
        ("allocation.json", True, 3),
    ],
)
@pytest.mark.parametrize("count", [3, 100])
def test_the_shared_page_takes_at_most_three_queries_whatever_the_size(
    client, venue, alice, suffix, show_prices, queries, count, django_assert_num_queries
):
    add_items(venue, count)
    link = ShareLink.objects.create(
        venue=venue, label="AG", created_by=alice, show_prices=show_prices
    )
    with django_assert_num_queries(queries):
        response = client.get(f"/s/{link.token}/{suffix}")
    assert response.status_code == 200
    if not suffix:
        assert f"{count},00" in response.text  # each item is 1,00 a month
    with django_assert_num_queries(1):  # until the venue changes, only the link and its venue
        again = client.get(f"/s/{link.token}/{suffix}")
    assert again.content == response.content


def test_an_unknown_token_takes_one_lookup_then_is_counted(client, link):
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/s/unknown/").status_code == 404
    lookups = [q["sql"] for q in queries if "venues_sharelink" in q["sql"]]
    assert len(lookups) == 1
    others = [q["sql"] for q in queries if q["sql"] not in lookups]
    assert all(
        "accounts_addresscounter" in sql or sql.startswith(("SAVEPOINT", "RELEASE"))
        for sql in others
    ), others
