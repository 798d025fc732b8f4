from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "venues"
    verbose_name = _("Lieux")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .sessions import note_login

        user_logged_in.connect(note_login, dispatch_uid="venues.sessions.note_login")
