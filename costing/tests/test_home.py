"""The home page for visitors: what the app is, how to come in, the worked example; and no
page a visitor sees links to "Mes lieux"."""

import pytest
from django.urls import reverse

from costing.examples import worked_example_allocation
from costing.templatetags.costing import money

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_the_home_page_says_what_the_app_is_and_how_to_come_in(client):
    response = client.get("/")
    assert response.status_code == 200
    text = response.text
    assert "Le coût mensuel de votre tiers-lieu, et qui le porte" in text
    assert f'href="{reverse("signup")}"' in text and f'href="{reverse("login")}"' in text
    # The worked example, its figures from the engine.
    allocation = worked_example_allocation()
    assert money(allocation.total) in text and "2 500,00 €" in text
    assert "Résidents" in text and "70,83 €" in text


def test_the_home_page_links_to_the_demo_when_there_is_one(client, settings):
    assert "Voir un exemple de page de partage" not in client.get("/").text
    settings.TIERSLIEUX_DEMO_URL = "https://tierslieux.example.org/s/demo/"
    assert 'href="https://tierslieux.example.org/s/demo/"' in client.get("/").text


def test_without_sign_up_the_home_page_does_not_offer_it(client, settings):
    settings.ALLOW_SIGNUP = False
    assert f'href="{reverse("signup")}"' not in client.get("/").text


@pytest.mark.parametrize(
    "url",
    [
        "/",
        LOGIN,
        "/accounts/signup/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
    ],
)
def test_logged_out_pages_show_no_link_to_my_venues(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Mes lieux" not in response.text


def test_a_signed_in_user_still_gets_their_venues_at_home(alice_client):
    text = alice_client.get("/").text
    assert "Mes lieux" in text and "Le coût mensuel de votre tiers-lieu" not in text


def test_the_home_page_asks_nothing_of_the_database(client, django_assert_num_queries):
    """The worked example is allocated once per process, from its file."""
    client.get("/")
    with django_assert_num_queries(0):
        assert client.get("/").status_code == 200
