"""The venue's pages link to one another the same way (templates/includes/venue_nav.html):
from the workspace every page is reachable, each page links to all the others and back, and
the page you are on is marked with aria-current."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["venue_prices", "scenario_list", "period_list", "members", "venue_journal", "share_links"]
# A sub-page marks its group ("true"), a group's own page is the page ("page").
SUB_PAGES = {"scenario_compare": "scenario_list", "period_compare": "period_list"}


def _nav(html: str) -> str:
    found = re.search(r'<nav class="actions venue-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert found, "the page has the venue's navigation"
    return found.group(1)


@pytest.fixture
def alice_client(client, world):
    client.force_login(User.objects.get(username="alice"))
    return client


def test_every_page_of_the_venue_is_reachable_from_its_workspace(alice_client, world):
    venue = world["venue"]
    html = alice_client.get(venue.get_absolute_url()).content.decode()
    for name in PAGES:
        assert f'href="{reverse(name, args=[venue.pk])}"' in html, name


@pytest.mark.parametrize("name", PAGES)
def test_each_page_links_to_the_others_and_back_and_marks_itself(alice_client, world, name):
    venue = world["venue"]
    nav = _nav(alice_client.get(reverse(name, args=[venue.pk])).content.decode())
    assert f'href="{venue.get_absolute_url()}"' in nav
    for other in PAGES:
        assert f'href="{reverse(other, args=[venue.pk])}"' in nav, other
    assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == [
        reverse(name, args=[venue.pk])
    ]


@pytest.mark.parametrize("name", sorted(SUB_PAGES))
def test_a_sub_page_marks_its_group(alice_client, world, name):
    venue = world["venue"]
    nav = _nav(alice_client.get(reverse(name, args=[venue.pk])).content.decode())
    assert re.findall(r'href="([^"]+)" aria-current="true"', nav) == [
        reverse(SUB_PAGES[name], args=[venue.pk])
    ]


def test_a_viewer_sees_no_link_to_the_owner_s_share_page(client, world):
    client.force_login(User.objects.get(username="victor"))
    venue = world["venue"]
    nav = _nav(client.get(reverse("members", args=[venue.pk])).content.decode())
    assert reverse("share_links", args=[venue.pk]) not in nav
