"""No log line carries a share token or a password-reset link (tierslieux/logs.py): neither
gunicorn's access and error logs nor Django's own. tests/test_production.py checks the same
against gunicorn's real output."""

import datetime
import io
import logging

import pytest

from tests.test_deployment import gunicorn_config
from tierslieux.logs import GunicornLogger, MaskSecrets, mask_secrets

TOKEN = "Zk3q9XbW1cVd0uT-yP_8sLmN4oRa2eHg"  # the shape of new_share_token()
UID, RESET = "MTI", "cxk2z4-0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (f"GET /s/{TOKEN}/ HTTP/1.1", "GET /s/…/ HTTP/1.1"),
        (f"GET /s/{TOKEN}/allocation.json HTTP/1.1", "GET /s/…/allocation.json HTTP/1.1"),
        (f"GET /s/{TOKEN}", "GET /s/…"),
        (f"https://tierslieux.example.org/s/{TOKEN}/", "https://tierslieux.example.org/s/…/"),
        (f"GET /s/{TOKEN}?x=1 HTTP/1.1", "GET /s/…?x=1 HTTP/1.1"),
        (f"GET /%73/{TOKEN}/ HTTP/1.1", "GET /%73/…/ HTTP/1.1"),  # Django decodes it to /s/
        (f"GET /accounts/login/?next=%2Fs%2F{TOKEN}%2F", "GET /accounts/login/?next=%2Fs%2F…%2F"),
        (f"Not Found: /s/{TOKEN}/", "Not Found: /s/…/"),
        (f"GET /accounts/reset/{UID}/{RESET}/ HTTP/1.1", "GET /accounts/reset/…/…/ HTTP/1.1"),
        (f"GET /accounts/reset/{UID}/set-password/", "GET /accounts/reset/…/…/"),
        (f'"https://x.org/accounts/reset/{UID}/{RESET}/"', '"https://x.org/accounts/reset/…/…/"'),
        (f"POST /invitation/{TOKEN}/ HTTP/1.1", "POST /invitation/…/ HTTP/1.1"),
        (
            f"GET /accounts/login/?next=/invitation/{TOKEN}/",
            "GET /accounts/login/?next=/invitation/…/",
        ),
        (
            f"GET /accounts/login/?next=%2Finvitation%2F{TOKEN}%2F",
            "GET /accounts/login/?next=%2Finvitation%2F…%2F",
        ),
    ],
)
def test_secrets_are_masked_wherever_a_line_quotes_them(line, masked):
    assert mask_secrets(line) == masked


@pytest.mark.parametrize(
    "line",
    [
        "GET /static/css/app.3f2a.css HTTP/1.1",
        "POST /venues/12/share/ HTTP/1.1",
        "POST /venues/12/items/add/services/basic/ HTTP/1.1",
        "GET /accounts/reset/done/ HTTP/1.1",
        "POST /accounts/password_reset/ HTTP/1.1",
        "GET /accounts/password_reset/done/ HTTP/1.1",
    ],
)
def test_other_urls_are_left_as_they_are(line):
    assert mask_secrets(line) == line


def test_a_traceback_quoting_a_token_is_masked():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskSecrets())
    logger = logging.getLogger("tests.logs.traceback")
    logger.addHandler(handler)
    try:
        raise ValueError(f"no venue for /s/{TOKEN}/")
    except ValueError:
        logger.exception("Internal Server Error: %s", f"/s/{TOKEN}/")
    finally:
        logger.removeHandler(handler)
    assert TOKEN not in stream.getvalue()
    assert "Internal Server Error: /s/…/" in stream.getvalue()
    assert "ValueError: no venue for /s/…/" in stream.getvalue()


# gunicorn, configured from gunicorn.conf.py as the Dockerfile starts it -------------------


class Response:
    status, sent, headers = "404 Not Found", 179, [("Content-Type", "text/html")]


class Request:
    def __init__(self, headers: list[tuple[str, str]]):
        self.headers = headers


def test_gunicorns_access_log_masks_the_request_line_the_url_and_the_referer(monkeypatch, tmp_path):
    cfg = gunicorn_config(monkeypatch, "--access-logfile", str(tmp_path / "access.log"))
    logger = cfg.logger_class(cfg)
    assert isinstance(logger, GunicornLogger)
    referer = f"https://tierslieux.example.org/accounts/reset/{UID}/{RESET}/"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/s/{TOKEN}/allocation.json",
        "PATH_INFO": f"/s/{TOKEN}/allocation.json",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Firefox",
    }
    request = Request([("REFERER", referer), ("USER-AGENT", "Firefox")])
    logger.access(Response(), request, environ, datetime.timedelta(milliseconds=12))
    # Every atom gunicorn offers, in one format, so that no way of quoting the URL escapes.
    cfg.set("access_log_format", "%(r)s %(U)s %(f)s %({referer}i)s %({raw_uri}e)s")
    logger.access(Response(), request, environ, datetime.timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    log = (tmp_path / "access.log").read_text()
    assert TOKEN not in log and RESET not in log and f"/{UID}/" not in log
    assert log.count('"GET /s/…/allocation.json HTTP/1.1" 404') == 1
    assert '"https://tierslieux.example.org/accounts/reset/…/…/"' in log


def test_gunicorns_error_log_masks_too(monkeypatch, tmp_path):
    cfg = gunicorn_config(monkeypatch, "--error-logfile", str(tmp_path / "error.log"))
    logger = cfg.logger_class(cfg)
    logger.error("Error handling request %s", f"/s/{TOKEN}/")
    for handler in logger.error_log.handlers:
        handler.flush()
    log = (tmp_path / "error.log").read_text()
    assert TOKEN not in log
    assert "Error handling request /s/…/" in log


# Django's own logs -------------------------------------------------------------------------


@pytest.fixture
def django_log():
    """What Django's logging configuration writes, read from its handlers."""
    stream = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    masked = [h for h in handlers if any(isinstance(f, MaskSecrets) for f in h.filters)]
    assert masked, "no masked handler on the root logger"
    previous = [h.setStream(stream) for h in masked]
    yield stream
    for handler, old in zip(masked, previous, strict=True):
        handler.setStream(old)


def test_every_handler_of_djangos_logs_masks_secrets():
    for name in ["", "django", "django.request", "django.security.csrf", "django.server"]:
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if type(handler).__module__.startswith("_pytest"):  # pytest's own capture
                continue
            assert any(isinstance(f, MaskSecrets) for f in handler.filters), (name, handler)
    # Django's own handlers, which print paths unmasked, are gone: everything reaches the root.
    assert not logging.getLogger("django").handlers
    assert not logging.getLogger("django.server").handlers


@pytest.mark.django_db
def test_djangos_not_found_warning_masks_the_share_token(client, django_log):
    assert client.get(f"/s/{TOKEN}/").status_code == 404
    assert "Not Found: /s/…/" in django_log.getvalue()
    assert TOKEN not in django_log.getvalue()


@pytest.mark.django_db
def test_djangos_csrf_warning_masks_the_reset_link(django_log):
    from django.test import Client

    url = f"/accounts/reset/{UID}/set-password/"
    assert Client(enforce_csrf_checks=True).post(url).status_code == 403
    assert "/accounts/reset/…/…/" in django_log.getvalue()
    assert f"/{UID}/" not in django_log.getvalue()
