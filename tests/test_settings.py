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


def test_without_redis_the_cache_is_each_processs_own_and_sessions_are_in_the_database():
    code = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)"
    )
    result = _python(code, DJANGO_DEBUG="1")
    assert result.stdout.split() == [
        "venues.pagecache.BoundedLocMemCache",
        "accounts.session_store",
    ]


def test_with_redis_the_cache_sessions_and_users_are_shared_under_the_releases_prefix():
    code = (
        "from django.conf import settings; c = settings.CACHES['default']; "
        "print(c['BACKEND'], c['LOCATION'], c['KEY_PREFIX'], settings.SESSION_ENGINE, "
        "settings.AUTHENTICATION_BACKENDS[-1])"
    )
    first = _python(code, DJANGO_DEBUG="1", REDIS_URL="redis://redis:6379/0")
    backend, location, prefix, sessions, users = first.stdout.split()
    assert backend == "venues.pagecache.ResilientRedisCache"
    assert location == "redis://redis:6379/0"
    assert prefix.startswith("tierslieux:") and len(prefix) > len("tierslieux:")
    assert sessions == "accounts.cached_session_store"
    assert users == "accounts.backends.CachedUserBackend"
    # The same release, the same prefix: every server of it shares the cache.
    again = _python(code, DJANGO_DEBUG="1", REDIS_URL="redis://redis:6379/0")
    assert again.stdout.split()[2] == prefix
