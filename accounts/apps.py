from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Who may come in, and how often: sign-up, the login and request throttles, sessions."""

    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .sessions import note_login

        user_logged_in.connect(note_login, dispatch_uid="accounts.sessions.note_login")
