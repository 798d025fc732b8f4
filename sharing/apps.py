from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    """The pages a share link opens without an account: a venue's allocation, read-only."""

    name = "sharing"
    verbose_name = _("Partage")
