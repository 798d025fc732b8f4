from django.db import models
from django.utils.translation import gettext_lazy as _


class AddressCounter(models.Model):
    """The requests of one kind (`scope`: failed share-link lookups, sign-ups, password reset
    requests) that one address made in its current window (accounts/throttle.py). Kept in the
    database so that every server process counts them together."""

    scope = models.CharField(_("type de demande"), max_length=30)
    # A normalised IP address (accounts/lockout.py client_address) or "unknown".
    address = models.CharField(_("adresse"), max_length=45)
    count = models.PositiveIntegerField(_("demandes"), default=0)
    window_end = models.DateTimeField(_("fin de la fenêtre"), db_index=True)

    class Meta:
        verbose_name = _("compteur par adresse")
        verbose_name_plural = _("compteurs par adresse")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "address"], name="one_counter_per_scope_and_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} · {self.address} · {self.count}"
