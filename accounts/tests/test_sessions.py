"""A signed-in user's responses (venues/sessions.py): nothing a cache keeps, a session that ends
after an idle time without being written on every request, and htmx requests whose session has
ended that take the browser to the login page instead of swapping it into a row."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Session
from tests.browser import log_in as log_in_browser
from tests.browser import needs_browser
from tests.helpers import item_data, logged_in, rent
from tests.test_access_matrix import REQUIRED_ROLE, url_for
from venues.models import ShareLink

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}

# The signed-in pages that take no venue (the access matrix lists those that do).
ACCOUNT_URLS = [
    ("venue_list", "GET"),
    ("venue_create", "GET"),
    ("venue_create", "POST"),
    ("venue_import", "GET"),
    ("venue_import", "POST"),
    ("password_change", "GET"),
    ("password_change", "POST"),
    ("password_change_done", "GET"),
]


@pytest.mark.parametrize(
    ("name", "method"),
    sorted((name, method) for name, (_, methods) in REQUIRED_ROLE.items() for method in methods),
)
def test_every_signed_in_venue_page_and_export_is_kept_by_no_cache(alice, world, name, method):
    response = logged_in(alice).generic(method, url_for(name, world))
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(("name", "method"), ACCOUNT_URLS)
def test_every_signed_in_account_page_is_kept_by_no_cache(alice_client, name, method):
    response = alice_client.generic(method, reverse(name))
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


def test_the_exports_are_kept_by_no_cache(alice_client, example):
    for url in [
        reverse("venue_export", args=[example.pk]),
        reverse("allocation_csv", args=[example.pk]),
    ]:
        response = alice_client.get(url)
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]


def test_pages_that_read_no_session_do_not_load_it(alice_client, venue, django_assert_num_queries):
    """A signed-in user opening a share link or /healthz pays no session query: those pages
    show nobody's account (and keep themselves out of caches)."""
    link = ShareLink.objects.create(venue=venue, label="AG")
    with django_assert_num_queries(3):  # link with its venue, closed months, items and categories
        response = alice_client.get(link.get_absolute_url())
    assert "no-store" in response["Cache-Control"]
    with django_assert_num_queries(1):
        alice_client.get("/healthz")


def test_an_ended_session_leaves_nothing_for_the_next_person_at_the_computer(alice_client):
    alice_client.post("/accounts/logout/")
    assert "alice" not in alice_client.get(reverse("venue_list")).text  # the visitors' home
    response = alice_client.get(reverse("venue_create"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Idle sessions ---------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The clock the session refresh reads, stopped; `clock(seconds)` moves it forward."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])

    def forward(seconds: float) -> None:
        now[0] += seconds

    return forward


def session_writes(queries) -> int:
    return sum(
        1
        for q in queries
        if "accounts_session" in q["sql"] and q["sql"].startswith(("UPDATE", "INSERT"))
    )


def log_in(client: Client, user: User) -> None:
    data = {"username": user.username, "password": f"{user.username}-password"}
    assert client.post("/accounts/login/", data).status_code == 302


def test_a_session_lasts_the_idle_time_after_its_last_save(client, alice, settings):
    log_in(client, alice)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 60 * 60
    assert Session.objects.get().get_decoded()["_auth_user_id"] == str(alice.pk)


def test_an_idle_session_ends(client, alice):
    log_in(client, alice)
    assert client.get(reverse("venue_list")).status_code == 200
    # The idle time has passed since the session was last saved.
    Session.objects.update(expire_date=F("expire_date") - timedelta(minutes=60, seconds=1))
    response = client.get(reverse("venue_create"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_an_active_session_is_written_at_most_once_per_five_minutes(client, alice, example, clock):
    """Thirty htmx edits over ten minutes, one every twenty seconds: the session is written
    twice (at five and at ten minutes), not thirty times, and each write moves its end."""
    log_in(client, alice)
    item = rent(example)
    url = reverse("item_edit", args=[example.pk, item.pk])
    ends = [Session.objects.get().expire_date]
    writes = []
    for n in range(1, 31):
        clock(20)
        item.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, item_data(item, amount=str(1000 + n)), headers=HTMX)
        assert response.status_code == 200
        writes.append(session_writes(queries))
        if writes[-1]:
            ends.append(Session.objects.get().expire_date)
    assert sum(writes) == 2
    assert [n for n, w in enumerate(writes, start=1) if w] == [15, 30]
    assert ends == sorted(ends) and len(set(ends)) == 3


@pytest.mark.django_db(transaction=True)
def test_a_login_starts_the_five_minutes(client, alice, example, clock):
    log_in(client, alice)
    clock(60)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(example.get_absolute_url()).status_code == 200
    assert session_writes(queries) == 0


def test_anonymous_requests_create_no_session(client, clock):
    clock(3600)
    client.get("/accounts/login/")
    client.get("/healthz")
    assert not Session.objects.exists()


def _settings_in_a_new_process(**env: str) -> subprocess.CompletedProcess:
    code = (
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_AGE, settings.SESSION_REFRESH_SECONDS)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TIERSLIEUX_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "tierslieux.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_idle_time_is_an_hour_unless_configured():
    assert _settings_in_a_new_process().stdout.split() == ["3600", "300"]
    configured = _settings_in_a_new_process(TIERSLIEUX_SESSION_IDLE_MINUTES="8")
    assert configured.stdout.split() == ["480", "120"], configured.stderr
    refused = _settings_in_a_new_process(TIERSLIEUX_SESSION_IDLE_MINUTES="0")
    assert "TIERSLIEUX_SESSION_IDLE_MINUTES must be 1 or more" in refused.stderr


# htmx after the session has ended --------------------------------------------------------


def test_an_htmx_edit_after_the_session_ended_sends_the_browser_to_log_in(alice, example):
    item = rent(example)
    workspace = f"http://testserver{example.get_absolute_url()}"
    response = Client().post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount="1"),
        headers={**HTMX, "HX-Current-URL": workspace},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next={example.get_absolute_url()}"
    assert response.content == b""  # nothing to swap into the row
    item.refresh_from_db()
    assert item.amount == 1100


def test_the_same_request_without_htmx_is_redirected_as_usual(alice, example):
    item = rent(example)
    url = reverse("item_edit", args=[example.pk, item.pk])
    response = Client().post(url, item_data(item, amount="1"))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_an_htmx_request_from_another_site_comes_back_to_my_venues(alice, example):
    item = rent(example)
    response = Client().post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount="1"),
        headers={**HTMX, "HX-Current-URL": "https://elsewhere.example/venues/1/"},
    )
    assert response["HX-Redirect"] == f"/accounts/login/?next={reverse('venue_list')}"


def test_a_signed_in_htmx_request_is_served_as_usual(alice_client, example):
    item = rent(example)
    response = alice_client.post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount="1200"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert "no-store" in response["Cache-Control"]


@needs_browser
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_whose_session_ended_logs_in_again_and_is_back_at_the_venue(
    browser_page, example
):
    page = browser_page
    log_in_browser(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    total = page.get_by_test_id("monthly-total")
    expect(total).to_have_text("2 500,00 €")

    Session.objects.all().delete()  # the idle time has passed
    rent_amount = page.locator(f"input[name='item-{rent(example).pk}-amount']")
    rent_amount.fill("1 200,00")
    rent_amount.press("Tab")

    # The whole page is the login form, not a row of the table.
    expect(page.get_by_role("button", name="Se connecter").last).to_be_visible()
    assert page.url.endswith(f"/accounts/login/?next={example.get_absolute_url()}")
    expect(page.locator("form.item-row")).to_have_count(0)
    page.get_by_label("Nom d’utilisateur").fill("alice")
    page.get_by_label("Mot de passe").fill("alice-password")
    page.get_by_role("button", name="Se connecter").last.click()
    expect(total).to_have_text("2 500,00 €")  # back at the venue; the edit was not saved
    assert page.url.endswith(example.get_absolute_url())
