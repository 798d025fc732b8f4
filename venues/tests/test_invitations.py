"""Invitations: an owner invites by e-mail with a role; the link (256 random bits, only its hash
stored) joins once, for 7 days, unless revoked; hostile input gets a clear answer, never a 500
(venues/team.py)."""

import datetime
import hashlib
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.helpers import logged_in
from venues.models import Invitation, Membership, Role, Venue

pytestmark = pytest.mark.django_db

INVALID_TEXT = "Ce lien d'invitation n'est pas ou plus valable"


def invite(client, venue: Venue, email: str = "tresoriere@example.org", role: str = "editor"):
    return client.post(reverse("invite", args=[venue.pk]), {"email": email, "role": role})


def sent_link() -> str:
    """The path of the invitation link in the last e-mail sent."""
    (url,) = set(re.findall(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body))
    return url.split("testserver", 1)[1]


def role_of(venue: Venue, username: str) -> str | None:
    found = Membership.objects.filter(venue=venue, user__username=username).first()
    return found.role if found else None


def errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get("email", [])] + [
        str(e) for e in response.context["form"].non_field_errors()
    ]


# Sending --------------------------------------------------------------------------------------


def test_an_owner_invites_by_email_in_french_with_english_beneath(alice_client, alice, venue):
    response = invite(alice_client, venue)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["tresoriere@example.org"]
    assert "La Fabrique" in message.subject and "Invitation" in message.subject
    body = message.body
    french = body.index("alice vous invite à rejoindre l'équipe de « La Fabrique »")
    english = body.index("alice invites you to join the team of “La Fabrique”")
    assert french < english
    assert "« Éditeur »" in body and "“Editor”" in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and sent_link() in html


def test_the_token_has_256_bits_and_only_its_hash_is_stored(alice_client, venue):
    invite(alice_client, venue)
    token = sent_link().split("/")[-2]
    assert len(token) >= 43  # secrets.token_urlsafe(32): 32 random bytes
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)


def test_the_invitation_is_recorded_in_the_journal(alice_client, alice, venue):
    invite(alice_client, venue, role="viewer")
    change = venue.changes.latest("pk")
    assert (change.actor, change.action, change.model, change.label, change.fields) == (
        alice,
        "invited",
        "venues.invitation",
        "tresoriere@example.org",
        [["role", "", "viewer"]],
    )


def test_the_email_escapes_what_the_venue_is_called(alice_client, venue):
    Venue.objects.filter(pk=venue.pk).update(name='<b>Café & "Co"</b>\nBcc: x@evil.example')
    invite(alice_client, venue)
    (message,) = mail.outbox
    assert "\n" not in message.subject
    assert message.to == ["tresoriere@example.org"] and not message.bcc
    html = message.alternatives[0][0]
    assert "<b>Café" not in html and "&lt;b&gt;Café &amp; &quot;Co&quot;&lt;/b&gt;" in html
    assert '<b>Café & "Co"</b>' in message.body  # plain text: as typed, no markup to escape


def test_pending_invitations_are_listed_for_the_owner_only(
    alice_client, bob_client, victor_client, venue
):
    invite(alice_client, venue)
    assert (
        "tresoriere@example.org"
        in alice_client.get(reverse("members", args=[venue.pk])).content.decode()
    )
    for client in (bob_client, victor_client):
        text = client.get(reverse("members", args=[venue.pk])).content.decode()
        assert "tresoriere@example.org" not in text and "/invitation/" not in text


def test_no_page_ever_shows_the_link(alice_client, venue):
    invite(alice_client, venue)
    link = sent_link()
    for name in ("members", "venue_journal", "venue_detail"):
        assert link not in alice_client.get(reverse(name, args=[venue.pk])).content.decode()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("pas-une-adresse", "Saisissez une adresse e-mail valide."),
        ("", "Ce champ est obligatoire."),
        ("a" * 250 + "@example.org", "au plus 254 caractères"),
        ("ALICE@example.org", "C'est votre propre adresse"),
        ("bob@example.org", "Une personne de l'équipe utilise déjà cette adresse."),
    ],
)
def test_a_bad_address_is_refused_beside_the_field(alice_client, venue, email, message):
    response = invite(alice_client, venue, email=email)
    assert response.status_code == 200
    assert any(message in error for error in errors(response))
    assert not Invitation.objects.exists() and not mail.outbox


def test_an_address_already_invited_is_refused_until_revoked(alice_client, venue):
    invite(alice_client, venue)
    response = invite(alice_client, venue, email="Tresoriere@Example.org")
    assert any("déjà en attente" in error for error in errors(response))
    invitation = Invitation.objects.get()
    alice_client.post(reverse("invitation_revoke", args=[venue.pk, invitation.pk]))
    assert invite(alice_client, venue).status_code == 302
    assert len(mail.outbox) == 2


def test_an_unknown_role_is_refused(alice_client, venue):
    response = invite(alice_client, venue, role="owner")
    assert response.status_code == 200 and "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_a_flood_of_invitations_is_throttled(alice_client, venue, settings):
    settings.INVITATION_LIMIT = 3
    for index in range(3):
        assert invite(alice_client, venue, email=f"p{index}@example.org").status_code == 302
    response = invite(alice_client, venue, email="p3@example.org")
    assert response.status_code == 429
    assert any("Trop d'invitations" in error for error in errors(response))
    assert Invitation.objects.count() == 3 and len(mail.outbox) == 3


def test_an_email_that_cannot_be_sent_stores_nothing(alice_client, venue, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    response = invite(alice_client, venue)
    assert response.status_code == 503
    assert any("n'a pas pu être envoyé" in error for error in errors(response))
    assert not Invitation.objects.exists()
    assert not venue.changes.filter(action="invited").exists()


def test_the_owner_revokes_an_invitation_and_its_link_no_longer_works(
    alice_client, alice, venue, charlie_client
):
    invite(alice_client, venue)
    link = sent_link()
    invitation = Invitation.objects.get()
    alice_client.post(reverse("invitation_revoke", args=[venue.pk, invitation.pk]))
    change = venue.changes.latest("pk")
    assert (change.actor, change.action, change.model) == (alice, "revoked", "venues.invitation")
    response = charlie_client.post(link)
    assert response.status_code == 404 and INVALID_TEXT in response.content.decode()
    assert role_of(venue, "charlie") is None


def test_an_invitation_of_another_venue_cannot_be_revoked_from_this_one(
    alice_client, charlie_client, charlies_venue, venue
):
    invite(charlie_client, charlies_venue, email="x@example.org")
    theirs = Invitation.objects.get()
    response = alice_client.post(reverse("invitation_revoke", args=[venue.pk, theirs.pk]))
    assert response.status_code == 404
    assert Invitation.objects.pending().get() == theirs


# Accepting ------------------------------------------------------------------------------------


def test_a_signed_in_person_accepts_and_joins_with_the_role(
    alice_client, venue, charlie, charlie_client
):
    invite(alice_client, venue, email="charlie@example.org", role="viewer")
    link = sent_link()
    page = charlie_client.get(link)
    assert page.status_code == 200
    assert "alice vous invite à rejoindre l'équipe de « La Fabrique »" in page.content.decode()
    assert role_of(venue, "charlie") is None  # opening the page changes nothing
    response = charlie_client.post(link)
    assert response.status_code == 302 and response["Location"] == venue.get_absolute_url()
    assert role_of(venue, "charlie") == Role.VIEWER
    change = venue.changes.latest("pk")
    assert (change.actor, change.action, change.label, change.fields) == (
        charlie,
        "joined",
        "charlie",
        [["role", "", "viewer"]],
    )
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == charlie and invitation.accepted_at is not None


@pytest.mark.parametrize("allow_signup", [True, False])
def test_someone_without_an_account_signs_up_through_the_link_and_joins(
    client, alice_client, venue, settings, allow_signup
):
    settings.ALLOW_SIGNUP = allow_signup
    invite(alice_client, venue)
    link = sent_link()
    page = client.get(link)
    assert page.status_code == 200
    assert page.context["form"]["email"].value() == "tresoriere@example.org"
    assert f"/accounts/login/?next={link}" in page.content.decode()
    response = client.post(
        link,
        {
            "username": "tresoriere",
            "email": "tresoriere@example.org",
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
        },
    )
    assert response.status_code == 302 and response["Location"] == venue.get_absolute_url()
    assert role_of(venue, "tresoriere") == Role.EDITOR
    assert client.get(venue.get_absolute_url()).status_code == 200  # signed in


def test_a_sign_up_through_the_link_with_errors_shows_them_and_creates_nothing(
    alice_client, client, venue
):
    invite(alice_client, venue)
    response = client.post(sent_link(), {"username": "bob", "email": "x@example.org"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not User.objects.filter(email="x@example.org").exists()
    assert Invitation.objects.pending().count() == 1


def test_a_person_who_logs_in_comes_back_to_the_invitation(alice_client, client, charlie, venue):
    invite(alice_client, venue)
    link = sent_link()
    response = client.post(
        reverse("login") + f"?next={link}",
        {"username": "charlie", "password": "charlie-password", "next": link},
    )
    assert response["Location"] == link


def test_a_link_works_once(alice_client, venue, charlie_client, client):
    invite(alice_client, venue)
    link = sent_link()
    assert charlie_client.post(link).status_code == 302
    for visitor in (charlie_client, logged_in(User.objects.create_user("dan")), client):
        for method in ("get", "post"):
            response = getattr(visitor, method)(link)
            assert response.status_code == 404 and INVALID_TEXT in response.content.decode()
    assert Membership.objects.filter(venue=venue).count() == 4


def _unknown(venue, link):
    return link[:-5] + "AAAA/"


def _expired(venue, link):
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    return link


def _revoked(venue, link):
    Invitation.objects.update(revoked_at=timezone.now())
    return link


def _used(venue, link):
    Invitation.objects.update(accepted_at=timezone.now())
    return link


def _garbage(venue, link):
    return "/invitation/" + "%00<script>" * 20 + "/"


@pytest.mark.parametrize("spoil", [_unknown, _expired, _revoked, _used, _garbage])
def test_unknown_used_revoked_and_expired_links_give_one_and_the_same_page(
    alice_client, client, charlie_client, venue, spoil
):
    invite(alice_client, venue)
    link = spoil(venue, sent_link())
    reference = client.get("/invitation/" + "x" * 43 + "/")
    for visitor in (client, charlie_client):
        for method in ("get", "post"):
            response = getattr(visitor, method)(link)
            assert response.status_code == reference.status_code == 404
            assert INVALID_TEXT in response.content.decode()
    assert role_of(venue, "charlie") is None


def test_accepting_as_a_member_never_lowers_a_role_and_changes_nothing_twice(
    alice_client, alice, venue
):
    invite(alice_client, venue, email="ailleurs@example.org", role="viewer")
    before = venue.changes.count()
    assert alice_client.post(sent_link()).status_code == 302
    assert role_of(venue, "alice") == Role.OWNER
    assert venue.changes.count() == before  # nothing changed, nothing recorded
    assert alice_client.post(sent_link()).status_code == 404


def test_accepting_an_editor_invitation_as_a_viewer_makes_an_editor(
    alice_client, victor_client, venue
):
    invite(alice_client, venue, email="victor-pro@example.org", role="editor")
    victor_client.post(sent_link())
    assert role_of(venue, "victor") == Role.EDITOR
    assert venue.changes.latest("pk").fields == [["role", "viewer", "editor"]]


def test_an_invitation_only_ever_opens_its_own_venue(
    alice_client, charlie_client, charlies_venue, venue, bob_client
):
    invite(charlie_client, charlies_venue, email="bob-autre@example.org", role="viewer")
    bob_client.post(sent_link())
    assert Membership.objects.get(venue=charlies_venue, user__username="bob").role == Role.VIEWER
    assert role_of(venue, "bob") == Role.EDITOR


def test_sign_ups_through_links_are_throttled_like_sign_ups(client, alice_client, venue, settings):
    settings.SIGNUP_LIMIT = 2
    invite(alice_client, venue)
    link = sent_link()
    statuses = [client.post(link, {"username": ""}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_admin_lists_invitations_without_their_token(client, alice_client, venue):
    invite(alice_client, venue)
    admin = User.objects.create_superuser("admin", "admin@example.org", "admin-password")
    client.force_login(admin)
    listing = client.get(reverse("admin:venues_invitation_changelist"))
    assert listing.status_code == 200 and "tresoriere@example.org" in listing.content.decode()
    page = client.get(reverse("admin:venues_invitation_change", args=[Invitation.objects.get().pk]))
    assert page.status_code == 200 and "token_hash" not in page.content.decode()
