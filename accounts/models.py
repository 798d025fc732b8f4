from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
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


class SessionManager(BaseSessionManager):
    """Sessions with their user, in the same query (a LEFT JOIN: a visitor's has none)."""

    def get_queryset(self):
        return super().get_queryset().select_related("user")


class Session(AbstractBaseSession):
    """A session whose row names its signed-in user, so that a request reads both in one query
    instead of two (accounts/session_store.py). Deleting a user ends their sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    objects = SessionManager()

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .session_store import SessionStore

        return SessionStore
