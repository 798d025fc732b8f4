import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tierslieux.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_app_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = _python("import tierslieux.wsgi")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_the_app_starts_with_a_secret_key_and_debug_off():
    result = _python("import tierslieux.wsgi", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_debug_runs_without_a_secret_key():
    assert _python("import tierslieux.wsgi", DJANGO_DEBUG="1").returncode == 0


def test_debug_is_off_unless_asked_for():
    result = _python("from django.conf import settings; print(settings.DEBUG)")
    assert result.stdout.strip() == "False"


def test_settings_refuse_a_malformed_boolean():
    result = _python("import tierslieux.wsgi", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_settings_refuse_a_malformed_number():
    result = _python("import tierslieux.wsgi", DJANGO_SECRET_KEY="x" * 50, DJANGO_EMAIL_PORT="smtp")
    assert result.returncode != 0
    assert "DJANGO_EMAIL_PORT must be a whole number" in result.stderr
