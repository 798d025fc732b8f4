import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_login_page_speaks_french_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert 'name="username"' in response.text and 'name="password"' in response.text
    assert "Se connecter" in response.text


def test_french_stays_the_default_whatever_the_browser_asks(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="fr">' in response.text


def test_english_is_available_from_the_language_switcher(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    response = client.get("/accounts/login/")
    assert '<html lang="en">' in response.text


def test_logging_in_with_the_right_password_opens_my_venues(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "alice-password"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("venue_list")
    assert response.context["user"] == alice


def test_logging_out_takes_a_post(alice_client):
    assert alice_client.get("/accounts/logout/").status_code == 405
    assert alice_client.post("/accounts/logout/").status_code == 302
    home = alice_client.get(reverse("venue_list"))  # the visitors' home page, no venue
    assert home.status_code == 200 and "alice" not in home.text and "Mes lieux" not in home.text


def test_signing_up_creates_an_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "zoe",
            "email": "zoe@example.org",
            "password1": "un mot de passe solide",
            "password2": "un mot de passe solide",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="zoe").exists()
    assert client.get(reverse("venue_list")).status_code == 200


def test_sign_up_can_be_switched_off(client, settings):
    settings.ALLOW_SIGNUP = False
    assert client.get(reverse("signup")).status_code == 404


def test_password_reset_sends_an_email(client, alice):
    response = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_password_change_needs_the_old_password(alice_client):
    response = alice_client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "x9!kdk3lsa", "new_password2": "x9!kdk3lsa"},
    )
    assert response.status_code == 200
    assert 'id="id_old_password_error"' in response.text
