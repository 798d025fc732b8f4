"""Logging in with the username or the e-mail address (AUTHENTICATION_BACKENDS).

django-axes' backend stays first: it refuses a locked-out login before this one is asked
(django-axes' docs, "AxesStandaloneBackend ... first item of AUTHENTICATION_BACKENDS"); a
refusal here is a failed login that django-axes counts like any other, under the account's
username whichever of the two was typed (accounts/throttle.py, login_username).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .session_store import user_read_with_session

User = get_user_model()


def accounts_named(login: str) -> list:
    """The accounts that `login` may name: the one whose username it is (as Django compares
    usernames); else, if it looks like an e-mail address, those with that address, whatever
    its case (at most two: two already make it ambiguous)."""
    try:
        return [User._default_manager.get_by_natural_key(login)]
    except User.DoesNotExist:
        pass
    if "@" not in login:
        return []
    return list(User._default_manager.filter(email__iexact=login).order_by("pk")[:2])


def is_ambiguous(login: str) -> bool:
    """`login` is no username but an e-mail address that two or more accounts share: it cannot
    say whose password to check (the login form says so, and asks for the username)."""
    return len(accounts_named(login)) > 1


class UsernameOrEmailBackend(ModelBackend):
    """Django's ModelBackend, which also takes an account's e-mail address for its username
    when no account has that username and exactly one account has that address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        accounts = accounts_named(username)
        if len(accounts) != 1:
            # As ModelBackend does for an unknown username: hash once, so that the answer takes
            # as long whether the account exists or not.
            User().set_password(password)
            return None
        user = accounts[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user: the one read with the session's row when it is this one
        (accounts/session_store.py), else from the database, as ModelBackend does."""
        user = user_read_with_session(user_id)
        if user is None:
            return super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None


# The signed-in user read from the shared cache (with REDIS_URL): one query less per request.
#
# Django's ModelBackend loads the session's user from the database on every request. With a
# cache shared by every process (Redis, settings.py), `CachedUserBackend` keeps the user there
# and every save or deletion of a user drops it (`forget_user`, connected in apps.py), so that a
# password change (which ends the user's other sessions through the session hash), a
# deactivation or a deletion reaches every process at once. A write that bypasses them (a
# queryset's update()) is seen within USER_SECONDS. Without a shared cache the backend is not
# used: a per-process cache could not be told by another process that a user changed. A Redis
# outage makes the lookup miss (the database answers), and a drop that could not reach Redis
# empties it when it is back (venues/pagecache.py ResilientRedisCache).

USER_SECONDS = 300


def user_key(user_id) -> str:
    return f"tierslieux:user:{user_id}"


class CachedUserBackend(UsernameOrEmailBackend):
    """UsernameOrEmailBackend, whose signed-in user is read from the shared cache."""

    def get_user(self, user_id):
        from django.core.cache import cache

        key = user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_user(sender, instance, **kwargs) -> None:
    """A post_save and post_delete receiver for the user model."""
    from django.core.cache import cache

    cache.delete(user_key(instance.pk))
