"""The production set-up of docker-compose.yml, without Docker: gunicorn, debug off, PostgreSQL,
collectstatic and whitenoise, checked over real HTTP."""

import gzip
import html
import http.cookiejar
import os
import re
import subprocess
import sys
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
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(server.url + "/", timeout=10)
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
    with production_server(tmp_path, **public) as server:
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
    assert "Le fichier dépasse 1 Mo" in html.unescape(refused.read().decode())
