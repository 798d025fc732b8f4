"""Logging in with the username or the e-mail address (AUTHENTICATION_BACKENDS).

django-axes' backend stays first: it refuses a locked-out login before this one is asked
(django-axes' docs, "AxesStandaloneBackend ... first item of AUTHENTICATION_BACKENDS"); a
refusal here is a failed login that django-axes counts like any other, under the account's
username whichever of the two was typed (accounts/throttle.py, login_username).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

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
