"""The signed-in user read from the shared cache (with REDIS_URL): one query less per request.

Django's ModelBackend loads the session's user from the database on every request. With a
cache shared by every process (Redis, settings.py), `CachedUserBackend` keeps the user there
and every save or deletion of a user drops it (the receivers below, connected in apps.py), so
that a password change (which ends the user's other sessions through the session hash), a
deactivation or a deletion reaches every process at once. A write that bypasses them (a
queryset's update()) is seen within USER_SECONDS. Without a shared cache the backend is not
used: a per-process cache could not be told by another process that a user changed.

A Redis outage makes the lookup miss (the database answers), and a drop that could not reach
Redis empties it when it is back (venues/pagecache.py ResilientRedisCache).
"""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_SECONDS = 300


def user_key(user_id) -> str:
    return f"tierslieux:user:{user_id}"


class CachedUserBackend(ModelBackend):
    def get_user(self, user_id):
        key = user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_user(sender, instance, **kwargs) -> None:
    """A post_save and post_delete receiver for the user model."""
    cache.delete(user_key(instance.pk))
