from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodsConfig(AppConfig):
    """Closed months: a venue's documents frozen as they were, their history and statements."""

    name = "periods"
    verbose_name = _("Périodes clôturées")
