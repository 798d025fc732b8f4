"""Coming in: log in with the username or the e-mail address, a sign-up that says what a
username takes, e-mails that name the site, and a home page for visitors."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(username: str, password: str, client: Client | None = None):
    client = client or Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    return client, response


@pytest.mark.parametrize("typed", ["alice", "alice@example.org", "Alice@Example.ORG"])
def test_one_logs_in_with_the_username_or_the_email_address_in_any_case(alice, typed):
    client, response = log_in(typed, "alice-password")
    assert response.status_code == 302
    assert client.get(reverse("venue_list")).context["user"] == alice


def test_a_wrong_password_is_refused_by_address_as_by_username(alice):
    _, response = log_in("alice@example.org", "wrong")
    assert response.status_code == 200
    assert "Nom d’utilisateur, adresse e-mail ou mot de passe incorrect" in response.text


def test_the_username_wins_over_an_address_that_looks_like_it(alice, bob):
    """An account may be named like another's e-mail address: its username is what it is."""
    User.objects.filter(pk=bob.pk).update(username="alice@example.org")
    client, response = log_in("alice@example.org", "bob-password")
    assert response.status_code == 302
    assert client.get(reverse("venue_list")).context["user"] == bob
    _, response = log_in("alice@example.org", "alice-password")
    assert response.status_code == 200


def test_an_address_that_two_accounts_share_is_refused_clearly(alice, bob):
    User.objects.filter(pk=bob.pk).update(email="ALICE@example.org")
    _, response = log_in("alice@example.org", "alice-password")
    assert response.status_code == 200
    assert "Plusieurs comptes ont cette adresse e-mail" in response.text
    assert "connectez-vous avec votre nom d’utilisateur" in response.text
    client, response = log_in("alice", "alice-password")
    assert response.status_code == 302


def test_an_inactive_account_cannot_log_in_by_address(alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert log_in("alice@example.org", "alice-password")[1].status_code == 200


def test_failures_by_address_and_by_username_count_against_one_limit(alice, settings):
    settings.AXES_FAILURE_LIMIT = 4
    for typed in ["alice", "alice@example.org", "ALICE@example.org"]:
        assert log_in(typed, "wrong")[1].status_code == 200
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"alice"}
    assert log_in("Alice@Example.org", "wrong")[1].status_code == 429
    assert log_in("alice", "alice-password")[1].status_code == 429  # locked, whichever typed


def test_the_login_field_says_it_takes_either(client):
    text = client.get(LOGIN).text
    assert "Nom d’utilisateur ou adresse e-mail" in text


def test_sign_up_says_which_characters_a_username_takes(client):
    text = client.get(reverse("signup")).text
    assert "lettres, chiffres et les signes @ . + - _, sans espace" in text
    response = client.post(
        reverse("signup"),
        {
            "username": "Claire Martin",
            "email": "claire@example.org",
            "password1": "un mot de passe solide",
            "password2": "un mot de passe solide",
        },
    )
    assert response.status_code == 200
    assert "« claire.martin » plutôt que « Claire Martin »" in response.text
    assert not User.objects.exists()


def test_an_account_made_at_sign_up_logs_in_by_its_address(client):
    data = {
        "username": "claire.martin",
        "email": "Claire@Example.org",
        "password1": "un mot de passe solide",
        "password2": "un mot de passe solide",
    }
    assert client.post(reverse("signup"), data).status_code == 302
    assert log_in("claire@example.org", "un mot de passe solide")[1].status_code == 302


def test_the_reset_email_names_the_site_from_the_settings(client, alice, settings):
    settings.TIERSLIEUX_SITE_NAME = "Tiers-lieux de la Loire"
    settings.TIERSLIEUX_SITE_URL = "https://tierslieux.example.org"
    response = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Tiers-lieux de la Loire : choisir un nouveau mot de passe"
    assert "votre compte sur Tiers-lieux de la Loire" in message.body
    assert "https://tierslieux.example.org/accounts/reset/" in message.body
    assert "testserver" not in message.body and "127.0.0.1" not in message.body


def test_without_a_site_url_the_reset_link_uses_the_requests_host(client, alice):
    client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    (message,) = mail.outbox
    assert "http://testserver/accounts/reset/" in message.body
    assert message.subject == "tierslieux : choisir un nouveau mot de passe"


def test_the_reset_page_uses_the_uis_word_for_email(client):
    text = client.get("/accounts/password_reset/").text
    assert "Adresse e-mail" in text
    assert "ourriel" not in text and "électronique" not in text
    response = client.post("/accounts/password_reset/", {"email": "pas une adresse"})
    assert "Saisissez une adresse e-mail valide" in response.text


@pytest.mark.parametrize(
    "url", ["tierslieux.example.org", "https://x.org/path", "ftp://x.org", "https://"]
)
def test_a_site_url_that_is_no_origin_is_refused_at_start(url, monkeypatch):
    import importlib

    from tierslieux import settings as project_settings

    monkeypatch.setenv("TIERSLIEUX_SITE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="TIERSLIEUX_SITE_URL"):
        importlib.reload(project_settings)
    monkeypatch.delenv("TIERSLIEUX_SITE_URL")
    importlib.reload(project_settings)


def test_djangos_own_messages_say_e_mail_too(client):
    """Django's French says « adresse électronique »: locale/fr overrides it."""
    data = {
        "username": "claire.martin",
        "email": "claire.martin@example.org",
        "password1": "claire.martin",
        "password2": "claire.martin",
    }
    text = client.post(reverse("signup"), data).text
    assert "adresse e-mail" in text  # "… trop semblable au champ « adresse e-mail »"
    assert "électronique" not in text and "ourriel" not in text
    assert str(User._meta.get_field("email").verbose_name) == "adresse e-mail"
