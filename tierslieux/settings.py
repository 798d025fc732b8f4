"""Settings for tierslieux: one file, every deployment knob read from the environment.

Local development works with no variable at all except DJANGO_DEBUG=1 (what `make run` sets);
with debug off (the default) the production settings apply and a secret key is required.
"""

import hashlib
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from psycopg_pool import ConnectionPool

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Required to serve with debug off: wsgi.py refuses to start without it, and Django refuses
# anything that signs (sessions, CSRF). Commands that sign nothing (allocate, migrate,
# import/export) still run, so the CLI works from a bare checkout.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - debug only

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

ALLOW_SIGNUP = env_bool("TIERSLIEUX_ALLOW_SIGNUP", True)

# What e-mails and page titles call the site, and the address its e-mailed links start with
# (password resets); without TIERSLIEUX_SITE_URL, the address the request came to.
TIERSLIEUX_SITE_NAME = os.environ.get("TIERSLIEUX_SITE_NAME", "").strip() or "tierslieux"
TIERSLIEUX_SITE_URL = os.environ.get("TIERSLIEUX_SITE_URL", "").strip().rstrip("/")
if TIERSLIEUX_SITE_URL and not re.fullmatch(r"https?://[^/\s?#]+", TIERSLIEUX_SITE_URL):
    raise ImproperlyConfigured(
        "TIERSLIEUX_SITE_URL must be an origin such as https://tierslieux.example.org, "
        f"not {TIERSLIEUX_SITE_URL!r}"
    )
# A share page of a demo venue, linked from the home page for visitors (empty: the home page
# describes the method's worked example instead).
TIERSLIEUX_DEMO_URL = os.environ.get("TIERSLIEUX_DEMO_URL", "").strip()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    # Our apps: each leans only on those listed before it (docs/architecture.md).
    "accounts",
    "venues",
    "costing",
    "periods",
    "sharing",
    # After our apps, so that accounts' registration/ templates (password reset and change)
    # are found before the admin's own, which would show the admin's look and words.
    "django.contrib.admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the sessions, which live in the database: a database outage answers 503.
    "tierslieux.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tierslieux.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the sessions, the user and htmx: no-store and idle sessions for signed-in users, and
    # an htmx request whose session has ended sent to the login page (accounts/sessions.py).
    "accounts.sessions.SignedInMiddleware",
    "accounts.sessions.HtmxLoginRedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tierslieux.urls"
WSGI_APPLICATION = "tierslieux.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's loaders behind its cached one, one copy per language, each constant
            # {% translate %} translated once (tierslieux/template_loader.py).
            "loaders": [
                (
                    "tierslieux.template_loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tierslieux.context_processors.site",
            ],
        },
    },
]

# Django's form renderer, each distinct widget rendered once per process (tierslieux/forms.py).
FORM_RENDERER = "tierslieux.forms.WidgetMemoRenderer"

# SQLite in the project folder by default; DATABASE_URL=postgres://… for production.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks (SELECT … FOR UPDATE does nothing): a write transaction takes the
    # database's write lock as it begins, so that two writes to a venue are serialised as the
    # venue's row lock serialises them on PostgreSQL (venues/access.py). A transaction that
    # finds it taken waits for it, up to `timeout` seconds, instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A psycopg 3 pool per process: no connection set-up per request, and a connection broken
    # by a database restart is checked and replaced instead of failing every later request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2),
        "max_size": env_int("DATABASE_POOL_MAX", 8),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        "check": ConnectionPool.check_connection,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, as django-axes asks: it refuses lockouts
    "accounts.backends.UsernameOrEmailBackend",  # Django's, with the e-mail address as well
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "venue_list"
LOGOUT_REDIRECT_URL = "login"

# Sessions in PostgreSQL, each row naming its user, read with it in one query
# (accounts/session_store.py); with REDIS_URL, cached in Redis as well (below).
SESSION_ENGINE = "accounts.session_store"
# A session ends after this long without a request (accounts/sessions.py): long enough for a
# meeting or a lunch break in the middle of the monthly figures (every edit is saved as it is
# made, so an ended session loses nothing), short enough that a session left open on a shared
# computer of the venue is closed within the hour.
SESSION_IDLE_MINUTES = env_int("TIERSLIEUX_SESSION_IDLE_MINUTES", 60)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("TIERSLIEUX_SESSION_IDLE_MINUTES must be 1 or more")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# An active user's session is saved again at most this often (not on every htmx edit).
SESSION_REFRESH_SECONDS = min(300, SESSION_COOKIE_AGE // 4)

# Login throttling: lock a username from one address for a while, never an address forever;
# and an address, whatever the usernames it tries, after many more failures than an office
# behind one NAT makes by mistake (accounts/lockout.py LoginFailures, the handler that counts it).
AXES_FAILURE_LIMIT = env_int("TIERSLIEUX_LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("TIERSLIEUX_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = env_int("TIERSLIEUX_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.LoginFailures"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Renders the template above with a Retry-After header, which django-axes does not send.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# (django-axes' default, relied upon by Retry-After: a try while locked out restarts the wait.)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# Client addresses: REMOTE_ADDR, or behind this many trusted proxies, the one they appended.
TIERSLIEUX_PROXY_COUNT = env_int("TIERSLIEUX_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
# Usernames cut to the length django-axes can store (Django's login form does not limit them).
AXES_USERNAME_CALLABLE = "accounts.throttle.login_username"

# A cache in each process's memory: rendered pages under keys that change with every write to
# their venue (venues/pagecache.py), so no process can serve a stale page, and the addresses this
# process has seen reach the /s/ failure limit (the failures are counted in PostgreSQL). Bounded
# in bytes (a page of a venue at the limits weighs about 1.5 MB, a row 1 to 3 kB): the least
# recently used entries go first. The count of entries is only a backstop: a venue keeps a dozen
# (its pages and each row's markup), and Django's default of 300, or 1 000, thrashed past 60
# venues per process, re-rendering every row of every workspace (docs/scaling.md).
CACHES = {
    "default": {
        "BACKEND": "venues.pagecache.BoundedLocMemCache",
        "TIMEOUT": env_int("TIERSLIEUX_CACHE_SECONDS", 600),
        "OPTIONS": {
            "MAX_ENTRIES": env_int("TIERSLIEUX_CACHE_ENTRIES", 100_000),
            "MAX_BYTES": env_int("TIERSLIEUX_CACHE_MB", 64) * 2**20,
        },
    },
    # What {% cache %} keeps (a workspace row's actions: its buttons and links, named after the
    # row): small, made from what its key names, cheaper to render again than to fetch from
    # another machine. Always this process's memory, with or without Redis.
    "template_fragments": {
        "BACKEND": "venues.pagecache.BoundedLocMemCache",
        "LOCATION": "template_fragments",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 100_000, "MAX_BYTES": 8 * 2**20},
    },
}

# With REDIS_URL (redis://host:6379/0, a database of the app's own), the page cache and the
# sessions live in Redis, shared by every process and every app server: a page rendered by one
# worker is served by all, and a session and its user are read without a query (cached_db: written
# through to PostgreSQL, read from Redis). A Redis that does not answer is a cache that misses:
# pages are rendered again and sessions read from PostgreSQL, never a 500 (venues/pagecache.py
# ResilientRedisCache). Without it, each process caches for itself and sessions are in PostgreSQL.
REDIS_URL = os.environ.get("REDIS_URL", "")


def _release() -> str:
    """A digest of what renders markup (the apps' code and templates, the translations): the
    shared cache's keys start with it, so that servers of two releases never serve each
    other's rendered markup (sessions and users then come from PostgreSQL again, once)."""
    digest = hashlib.blake2b(digest_size=6)
    folders = ["templates", "locale", *(app for app in INSTALLED_APPS if "." not in app)]
    for folder in folders:
        for path in sorted((BASE_DIR / folder).glob("**/*")):
            if path.suffix in (".py", ".html", ".mo", ".txt"):
                digest.update(path.read_bytes())
    return digest.hexdigest()


if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "venues.pagecache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "TIMEOUT": CACHES["default"]["TIMEOUT"],
        "KEY_PREFIX": f"tierslieux:{_release()}",
        # A Redis that stopped answering costs a request at most this much, once per outage.
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    SESSION_ENGINE = "accounts.cached_session_store"
    # The signed-in user too, dropped from it on every change (accounts/backends.py). Sessions
    # made before REDIS_URL was set named UsernameOrEmailBackend: their users log in again, once.
    AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.backends.CachedUserBackend",  # UsernameOrEmailBackend, its user cached
    ]

# Requests per address and window (accounts/throttle.py): an address over a limit gets 429 until
# its window has passed. Share links (/s/<token>/): unknown or revoked tokens opened, after which
# every share link is refused. Sign-up and password reset: requests sent, valid or not.
SHARE_FAILURE_LIMIT = env_int("TIERSLIEUX_SHARE_FAILURE_LIMIT", 20)
SHARE_FAILURE_WINDOW_MINUTES = env_int("TIERSLIEUX_SHARE_FAILURE_WINDOW_MINUTES", 10)
SIGNUP_LIMIT = env_int("TIERSLIEUX_SIGNUP_LIMIT", 10)
SIGNUP_WINDOW_MINUTES = env_int("TIERSLIEUX_SIGNUP_WINDOW_MINUTES", 60)
PASSWORD_RESET_LIMIT = env_int("TIERSLIEUX_PASSWORD_RESET_LIMIT", 10)
PASSWORD_RESET_WINDOW_MINUTES = env_int("TIERSLIEUX_PASSWORD_RESET_WINDOW_MINUTES", 60)
# Invitations a venue's owners may send per window, counted from the invitations themselves
# under the venue's lock (venues/team.py): past it, the members page refuses with 429.
INVITATION_LIMIT = env_int("TIERSLIEUX_INVITATION_LIMIT", 20)
INVITATION_WINDOW_MINUTES = env_int("TIERSLIEUX_INVITATION_WINDOW_MINUTES", 60)
for _name in [
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_ADDRESS_FAILURE_LIMIT",
    "LOGIN_COOLOFF_MINUTES",
    "SHARE_FAILURE_LIMIT",
    "SHARE_FAILURE_WINDOW_MINUTES",
    "SIGNUP_LIMIT",
    "SIGNUP_WINDOW_MINUTES",
    "PASSWORD_RESET_LIMIT",
    "PASSWORD_RESET_WINDOW_MINUTES",
    "INVITATION_LIMIT",
    "INVITATION_WINDOW_MINUTES",
]:
    if env_int(f"TIERSLIEUX_{_name}", 1) < 1:
        raise ImproperlyConfigured(f"TIERSLIEUX_{_name} must be 1 or more")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]

LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tierslieux.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded venue documents are small JSON files; refuse anything bigger early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 1_048_576

# Console in development; SMTP configured from the environment in production.
_EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": {
            "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
            "port": env_int("DJANGO_EMAIL_PORT", 587),
            "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
            "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", True),
        }
        if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "tierslieux <noreply@localhost>")

# Strict CSP everywhere: scripts only from our origin or with the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # /healthz is probed over plain HTTP by load balancers and compose.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Every line through one handler that masks share tokens and password-reset links
# (tierslieux/logs.py): Django's own handlers (runserver's request log, the debug console) are
# replaced by it, so "Not Found: /s/<token>/" never reaches a log with its token.
_LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "tierslieux.logs.MaskSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]},
    },
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": _LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
