from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CostingConfig(AppConfig):
    name = "costing"
    verbose_name = _("Coûts et répartition")
