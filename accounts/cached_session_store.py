"""SESSION_ENGINE with REDIS_URL (settings.py): sessions read from the shared cache, written
through to PostgreSQL, where each row names its user (accounts/session_store.py)."""

from .session_store import CachedSessionStore as SessionStore

__all__ = ["SessionStore"]
