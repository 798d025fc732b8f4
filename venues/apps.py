from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    """Tenancy: venues, who may do what in them (memberships, roles) and their share links."""

    name = "venues"
    verbose_name = _("Lieux")
