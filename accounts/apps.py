from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Who may come in, and how often: sign-up, the login and request throttles, sessions."""

    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from .backends import forget_user
        from .sessions import note_login

        user_logged_in.connect(note_login, dispatch_uid="accounts.sessions.note_login")
        # The user cached by accounts.backends.CachedUserBackend (with REDIS_URL) is dropped
        # on every change; without it, nothing is cached and this deletes nothing.
        for signal in (post_save, post_delete):
            signal.connect(
                forget_user, sender=get_user_model(), dispatch_uid=f"forget_user_{signal}"
            )
