"""Every venue-scoped URL × every kind of visitor × GET and POST.

The URLs come from the URL configuration itself, so a new venue URL that is not listed in
REQUIRED_ROLE fails the suite until someone decides who may use it.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from costing.models import CostItem
from periods.models import Period
from venues.models import Invitation, Membership, Role, ShareLink, Venue

pytestmark = pytest.mark.django_db

# Who may use each venue URL, and with which methods.
REQUIRED_ROLE = {
    "venue_detail": (Role.VIEWER, {"GET"}),
    "venue_export": (Role.VIEWER, {"GET"}),
    "allocation_csv": (Role.VIEWER, {"GET"}),
    "venue_edit": (Role.EDITOR, {"GET", "POST"}),
    "item_add": (Role.EDITOR, {"POST"}),
    "item_edit": (Role.EDITOR, {"POST"}),
    "item_details": (Role.EDITOR, {"GET", "POST"}),
    "item_delete": (Role.EDITOR, {"GET", "POST"}),
    "item_move": (Role.EDITOR, {"POST"}),
    "category_add": (Role.EDITOR, {"POST"}),
    "category_edit": (Role.EDITOR, {"POST"}),
    "categories_edit": (Role.EDITOR, {"POST"}),
    "category_delete": (Role.EDITOR, {"GET", "POST"}),
    "category_move": (Role.EDITOR, {"POST"}),
    "keys_edit": (Role.EDITOR, {"POST"}),
    "preset_surface": (Role.EDITOR, {"POST"}),
    "preset_bonjour_bienvenue": (Role.EDITOR, {"POST"}),
    "venue_prices": (Role.VIEWER, {"GET"}),
    "venue_pricing": (Role.EDITOR, {"POST"}),
    "category_price": (Role.EDITOR, {"POST"}),
    "revenue_add": (Role.EDITOR, {"POST"}),
    "revenue_edit": (Role.EDITOR, {"POST"}),
    "revenue_delete": (Role.EDITOR, {"GET", "POST"}),
    "venue_delete": (Role.OWNER, {"GET", "POST"}),
    "share_links": (Role.OWNER, {"GET", "POST"}),
    # The team (venues/team.py).
    "members": (Role.VIEWER, {"GET"}),
    "member_leave": (Role.VIEWER, {"POST"}),
    "member_role": (Role.OWNER, {"POST"}),
    "member_remove": (Role.OWNER, {"POST"}),
    "member_transfer": (Role.OWNER, {"POST"}),
    "invite": (Role.OWNER, {"POST"}),
    "invitation_revoke": (Role.OWNER, {"POST"}),
    "venue_journal": (Role.VIEWER, {"GET"}),
    "share_revoke": (Role.OWNER, {"GET", "POST"}),
    "share_options": (Role.OWNER, {"POST"}),
    "period_list": (Role.VIEWER, {"GET"}),
    "period_close": (Role.EDITOR, {"POST"}),
    "period_compare": (Role.VIEWER, {"GET"}),
    "period_year": (Role.VIEWER, {"GET"}),
    "year_statement": (Role.VIEWER, {"GET"}),
    "period_detail": (Role.VIEWER, {"GET"}),
    "period_allocation": (Role.VIEWER, {"GET"}),
    "period_statement": (Role.VIEWER, {"GET"}),
    "period_reopen": (Role.OWNER, {"POST"}),
    "share_pin": (Role.OWNER, {"POST"}),
    "scenario_list": (Role.VIEWER, {"GET"}),
    "scenario_create": (Role.EDITOR, {"POST"}),
    "scenario_compare": (Role.VIEWER, {"GET"}),
    "scenario_apply": (Role.OWNER, {"POST"}),
}


def venue_urls(patterns=None, converters=frozenset()) -> dict[str, frozenset[str]]:
    """Every URL taking a venue id, by name, however deep in the URL configuration, with the
    names of all its parameters (an included URLconf's prefix holds some)."""
    found = {}
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        names = converters | set(pattern.pattern.converters)
        if isinstance(pattern, URLResolver):
            found |= venue_urls(pattern.url_patterns, names)
        elif isinstance(pattern, URLPattern) and "venue_id" in names:
            found[pattern.name] = names
    return found


def test_every_venue_url_is_in_the_matrix():
    assert set(venue_urls()) == set(REQUIRED_ROLE)


def url_for(name: str, world, venue: Venue | None = None) -> str:
    row = world["item"] if name.startswith("item") else world["category"]
    if name.startswith("revenue"):
        row = world["revenue"]
    values = {
        "venue_id": (venue or world["venue"]).pk,
        "item_id": world["item"].pk,
        "row_id": row.pk,
        "link_id": world["link"].pk,
        "membership_id": Membership.objects.get(venue=world["venue"], user__username="victor").pk,
        "invitation_id": _invitation(world["venue"]).pk,
        "scenario_id": world["scenario"].pk,
        "pool": "infrastructure",
        "tier": "basic",
        "month": world["period"].key,
        "year": world["period"].month.year,
    }
    return reverse(name, kwargs={key: values[key] for key in venue_urls()[name]})


def _invitation(venue: Venue) -> Invitation:
    """A pending invitation of the venue (the same one for every URL of a test)."""
    invitation = venue.invitations.first()
    if invitation is None:
        invitation = Invitation(venue=venue, email="new@example.org")
        invitation.new_token()
        invitation.save()
    return invitation


VISITORS = ["anonymous", "charlie", "victor", "bob", "alice"]
ROLE_OF = {"victor": Role.VIEWER, "bob": Role.EDITOR, "alice": Role.OWNER}


@pytest.mark.parametrize("name", sorted(REQUIRED_ROLE))
@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_access(client, charlie, world, name, visitor, method):
    if visitor != "anonymous":
        client.force_login(User.objects.get(username=visitor))
    response = client.generic(method, url_for(name, world))
    needed, methods = REQUIRED_ROLE[name]
    if visitor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif visitor == "charlie":
        assert response.status_code == 404
    elif not ROLE_OF[visitor].allows(needed):
        assert response.status_code == 403
    elif method not in methods:
        assert response.status_code == 405
    else:
        assert response.status_code in (200, 302)
    if visitor in ("anonymous", "charlie") or not ROLE_OF[visitor].allows(needed):
        assert Venue.objects.filter(pk=world["venue"].pk, name="La Fabrique").exists()
        assert CostItem.objects.filter(pk=world["item"].pk, amount=900).exists()
        assert ShareLink.objects.filter(pk=world["link"].pk, revoked_at=None).exists()
        assert Membership.objects.count() == 3
        assert not Membership.objects.filter(role=Role.OWNER).exclude(user__username="alice")
        assert Invitation.objects.pending().count() == 1
        assert list(Period.objects.values_list("version", "reopened_at")) == [(1, None)]


# A scenario (a venue with `scenario_of`) is open to its venue's members with their role there,
# and is edited like a venue; but its team, its closed months and its share links are its
# venue's: those pages answer 404 for a scenario, whatever the method, and write nothing.
NOT_FOR_SCENARIOS = {
    "members",
    "member_leave",
    "member_role",
    "member_remove",
    "member_transfer",
    "invite",
    "invitation_revoke",
    "share_links",
    "share_revoke",
    "share_options",
    "share_pin",
    "period_list",
    "period_close",
    "period_compare",
    "period_year",
    "year_statement",
    "period_detail",
    "period_allocation",
    "period_statement",
    "period_reopen",
}
# With only the scenario's id in their URL (no row of the venue's): what a scenario does have.
FOR_SCENARIOS = ["venue_detail", "venue_prices", "venue_journal", "venue_export", "venue_edit"]


@pytest.mark.parametrize("name", sorted(NOT_FOR_SCENARIOS))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_scenario_has_no_team_no_closed_months_and_no_share_links(client, world, name, method):
    assert set(REQUIRED_ROLE) >= NOT_FOR_SCENARIOS
    scenario = world["scenario"]
    client.force_login(User.objects.get(username="alice"))
    url = url_for(name, world, scenario)
    if method == "POST":  # a valid form, so that only the 404 stops it
        data = {"month": world["period"].key, "email": "new@example.org", "role": "viewer"}
        response = client.post(url, data | {"label": "AG", "period": ""})
    else:
        response = client.get(url)
    assert response.status_code == 404
    assert not Period.objects.filter(venue=scenario).exists()
    assert not scenario.invitations.exists()
    assert not scenario.share_links.exists()
    assert not Membership.objects.filter(venue=scenario).exists()


@pytest.mark.parametrize("name", FOR_SCENARIOS)
def test_a_scenario_has_its_workspace_prices_journal_and_export(client, world, name):
    client.force_login(User.objects.get(username="victor"))  # its venue's viewer
    response = client.get(url_for(name, world, world["scenario"]))
    expected = 403 if name == "venue_edit" else 200
    assert response.status_code == expected


@pytest.mark.parametrize("name", ["venue_detail", "venue_prices", "venue_journal"])
def test_a_scenario_s_pages_link_to_no_page_it_does_not_have(client, world, name):
    client.force_login(User.objects.get(username="alice"))
    page = client.get(url_for(name, world, world["scenario"])).content.decode()
    links = set(re.findall(r'href="(/venues/[^"?#]*)', page))
    assert links, "the page links to its venue's pages"
    for link in links:
        assert client.get(link).status_code == 200, link
