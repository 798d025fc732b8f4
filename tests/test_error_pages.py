"""Error pages speak the visitor's language (French first) and stand alone: no English
"Not Found" from Django, no request needed for the 500 page."""

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.helpers import item_data

pytestmark = pytest.mark.django_db


def test_a_missing_page_answers_404_in_french(alice_client):
    response = alice_client.get("/venues/999999/")
    assert response.status_code == 404
    assert '<html lang="fr">' in response.text
    assert "Page introuvable" in response.text
    assert "Not Found" not in response.text


def test_a_missing_page_answers_in_english_to_who_chose_english(alice_client):
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = alice_client.get("/venues/999999/")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text
    assert "Page not found" in response.text


def test_a_revoked_share_link_explains_what_to_do(client, venue, alice):
    from venues.models import ShareLink

    link = ShareLink.objects.create(venue=venue, label="AG", created_by=alice)
    link.revoke()
    response = client.get(link.get_absolute_url())
    assert response.status_code == 404
    assert "lien de partage révoqué" in response.text
    assert venue.name not in response.text


def test_a_viewer_who_tries_to_edit_gets_a_403_page_in_french(victor_client, example):
    item = example.cost_items.first()
    response = victor_client.post(
        reverse("item_edit", args=[example.pk, item.pk]), item_data(item, amount="1")
    )
    assert response.status_code == 403
    assert "Accès refusé" in response.text


def test_a_form_posted_without_its_csrf_token_is_refused_in_french(alice, example):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("venue_edit", args=[example.pk]), {"name": "X"})
    assert response.status_code == 403
    assert "Formulaire expiré" in response.text
    assert "rien n'a été enregistré" in response.text.replace("&#x27;", "'")
    example.refresh_from_db()
    assert example.name != "X"


def test_a_request_for_an_unknown_host_answers_400_in_french(client):
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "Requête invalide" in response.text


def test_the_500_page_renders_without_a_request_in_either_language():
    with translation.override("fr"):
        assert "Erreur du serveur" in render_to_string("500.html")
    with translation.override("en"):
        assert "Server error" in render_to_string("500.html")
