"""The production set-up of docker-compose.yml, without Docker: gunicorn started as the
Dockerfile starts it (gunicorn.conf.py), debug off, PostgreSQL, collectstatic and whitenoise,
checked over real HTTP."""

import gzip
import html
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from tests.production import ROOT, postgres_available, production_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not postgres_available() and not os.environ.get("TIERSLIEUX_REQUIRE_POSTGRES"),
        reason="PostgreSQL does not answer on 127.0.0.1:5432 (CI starts it and requires it)",
    ),
]


def fetch(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with production_server(tmp_path_factory.mktemp("prod")) as server:
        yield server


def wait_for(condition, timeout: float = 20) -> bool:
    """Whether `condition()` holds within `timeout` seconds (gunicorn writes a request's
    access line once the response has gone, and boots its workers one after the other)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_it_runs_gunicorn_from_its_configuration_file_sized_from_the_cores(server):
    workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)))
    assert wait_for(lambda: server.log("error").count("Booting worker with pid") == workers), (
        server.log("error")
    )
    assert "Using worker: gthread" in server.log("error")
    assert "control socket" not in server.log("error").lower()
    fetch(server.url + "/healthz")
    assert wait_for(lambda: '"GET /healthz HTTP/1.1" 200' in server.log("access"))


SECRETS = """
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from venues.models import ShareLink, Venue

user = User.objects.create_user("logs-alice", "logs-alice@example.org", "un mot de passe solide")
link = ShareLink.objects.create(
    venue=Venue.objects.create(name="La Fabrique", total_surface_m2=300), label="AG"
)
uid = urlsafe_base64_encode(force_bytes(user.pk))
print(link.token, uid, default_token_generator.make_token(user))
"""


def test_no_log_line_carries_a_share_token_or_a_reset_link(server):
    """A share link and a password-reset link, opened as browsers do (the reset page then
    redirects to its set-password page) and quoted in a Referer; an unknown token and a
    refused POST on the reset link, which Django's own log reports with their path."""
    output = server.manage("shell", "-c", SECRETS).stdout
    token, uid, reset = output.splitlines()[-1].split()
    reset_url = f"{server.url}/accounts/reset/{uid}/{reset}/"
    assert fetch(f"{server.url}/s/{token}/").status == 200
    assert fetch(f"{server.url}/s/{token}/allocation.json", Referer=reset_url).status == 200
    assert fetch(f"{server.url}/s/{token}x/").status == 404
    assert fetch(reset_url).status == 200  # its redirect to the set-password page followed
    post = urllib.request.Request(reset_url, data=b"new_password1=x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post, timeout=10)
    assert refused.value.code == 403  # no CSRF cookie
    marker = f"{server.url}/healthz?after-the-secrets"
    fetch(marker)
    assert wait_for(lambda: "after-the-secrets" in server.log("access"))
    access, error = server.log("access"), server.log("error")
    for secret in (token, reset, f"/{uid}/"):
        assert secret not in access and secret not in error, secret
    assert '"GET /s/…/ HTTP/1.1" 200' in access
    assert '"GET /s/…/allocation.json HTTP/1.1" 200' in access
    assert "/accounts/reset/…/…/" in access
    assert "Not Found: /s/…/" in error  # Django's own log, through the same stderr
    assert "Forbidden (CSRF cookie not set.): /accounts/reset/…/…/" in error


def test_it_serves_the_login_page_with_the_security_headers(server):
    response = fetch(server.url + "/accounts/login/", **{"X-Forwarded-Proto": "https"})
    body = response.read().decode()
    assert response.status == 200
    assert 'name="username"' in body
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" not in response.headers["Set-Cookie"]  # DJANGO_SECURE_COOKIES=0 on loopback


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_it_sends_anonymous_visitors_to_log_in(server):
    # "/" shows them what the app is, with its links to sign up and log in.
    home = fetch(server.url + "/").read().decode()
    assert 'href="/accounts/login/"' in home and 'href="/accounts/signup/"' in home
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(server.url + "/venues/new/", timeout=10)
    assert redirect.value.status == 302
    assert redirect.value.headers["Location"].startswith("/accounts/login/")


def test_static_files_are_hashed_compressed_and_cached_for_ever(server):
    page = fetch(server.url + "/accounts/login/").read().decode()
    css_url = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page).group(1)
    response = fetch(server.url + css_url, **{"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert b"tierslieux" in gzip.decompress(response.read())


def test_htmx_comes_from_django_htmx_with_the_page_nonce(server):
    response = fetch(server.url + "/accounts/login/")
    page = response.read().decode()
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    script = re.search(r"<script[^>]*django_htmx/htmx-2[^>]*>", page).group(0)
    assert re.search(r"/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js", script)
    assert f'nonce="{nonce}"' in script


def test_healthz_checks_the_database(server):
    response = fetch(server.url + "/healthz")
    assert response.status == 200
    assert response.read() == b"ok"


def test_debug_is_off(server):
    response = fetch(server.url + "/no-such-page/")
    body = response.read()
    assert response.status == 404
    assert b"Traceback" not in body and b"URLconf" not in body


def test_the_docker_health_check_passes_against_the_production_settings(tmp_path):
    """The Dockerfile's HEALTHCHECK, run as written (its port aside) against the set-up of
    .env.example: only the public host allowed, HTTPS redirect on."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = re.search(r'HEALTHCHECK[^\n]*\\\n\s*CMD python -c "(.+)"\n', dockerfile).group(1)
    public = {"DJANGO_ALLOWED_HOSTS": "tierslieux.example.org", "DJANGO_SECURE_SSL_REDIRECT": "1"}
    with production_server(tmp_path, workers=1, **public) as server:
        port = server.url.rsplit(":", 1)[1]
        code = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**server.env, **public},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 0, result.stderr


def test_an_upload_over_one_megabyte_gets_its_answer_not_a_connection_reset(server):
    """gunicorn drains only 64 KB of what a view left unread before it closes: a browser still
    sending its file then shows "connection reset" instead of the page. The refused upload
    is read to its end (nothing kept), so the answer arrives, to a visitor and to one whose
    session has expired."""
    server.manage(
        "shell", "-c", "from django.contrib.auth.models import User; "
        "User.objects.create_user('uploader', password='uploader-password')",
    )  # fmt: skip
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), NoRedirect)

    def token() -> str:
        opener.open(server.url + "/accounts/login/", timeout=10).read()
        return next(c.value for c in cookies if c.name == "csrftoken")

    def upload(size: int):
        body = encode_multipart(
            BOUNDARY,
            {
                "csrfmiddlewaretoken": token(),
                "document": SimpleUploadedFile("lieu.json", b" " * size),
            },
        )
        request = urllib.request.Request(
            server.url + "/venues/import/", body, {"Content-Type": MULTIPART_CONTENT}
        )
        try:
            return opener.open(request, timeout=30)
        except urllib.error.HTTPError as answer:  # the redirect to log in
            return answer

    twenty_megabytes = 20 * 1024 * 1024
    expired = upload(twenty_megabytes)
    assert expired.status == 302
    assert expired.headers["Location"].startswith("/accounts/login/")
    login = urllib.parse.urlencode(
        {"username": "uploader", "password": "uploader-password", "csrfmiddlewaretoken": token()}
    ).encode()
    with pytest.raises(urllib.error.HTTPError) as logged_in:
        opener.open(server.url + "/accounts/login/", login, timeout=10)
    assert logged_in.value.status == 302
    refused = upload(twenty_megabytes)
    assert refused.status == 200
    assert "Le fichier dépasse 4 Mo" in html.unescape(refused.read().decode())
