"""Sessions read with their user in one query (SESSION_ENGINE): one query less on every
signed-in request (docs/scaling.md, "What a request costs").

Django's database sessions cost two queries per signed-in request: the session's row, then its
user (`ModelBackend.get_user`, called by `auth.get_user`). Here the row names its user
(`accounts.models.Session.user`, set whenever the session is saved) and comes with it, in one
query (its manager's `select_related`). The backend (accounts/backends.py) then takes that user
instead of asking for it again: Django's `auth.get_user` still checks it as it would any user
(the session's hash against the password, so that a password change ends the other sessions,
and `is_active`). A session saved before its row named the user, or whose user is not the one
it names, gets its user from the backend's own query, as before.

The user read with the session is handed to the backend through a context variable, set by the
load and taken once: each request's session store starts without one.
"""

from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import cached_db, db
from django.utils import timezone

from tierslieux.compiled import CompiledQuery

_read_with_session: ContextVar = ContextVar("user_read_with_session", default=None)


def user_read_with_session(user_id):
    """The user the session's own query brought, if it is user `user_id`; taken once."""
    user = _read_with_session.get()
    _read_with_session.set(None)
    if user is not None and str(user.pk) == str(user_id):
        return user
    return None


def _session(*, session_key: str):
    from .models import Session

    return Session.objects.select_related("user").filter(session_key=session_key)


_SESSION = CompiledQuery(_session, "session_key", texts=("session_key",))


class _UserInRow:
    def __init__(self, session_key=None):
        super().__init__(session_key)
        _read_with_session.set(None)

    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        session.user_id = None if user_id is None else get_user_model()._meta.pk.to_python(user_id)
        return session

    def _get_session_from_db(self):
        """As Django's: the session unless it has expired (then none, and no key), read with
        its user by a query compiled once (tierslieux/compiled.py): it runs on every request
        of a signed-in user."""
        found = list(_SESSION.objects(session_key=self.session_key))
        session = found[0] if found and found[0].expire_date > timezone.now() else None
        if session is None:
            self._session_key = None
        _read_with_session.set(None if session is None else session.user)
        return session


class SessionStore(_UserInRow, db.SessionStore):
    """Django's database sessions, each read with its user."""


class CachedSessionStore(_UserInRow, cached_db.SessionStore):
    """Django's cached_db sessions (with REDIS_URL), read with their user when the cache misses."""
